"""The instructor's cycle in a temporary course: release -> submit -> autograde -> feedback -> grades.

One autograde batch grades the three demo students, frank (right on the visible tests, wrong on a
hidden case) and two broken submissions; the tests below read its results.
"""

import csv
import hashlib
import json
import re

import pytest
from nbgrader.api import Gradebook

from course_utils.records import read_reference, reference_path
from grading.course import NBGRADER_FILES
from grading.notebook_cells import grade_cells, hidden_lines, load, nbgrader_meta, solution_lines
from grading.pipeline import demo, release, submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
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


HIDDEN_ONLY = "week2_numpy_basics", "numpy_basics.ipynb"
# sigmoid built on np.zeros_like(z): right for the visible float inputs, an integer array for an integer input.
FRANK_BUG = {
    "sigmoid": (
        "    E = np.exp(-np.abs(z))                       # in (0, 1]: cannot overflow\n"
        "    return np.where(z >= 0, 1.0, E) / (1.0 + E)",
        "    z = np.asarray(z)\n    out = np.zeros_like(z)\n    E = np.exp(-np.abs(z))\n"
        "    out[...] = np.where(z >= 0, 1.0, E) / (1.0 + E)\n    return out if out.ndim else float(out)",
    )
}


def add_frank(course):
    assignment, name = HIDDEN_ONLY
    released, source = submissions.release_and_source(course, assignment, name)
    submissions.write(course, "frank", assignment, name, submissions.solved(released, source, FRANK_BUG))


def cell_scores(course, student, assignment):
    """``{grade_id: score}`` of the autograded test cells (written answers wait for manual grading)."""
    with Gradebook(course.gradebook_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {g.name: g.score for nb in submission.notebooks for g in nb.grades if g.cell_type == "code"}


def digests(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.ipynb"))}


@pytest.fixture
def graded(demo_batch):
    return demo_batch


def test_demo_students_get_exactly_the_expected_scores(graded):
    course, statuses, expected, table, _ = graded
    got = {(s.student, s.assignment): s.score for s in statuses if s.graded}
    for key, value in expected.items():
        assert got.get(key) == value, f"{key}: got {got.get(key)}, expected {value}\n{table}"
    assert all(expected[("alice", a)] > 0 for a in course.assignments())


def test_carol_loses_points_exactly_in_the_cells_her_bugs_break(graded):
    course, _, _, _, _ = graded
    for assignment in course.assignments():
        scores = cell_scores(course, "carol", assignment)
        failed = sorted(grade_id for grade_id, score in scores.items() if score == 0)
        assert failed == sorted(demo.BUGS.get(assignment, {}).get("fails", [])), (assignment, scores)
        assert all(cell_scores(course, "alice", assignment)[g] > 0 for g in scores)


def frank_page(course):
    assignment, name = HIDDEN_ONLY
    return course.feedback_dir / "frank" / assignment / name.replace(".ipynb", ".html")


def test_a_hidden_failure_scores_zero_with_its_reason_in_gradebook_and_feedback(graded):
    course, statuses, _, _, _ = graded
    assignment, name = HIDDEN_ONLY
    scores = cell_scores(course, "frank", assignment)
    assert scores["test_sigmoid"] == 0 and all(v > 0 for g, v in scores.items() if g != "test_sigmoid"), scores
    points = grade_cells(load(course.source / assignment / name))
    frank = next(s for s in statuses if s.student == "frank")
    assert frank.graded and frank.score == sum(points.values()) - points["test_sigmoid"]
    reason = (
        "sigmoid(...) has dtype int64 (integer) but expected floating-point values in hidden test case 'integer array'"
    )
    autograded = load(course.autograded / "frank" / assignment / name)  # what Formgrader shows
    test_cell = next(c for c in autograded["cells"] if nbgrader_meta(c).get("grade_id") == "test_sigmoid")
    assert [o["evalue"] for o in test_cell["outputs"] if o["output_type"] == "error"] == [reason]
    html = frank_page(course).read_text(encoding="utf-8")
    assert reason.replace("'", "&#x27;") in html or reason.replace("'", "&#39;") in html or reason in html
    assert f"Score: {frank.score:.1f} / {sum(points.values()):.1f}" in html


def test_nbgrader_autograde_directly_gives_the_same_scores(graded):
    course, _, _, _, _ = graded
    assignment, _ = HIDDEN_ONLY
    before = cell_scores(course, "frank", assignment)
    result = course.nbgrader("autograde", assignment, "--student", "frank", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert cell_scores(course, "frank", assignment) == before


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


def printed_floats(value):
    """How the floats in a nested value would be printed (repr and NumPy's 8 digits), when distinctive."""
    found, stack = set(), [value]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += list(value.values())
        elif isinstance(value, (tuple, list)):
            stack += list(value)
        elif hasattr(value, "dtype") and value.dtype.kind == "f":
            stack += [float(v) for v in value.ravel()[:50]]
        elif isinstance(value, float) and len(f"{abs(value):.8g}".strip("0.")) >= 6:
            found |= {repr(value), f"{value:.8g}"}
    return found


def hidden_values(assignment, notebook, source_text):
    """Printed forms of the hidden cases' expected floats that no visible test or source line shows too."""
    hidden, visible = set(), set()
    for items in read_reference(reference_path(assignment, notebook))["cells"].values():
        for item in items:
            (hidden if item.hidden else visible).update(printed_floats(item.value))
    return {value for value in hidden - visible if value not in source_text}


def test_feedback_holds_only_html_without_hidden_tests_or_their_values(graded):
    course, _, _, _, _ = graded
    files = [p for p in course.feedback_dir.rglob("*") if p.is_file()]
    others = [p for p in files if p.suffix != ".html"]
    assert files and all(
        p.name in NBGRADER_FILES
        and len(p.parents) - len(course.feedback_dir.parents) == 3
        and len(p.read_bytes()) < 256
        for p in others
    ), [str(p) for p in others]
    for assignment in course.assignments():
        secrets = set()
        for name in course.notebooks(assignment):
            source = load(course.source / assignment / name)
            shown = json.dumps(source)
            secrets |= hidden_lines(source) | hidden_values(assignment, name, shown)
        secrets = {s.encode("utf-8") for s in secrets} | {b"HIDDEN TESTS"}
        for path in (course.feedback_dir).glob(f"*/{assignment}/**/*"):
            if path.is_file():
                data = path.read_bytes()
                leaked = [s for s in secrets if s in data]
                assert not leaked, f"{path.relative_to(course.root)} leaks hidden tests or values: {leaked[:3]}"


def test_feedback_pages_render_formulas_offline(graded):
    course, _, _, _, _ = graded
    for page in course.feedback_dir.glob("alice/*/*.html"):
        html = page.read_text(encoding="utf-8")
        assert "Score:" in html and "<math" in html, page
        assert "MathJax.Hub" not in html and not re.search(r"<script[^>]+src=[\"']https?:", html), (
            f"{page.name} loads a script (MathJax) from the network"
        )


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
