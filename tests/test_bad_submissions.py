"""Every bad submission of tests/bad_submissions.py, graded in one batch, gets exactly its expected outcome.

One module fixture releases week2_numpy_basics in a temporary course, submits every fixture as its
own student, autogrades them all at once (2 jobs, a 10 s cell timeout, a 40 s wall clock per
notebook), then regrades a few serially (1 job), which must give the same outcomes: grading is
repeatable and JOBS does not change it.  The cheats that only the sandbox stops are submitted only
when the sandbox works here: they really try to read the solutions, the machine's secrets and other
copies of the course, and to write the gradebook, other submissions and the data files.  A copy of
the instructor's notebook is planted outside the course (an nbgrader exchange's inbound folder) as
bait for the thief that walks the disk.
"""
import hashlib
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

import bad_submissions as bs
from course_utils.paths import DATA_DIR
from course_utils.references import reference_folder, reference_path
from grading import autograde, release
from grading.course import REPO_ROOT, copy_course
from grading.notebook_cells import grade_cells, load, nbgrader_meta
from nbgrader.api import Gradebook

pytestmark = pytest.mark.xdist_group("bad_submissions")

TIMEOUT = 10  # seconds per cell: the endless loop and the sleep rely on it
WALL_SECONDS = 40  # per notebook: the wall_clock cheat relies on it
PROBLEM, ENFORCED = autograde.sandbox_problem()
SANDBOX = not PROBLEM
NO_SANDBOX = f"the grading sandbox does not work here ({PROBLEM}): this cheat is only stopped by the sandbox, " \
             "so it is neither submitted nor graded here"
REGRADED = ["a_forged_log", "honest", "z_forged_log", "records_off", "kernel_killed"]  # attacker, victim, attacker
REFERENCE = reference_path(bs.ASSIGNMENT, bs.NOTEBOOK)


def _catalogue():
    """The fixtures' descriptions, for parametrizing (no release needed; the module fixture builds them)."""
    return bs.fixtures(None, load(REPO_ROOT / "notebooks" / bs.ASSIGNMENT / bs.NOTEBOOK))


def digests(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def protected_files(course_root):
    """Files a sandboxed cheat must not change or add: ``{path: (sha256, mtime_ns)}`` of the repository's
    data and of the reference files of the repository and of the course (which has none)."""
    paths = sorted(Path(DATA_DIR).glob("*.h5")) + sorted(reference_folder(bs.ASSIGNMENT).iterdir()) \
        + sorted(reference_folder(bs.ASSIGNMENT, Path(course_root) / "references").glob("*"))
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths}


def check_failures(course, student):
    """``{grade_id: reason}`` of the test cells VerifyChecks failed in the autograded notebook (``{}``: none or
    no notebook).  Only outputs of exactly :func:`grading.verification.failure_output`'s form count."""
    path = course.autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
    found = {}
    for c in load(path)["cells"] if path.is_file() else []:
        for o in c.get("outputs", []):
            if o.get("output_type") == "error" and o.get("ename") == "CheckFailure" \
                    and o.get("traceback") == [f"CheckFailure: {o.get('evalue')}"]:
                found[nbgrader_meta(c)["grade_id"]] = o["evalue"]
    return found


def cell_scores(course, students):
    """``{student: {test grade_id: auto_score}}`` from the gradebook, for the students it holds."""
    tests = grade_cells(load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK))
    found = {}
    with Gradebook(course.gradebook_url) as gradebook:
        for student in students:
            try:
                found[student] = {g: gradebook.find_grade(g, Path(bs.NOTEBOOK).stem, bs.ASSIGNMENT, student).auto_score
                                  for g in tests}
            except Exception:  # MissingEntry: no submission (UNGRADABLE)
                continue
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: run `make references`")
    reference_bytes = REFERENCE.read_bytes()
    course = copy_course(tmp_path_factory.mktemp("bad") / "course")
    release.generate(course, [bs.ASSIGNMENT])
    catalogue = bs.fixtures(load(course.release_dir / bs.ASSIGNMENT / bs.NOTEBOOK),
                            load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK))
    students = bs.write(course.submitted, catalogue, with_sandbox_cheats=SANDBOX)
    bait = course.root.parent / "srv" / "exchange" / "nn-from-scratch" / "inbound" / f"x+{bs.ASSIGNMENT}+1"
    bait.mkdir(parents=True)
    shutil.copy(course.source / bs.ASSIGNMENT / bs.NOTEBOOK, bait / bs.NOTEBOOK)
    before, protected = digests(course.submitted), protected_files(course.root)
    statuses = autograde.autograde(course, assignments=[bs.ASSIGNMENT], jobs=2, timeout=TIMEOUT,
                                   wall_seconds=WALL_SECONDS, unisolated=not SANDBOX)
    autograded = digests(course.autograded)
    failures = {s: check_failures(course, s) for s in students}
    scores = cell_scores(course, students)
    protected_after = protected_files(course.root)
    again = [s for s in REGRADED if s in students]
    regraded = autograde.autograde(course, assignments=[bs.ASSIGNMENT], students=again, jobs=1, timeout=TIMEOUT,
                                   wall_seconds=WALL_SECONDS, unisolated=not SANDBOX)
    yield {"course": course, "students": students, "autograded": autograded,
           "status": {s.student: s for s in statuses}, "regraded": {s.student: s for s in regraded},
           "failures": failures, "cell_scores": scores, "regraded_failures": {s: check_failures(course, s) for s in again},
           "before": before, "after": digests(course.submitted), "protected": (protected, protected_after)}
    if REFERENCE.read_bytes() != reference_bytes:  # a broken sandbox let a kernel rewrite it: put it back
        REFERENCE.write_bytes(reference_bytes)
    for fixture in catalogue:  # a marker left in the repository by a broken sandbox must not stay there
        for path in bs.marker_paths(course.root, fixture.student):
            if not path.is_relative_to(course.root):
                path.unlink(missing_ok=True)


def test_the_catalogue_covers_what_it_must():
    catalogue = _catalogue()
    assert len(catalogue) >= 25
    students = [f.student for f in catalogue]
    assert len(set(students)) == len(students) and all(re.fullmatch(r"[a-z0-9_]+", s) for s in students)
    assert {f.kind for f in catalogue} == {"structure", "code", "cheat"}
    for f in catalogue:
        assert (f.score is None) != (f.reason is None), f.student
        if f.kind == "cheat":
            assert f.honest is not None, f"{f.student}: a cheat must say what its honest code earns"
            assert f.score is None or f.score <= f.honest, f"{f.student}: a cheat may never score above its honest code"
    assert sum(f.sandbox for f in catalogue) >= 5


@pytest.mark.parametrize("fixture", _catalogue(), ids=lambda f: f.student)
def test_outcome(graded, fixture):
    if fixture.sandbox and not SANDBOX:
        pytest.skip(NO_SANDBOX)
    status = graded["status"][fixture.student]
    if fixture.reason is not None:
        assert not status.graded, f"{fixture.student} should be UNGRADABLE ({fixture.reason}) but scored {status.score}"
        assert fixture.reason in status.reason, f"{fixture.student}: reason {status.reason!r}"
        return
    assert status.graded, f"{fixture.student} should score {fixture.score} but is UNGRADABLE: {status.reason}"
    assert status.score == fixture.score, f"{fixture.student}: {status.line()}"
    assert status.max_score == 10
    if fixture.kind == "cheat":
        assert status.score <= fixture.honest
    cells = graded["cell_scores"][fixture.student]
    assert sum(cells.values()) == status.score, cells
    failures = graded["failures"][fixture.student]
    assert all(cells[g] == 0 for g in failures), (cells, failures)
    if fixture.kind != "cheat":  # its mistakes, named; never taken for a check that was skipped or patched
        assert not [r for r in failures.values() if "did not run to the end" in r], \
            f"honest code was failed as if it tampered with the checks: {failures}"
    elif fixture.failed is not None:
        assert sorted(failures) == sorted(fixture.failed), failures


def test_submitted_files_are_byte_identical_after_grading(graded):
    assert graded["before"] and graded["after"] == graded["before"]


def test_regrading_serially_gives_identical_outcomes(graded):
    assert graded["regraded"], "nothing was regraded"
    for student, again in graded["regraded"].items():
        first = graded["status"][student]
        assert (again.graded, again.score, again.reason) == (first.graded, first.score, first.reason), student
        assert graded["regraded_failures"][student] == graded["failures"][student], student


def test_gradebook_has_one_submission_per_student_and_no_tampering(graded):
    course = graded["course"]
    connection = sqlite3.connect(course.root / "gradebook.db")
    rows = dict(connection.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id"))
    assert set(rows) <= set(graded["students"]) and set(rows.values()) == {1}
    assert set(rows) >= {s for s in graded["students"] if graded["status"][s].graded}
    scores = dict(connection.execute("SELECT a.student_id, SUM(g.auto_score) FROM grade g JOIN submitted_notebook n "
                                     "ON g.notebook_id = n.id JOIN submitted_assignment a ON n.assignment_id = a.id "
                                     "GROUP BY a.student_id"))
    assert {s: scores[s] for s in rows if graded["status"][s].graded} == \
        {s: graded["status"][s].score for s in rows if graded["status"][s].graded}
    assert connection.execute("SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL "
                              "OR (extra_credit IS NOT NULL AND extra_credit != 0)").fetchone() == (0,)
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert not [t for t in tables if t.startswith(bs.MARKER)]


LOG = """\
[AutogradeApp | INFO] Creating/updating student with ID 'slow': {}
[AutogradeApp | INFO] Converting notebook /c/submitted/slow/week2_numpy_basics/numpy_basics.ipynb
[AutogradeApp | ERROR] Timeout waiting for execute reply (10s).
[AutogradeApp | ERROR] Interrupting kernel
[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/slow/week2_numpy_basics
[AutogradeApp | ERROR] Traceback (most recent call last):
      File "client.py", line 791, in _async_poll_for_reply
        raise CellTimeoutError.error_from_timeout_and_cell(
    nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 4 seconds.
    The message was: Timeout waiting for IOPub output.

[AutogradeApp | WARNING] Removing failed assignment: /c/autograded/slow/week2_numpy_basics
[AutogradeApp | INFO] Creating/updating student with ID 'graded': {}
[AutogradeApp | INFO] Converting notebook /c/submitted/graded/week2_numpy_basics/numpy_basics.ipynb
[AutogradeApp | INFO] Creating/updating student with ID 'odd': {}
[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/odd/week2_numpy_basics
[AutogradeApp | ERROR] Traceback (most recent call last):
      File "api.py", line 1106, in find_graded_cell
        raise MissingEntry("No such grade cell: {}/{}/{}".format(assignment, notebook, name))
    nbgrader.api.MissingEntry: No such grade cell: week2_numpy_basics/numpy_basics/sigmoid

[AutogradeApp | ERROR] There was an error processing assignment 'week2_numpy_basics' for student 'odd'
"""


def test_nbgrader_reasons_name_the_exception_and_only_this_submission_s_errors():
    reasons = autograde.nbgrader_reasons(LOG)
    assert set(reasons) == {"slow", "odd"}
    assert reasons["slow"].startswith("a cell ran past the time limit")
    assert "Timeout waiting for execute reply (10s). Interrupting kernel" in reasons["slow"]
    assert reasons["odd"] == "nbgrader.api.MissingEntry: No such grade cell: week2_numpy_basics/numpy_basics/sigmoid"


def cheat_output(course, student):
    """What the planted code printed (it runs in the sigmoid cell of the autograded notebook; "" when none)."""
    path = course.autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
    if not path.is_file():
        return ""
    notebook = load(path)
    cell = next(c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == "sigmoid")
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
@pytest.mark.parametrize("student", [f.student for f in _catalogue() if f.sandbox and f.kind == "cheat"])
def test_sandboxed_cheat_left_no_trace(graded, student):
    """What the sandbox hides could not be read; markers, the victim's notebook, data and references are untouched."""
    course = graded["course"]
    read = [line for line in cheat_output(course, student).splitlines() if line.startswith(("read ", "read:"))]
    assert not read, f"{student} could read: {read}"
    for path in bs.marker_paths(course.root, student):
        assert not path.exists(), f"{student} left {path}"
    victim = Path(bs.VICTIM) / bs.ASSIGNMENT / bs.NOTEBOOK
    assert graded["after"][victim] == graded["before"][victim]
    before, after = graded["protected"]
    assert after == before, f"changed: {[str(p) for p in before if before[p] != after.get(p)]}"


def output_of(graded, student):
    return cheat_output(graded["course"], student)


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_the_thief_that_walks_the_disk_finds_nothing(graded):
    assert "read " not in output_of(graded, "steal_anywhere")
    assert graded["status"]["steal_anywhere"].score == 0


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_root_powers_are_gone(graded):
    text = output_of(graded, "root_powers")
    assert "cannot read /etc/shadow" in text and "cannot setuid(0)" in text and "cannot unshare" in text
    assert "uid 0" not in text and "CapEff:\\t0000000000000000" in text


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_files_brought_by_a_submission_are_reported_and_never_run(graded):
    status = graded["status"]["shadow_module"]
    assert any("grading/sandbox.py" in note for note in status.notes), status.notes
    assert not (graded["course"].root / (bs.MARKER + "shadow_module")).exists()
    assert not (graded["course"].autograded / "shadow_module" / bs.ASSIGNMENT / "grading").exists()


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_nothing_the_kernel_writes_reaches_autograded(graded):
    """Links, big files: the graded folders hold only the graded notebooks, regular files."""
    course = graded["course"]
    for student in graded["students"]:
        folder = course.autograded / student / bs.ASSIGNMENT
        if folder.is_dir():
            names = sorted(os.listdir(folder))
            assert names in ([], [bs.NOTEBOOK], [bs.NOTEBOOK, "timestamp.txt"]), (student, names)
            assert not (folder / bs.NOTEBOOK).is_symlink()
    victim = load(course.autograded / bs.VICTIM / bs.ASSIGNMENT / bs.NOTEBOOK)
    assert bs.MARKER not in str(victim), "the victim's graded notebook was overwritten"
    assert "MB written in /tmp 256" not in output_of(graded, "disk_fill")
    written = [int(line.split()[-1]) for line in output_of(graded, "disk_fill").splitlines() if "MB written" in line]
    assert len(written) == 2 and max(written) < 260, written


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_the_victim_graded_between_two_log_forgers_keeps_its_score(graded):
    """a_forged_log is graded before the victim, z_forged_log after; both print nbgrader's failure lines."""
    for run in ("status", "regraded"):
        victim = graded[run].get(bs.VICTIM)
        assert victim.graded and victim.score == 10, victim.line()
    log = (graded["course"].reports / f"autograde_{bs.ASSIGNMENT}.log")
    assert log.stat().st_size < 5_000_000, "the kernel's stdout reached the grader's log"
    assert "There was an error processing assignment: /c/submitted" not in log.read_text()


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_memory_is_a_budget_across_processes(graded):
    if "cgroup" not in ENFORCED.get("memory", ""):
        pytest.skip(f"no writable cgroup here: memory is only limited per process ({ENFORCED.get('memory')})")
    text = output_of(graded, "fork_memory")
    held = [int(line.split()[4]) for line in text.splitlines() if line.startswith("children holding")]
    assert held and held[0] < 3, text[-500:]


def test_the_report_says_which_budgets_held(graded):
    enforced = autograde.read_enforced(graded["course"])
    assert {"memory", "processes", "wall_seconds", "tmp_mb", "work_mb", "identity"} <= set(enforced), enforced


def test_a_wrapper_around_the_course_utils_twin_earns_nothing_and_says_why(graded):
    assert graded["status"]["wrapper_twin"].score == 0
    assert graded["cell_scores"]["wrapper_twin"]["test_sigmoid"] == 0
    reason = graded["failures"]["wrapper_twin"].get("test_sigmoid", "")
    assert "sigmoid delegates to its course_utils twin" in reason, graded["failures"]["wrapper_twin"]


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_a_kernel_cannot_rewrite_or_add_references(graded):
    """The references the grader compares with are byte-identical, nothing was added, and the cheat earns
    only what its honest code earns (its unsolved cells fail in VerifyChecks)."""
    before, after = graded["protected"]
    references = {p: d for p, d in before.items() if p.suffix == ".json"}
    assert REFERENCE in references and {p: d for p, d in after.items() if p.suffix == ".json"} == references
    text = output_of(graded, "write_references")
    assert "cannot rewrite" in text and "read" not in text.replace("cannot read", ""), text
    fixture = next(f for f in _catalogue() if f.student == "write_references")
    assert graded["status"]["write_references"].score == fixture.honest
    assert sorted(graded["failures"]["write_references"]) == sorted(fixture.failed)
