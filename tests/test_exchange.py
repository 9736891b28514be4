"""Publishing to nbgrader's exchange gives students exactly what `make release` generated."""

import json
import os
import subprocess
import sys

import pytest

from grading.course import REPO_ROOT, Course, copy_course
from grading.pipeline import exchange, release

# starts nbgrader; the module's tests share one worker, so that the release is generated once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("exchange")]

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
    # write, no listing; sticky: nobody renames or deletes another's submission folder (red team #17)
    assert oct((root / "nn-from-scratch" / "inbound").stat().st_mode & 0o7777) == "0o3733"
    again = grading(course, "publish", ASSIGNMENT, env=env)
    assert again.returncode == 1 and "FORCE=1" in again.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "nbgrader", "list"], cwd=course.root, env=env, capture_output=True, text=True
    )
    assert f"nn-from-scratch {ASSIGNMENT}" in listing.stdout + listing.stderr
    status = grading(course, "status", env=env)
    row = next(line for line in status.stdout.splitlines() if line.startswith(ASSIGNMENT))
    assert row.split()[1:3] == ["ok", "yes"], status.stdout


def test_one_students_missing_or_malformed_files_never_stop_anothers_feedback(tmp_path, monkeypatch):
    """Red team #12: a submission without ``timestamp.txt`` (or with a secret that is not text) made
    ``make return-feedback`` exit part-way; the others' feedback is returned and the bad ones reported."""
    course = copy_course(tmp_path / "course")
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir()
    students = {
        "aa_no_timestamp": ("timestamp.txt", None),
        "zz_honest": (None, None),
        "ab_binary_secret": ("submission_secret.txt", b"\xff\xfe"),
    }
    for student, (name, content) in students.items():
        (course.submitted / student / ASSIGNMENT).mkdir(parents=True)
        folder = course.feedback_dir / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "numpy_basics.html").write_text(f"<p>feedback of {student}</p>")
        (folder / "timestamp.txt").write_text("2026-12-06 10:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(student * 8)
        if name:
            (folder / name).unlink()
            if content is not None:
                (folder / name).write_bytes(content)
    lines, problems = exchange.return_feedback(course, [ASSIGNMENT])
    returned = [p.read_text() for p in (tmp_path / "exchange" / "nn-from-scratch" / "feedback").glob("*.html")]
    assert returned == ["<p>feedback of zz_honest</p>"], (lines, problems)
    assert sorted(student for student, _ in problems) == ["aa_no_timestamp", "ab_binary_secret"], problems
