"""Fixtures of the real-browser tests (`make test-browser`): headless Chromium from Debian's packages."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .page import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(os.environ.get("BROWSER_SCREENS", ROOT / "build" / "browser-screens"))
KEEP = os.environ.get("KEEP_SCREENS")  # a folder: copy the screenshots of passing tests there too
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
HUB_ENV = "/opt/nn-from-scratch/env"  # the class environment the hub tests install and share


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browser(request):
    """``make_page(prefix)`` -> a :class:`Page` in a fresh headless Chromium window; screenshots go to
    build/browser-screens/<test>/ and stay there when the test fails."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed (apt install chromium chromium-driver)")
    from selenium import webdriver

    folder = SCREENS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    drivers = []

    def make_page(prefix=""):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--window-size=1400,1000",
            "--disable-gpu",
            "--no-first-run",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages for get_log("browser")
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
        driver.set_page_load_timeout(60)
        drivers.append(driver)
        return Page(driver, folder, prefix)

    yield make_page
    failed = getattr(request.node, "report_call", None) is None or request.node.report_call.failed
    for index, driver in enumerate(drivers):
        if failed:
            try:
                Page(driver, folder, f"zz-failure-{index}-").shot("at failure")
            except Exception:
                pass
        driver.quit()
    if KEEP and folder.is_dir():
        shutil.copytree(folder, Path(KEEP) / request.node.name, dirs_exist_ok=True)
    if failed:
        print(f"screenshots of the failed test: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_class_file(base, port, auth, instructors=(), students=(), extra=""):
    """A class file (deploy/class.toml's layout) for a test hub under ``base``: its state and shared course there,
    the class environment at /opt/nn-from-scratch/env; ``extra`` is appended (e.g. an ``[lti]`` table)."""
    path = base / "class.toml"
    path.write_text(
        f"[users]\ninstructors = {json.dumps(list(instructors))}\nstudents = {json.dumps(list(students))}\n"
        f'[hub]\nip = "127.0.0.1"\nport = {port}\nauth = "{auth}"\ndemo_password = "nn-unused"\n'
        f'env = "{HUB_ENV}"\npython = "/usr/bin/python3"\nstate = "{base / "state"}"\n'
        f'[course]\nshared = "{base / "course"}"\nfolder = "nn-from-scratch"\n' + extra
    )
    return path


@contextlib.contextmanager
def running_hub(class_file, port, env, log):
    """``make hub``'s server for ``class_file``, started and answering on ``port``, stopped on exit."""
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "hub.py"), "--class", str(class_file)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/hub/api", process, log, timeout=600, any_status=False)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def wait_http(url, process, log, timeout=90, any_status=True):
    """Wait until ``url`` answers (with ``any_status=False``: answers 200; the hub's proxy answers 404
    before the hub has registered its routes)."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError as exc:
            if any_status and getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            if time.time() > deadline or process.poll() is not None:
                raise AssertionError(f"{url} did not come up; see {log}") from exc
            time.sleep(0.5)
