"""`make lab` serves JupyterLab 4 from the course root with nbgrader's extensions working."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# starts JupyterLab, once: the module's tests share one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab")]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "course-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HTTP_SECONDS = 120  # generous: the outcome does not depend on it (formgrader's first page took over 10 s under load)
START_SECONDS = 300
STOP_SECONDS = 120  # for the server to stop after SIGTERM before it is killed


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={TOKEN}", timeout=HTTP_SECONDS) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("lab") / "lab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={ROOT}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        # as `make lab` does: nbgrader's gradebook runs the environment's `alembic` command
        env=dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])),
    )
    try:
        deadline = time.time() + START_SECONDS
        while True:
            try:
                get(port, "/api/status")
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail(f"JupyterLab did not start; see {log.name}")
                time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_lab_serves_the_notebooks(lab):
    status, body = get(lab, "/api/contents/notebooks")
    assert status == 200
    assert {item["name"] for item in json.loads(body)["content"]} >= {"week2_numpy_basics", "week3_shallow_network"}


def test_nbgrader_lab_extension_is_enabled(lab):
    _, body = get(lab, "/lab/api/extensions")
    extension = next(e for e in json.loads(body) if e["name"] in ("@jupyter/nbgrader", "jupyter-nbgrader"))
    assert extension["enabled"]


def test_formgrader_sees_the_course(lab):
    status, body = get(lab, "/formgrader/api/assignments")
    assert status == 200
    assert isinstance(json.loads(body), list)
