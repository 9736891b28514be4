"""The instructor's cycle in a temporary course: release -> submit -> autograde -> feedback -> grades.

One autograde batch grades the three demo students and two broken submissions; the tests below
read its results.
"""
import csv
import hashlib
import json

import pytest

from grading import demo, release
from grading.course import REPO_ROOT, copy_course
from grading.notebook_cells import hidden_lines, load, nbgrader_meta, solution_lines

pytestmark = pytest.mark.xdist_group("pipeline")
FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS")


def add_broken_submissions(course):
    """dave's notebook is not JSON; erin's kernel dies (os._exit in her first exercise cell)."""
    assignment = course.assignments()[0]
    name = course.notebooks(assignment)[0]
    (course.submitted / "dave" / assignment).mkdir(parents=True)
    (course.submitted / "dave" / assignment / name).write_text('{"cells": [', encoding="utf-8")
    notebook = load(course.release_dir / assignment / name)
    first_exercise = next(c for c in notebook["cells"] if nbgrader_meta(c).get("solution"))
    first_exercise["source"] = "import os\nos._exit(1)\n"
    (course.submitted / "erin" / assignment).mkdir(parents=True)
    (course.submitted / "erin" / assignment / name).write_text(json.dumps(notebook), encoding="utf-8")


def digests(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.ipynb"))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("course") / "course")
    before = {}

    def submit_broken_and_remember(c):
        add_broken_submissions(c)
        before.update(digests(c.submitted))

    statuses, expected, table = demo.run(course, say=lambda *_: None, before_grading=submit_broken_and_remember)
    return course, statuses, expected, table, before


def test_demo_students_get_exactly_the_expected_scores(graded):
    course, statuses, expected, table, _ = graded
    got = {(s.student, s.assignment): s.score for s in statuses if s.graded}
    for key, value in expected.items():
        assert got.get(key) == value, f"{key}: got {got.get(key)}, expected {value}\n{table}"
    assert all(expected[("alice", a)] > 0 for a in course.assignments())


def test_carol_loses_points_only_where_she_has_bugs(graded):
    course, _, expected, _, _ = graded
    for assignment in course.assignments():
        has_bug = bool(demo.BUGS.get(assignment, {}).get("fails"))
        assert (expected[("carol", assignment)] < expected[("alice", assignment)]) == has_bug


def test_crashes_are_reported_as_ungradable_not_zero(graded):
    course, statuses, _, table, _ = graded
    broken = {s.student: s for s in statuses if s.student in ("dave", "erin")}
    assert not broken["dave"].graded and "not a valid notebook" in broken["dave"].reason
    assert not broken["erin"].graded and "Kernel died" in broken["erin"].reason
    rows = list(csv.DictReader(open(course.reports / "grades.csv")))
    dave = next(r for r in rows if r["student"] == "dave")
    assert dave["status"] == "ungradable" and dave["score"] == ""
    assert "UNGRADABLE" in table


def test_submitted_files_are_unchanged_by_grading(graded):
    course, _, _, _, before = graded
    assert digests(course.submitted) == before


def test_feedback_shows_points_but_no_hidden_test(graded):
    course, _, _, _, _ = graded
    for assignment in course.assignments():
        hidden = set().union(*(hidden_lines(load(course.source / assignment / n)) for n in course.notebooks(assignment)))
        for student in ("alice", "carol"):
            pages = list((course.feedback_dir / student / assignment).glob("*.html"))
            assert pages, f"no feedback for {student}/{assignment}"
            html = pages[0].read_text(encoding="utf-8")
            assert "Score:" in html or "score" in html.lower()
            assert "HIDDEN TESTS" not in html
            leaked = [line for line in hidden if line in html]
            assert not leaked, f"hidden test lines in feedback of {student}/{assignment}: {leaked[:3]}"


def test_grades_csv_has_a_row_per_submission(graded):
    course, statuses, _, _, _ = graded
    rows = list(csv.DictReader(open(course.reports / "grades.csv")))
    assert {(r["student"], r["assignment"]) for r in rows} >= {(s.student, s.assignment) for s in statuses}
    detail = list(csv.DictReader(open(course.reports / "grades_by_exercise.csv")))
    assert {r["exercise"] for r in detail if r["student"] == "alice"}


def test_release_and_bundle_leak_nothing(graded, tmp_path):
    course, _, _, _, _ = graded
    archive = release.bundle(course, dist=tmp_path)
    folder = archive.with_suffix("")
    assert archive.is_file() and (folder / "course_utils" / "checks.py").is_file()
    assert (folder / "README.md").is_file() and (folder / "environment.yml").is_file()
    assert not (folder / "references").exists() and not (folder / "grading").exists()
    data_files = list(folder.rglob("*.h5"))
    assert data_files and all(p.parent == folder / "data" and "catvnoncat" not in p.name for p in data_files)
    secrets = {}
    for assignment in course.assignments():
        secrets[assignment] = set()
        for name in course.notebooks(assignment):
            source = load(course.source / assignment / name)
            secrets[assignment] |= solution_lines(source) | hidden_lines(source)
    everything = set().union(*secrets.values())
    for path in folder.rglob("*"):
        if path.suffix not in (".ipynb", ".py", ".md", ".yml", ".toml", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            for marker in FORBIDDEN:
                assert marker not in text, f"{path.name} contains {marker!r}"
            # A later assignment may provide an earlier one's solution (released after its deadline).
            assignment = path.parent.name
            leaked = [line for line in secrets[assignment] if line in text]
        else:
            leaked = [line for line in everything if line in text]
        assert not leaked, f"{path.relative_to(folder)} leaks solution or hidden-test lines: {leaked[:3]}"
