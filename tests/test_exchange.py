"""Publishing to nbgrader's exchange gives students exactly what `make release` generated."""

import json
import os
import subprocess
import sys

import pytest

from grading.course import REPO_ROOT, Course, copy_course
from grading.pipeline import exchange, release

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

ASSIGNMENT = "week2_numpy_basics"


def grading(course, *args, env):
    return subprocess.run(
        [sys.executable, "-m", "grading", "--course", str(course.root), *args],
        cwd=course.root,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange")
    course = copy_course(base / "course")
    release.generate(course, [ASSIGNMENT])
    exchange.record_release(course, [ASSIGNMENT])
    env = dict(os.environ, COURSE_EXCHANGE=str(base / "exchange"))
    return course, base / "exchange", env


def test_settings_come_from_nbgrader_config(monkeypatch):
    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    config = exchange.settings(Course(REPO_ROOT))
    assert config.course_id == "nn-from-scratch" and str(config.root) == "/srv/nbgrader/exchange"
    monkeypatch.setenv("COURSE_EXCHANGE", "/tmp/elsewhere")
    assert str(exchange.settings(Course(REPO_ROOT)).root) == "/tmp/elsewhere"


def test_a_previewed_or_edited_release_is_refused(released):
    course, _, env = released
    path = next((course.release_dir / ASSIGNMENT).glob("*.ipynb"))
    original = path.read_bytes()
    try:
        notebook = json.loads(original)
        code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "/home/lecturer/secret\n"}]
        code["execution_count"] = 1
        path.write_text(json.dumps(notebook))
        result = grading(course, "publish", ASSIGNMENT, env=env)
        assert result.returncode == 1 and "has outputs" in result.stderr
        assert f"make release ASSIGNMENTS={ASSIGNMENT}" in result.stderr
        path.write_bytes(original.replace(b"Exercise", b"Exercice", 1))
        result = grading(course, "publish", ASSIGNMENT, env=env)
        assert result.returncode == 1 and "differs from what `make release` wrote" in result.stderr
        path.write_bytes(original.replace(b"raise NotImplementedError()", b"### BEGIN SOLUTION", 1))
        result = grading(course, "publish", ASSIGNMENT, env=env)
        assert "marker" in result.stderr
    finally:
        path.write_bytes(original)
    assert not (released[1] / "nn-from-scratch" / "outbound" / ASSIGNMENT).exists()


def test_publish_then_status_and_nbgrader_list(released):
    course, root, env = released
    (course.release_dir / ASSIGNMENT / ".ipynb_checkpoints").mkdir(exist_ok=True)  # a Lab preview's leftover
    result = grading(course, "publish", ASSIGNMENT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    outbound = root / "nn-from-scratch" / "outbound" / ASSIGNMENT
    published = sorted(p.name for p in outbound.iterdir())
    assert published == sorted(p.name for p in exchange.published_files(course, ASSIGNMENT))
    assert oct((root / "nn-from-scratch" / "inbound").stat().st_mode & 0o777) == "0o733"  # write, no listing
    again = grading(course, "publish", ASSIGNMENT, env=env)
    assert again.returncode == 1 and "FORCE=1" in again.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "nbgrader", "list"], cwd=course.root, env=env, capture_output=True, text=True
    )
    assert f"nn-from-scratch {ASSIGNMENT}" in listing.stdout + listing.stderr
    status = grading(course, "status", env=env)
    row = next(line for line in status.stdout.splitlines() if line.startswith(ASSIGNMENT))
    assert row.split()[1:3] == ["ok", "yes"], status.stdout
