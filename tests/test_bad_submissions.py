"""Every bad submission of tests/bad_submissions.py, graded in one batch, gets exactly its expected outcome.

One module fixture releases week2_numpy_basics in a temporary course, submits every fixture as its
own student, autogrades them at once (2 jobs) with generous limits (120 s per cell, 600 s per notebook: a
busy machine must not fail honest code), then the fixtures that rely on a time limit (TIMED) in a second
batch with short ones, then regrades a few serially (1 job), which must give the same outcomes:
grading is repeatable and JOBS does not change it.

There is one batch per identity the grader can have here.  Run as an ordinary user, that user grades
every fixture.  Run as root, root grades every fixture, and then an ordinary user (uid 65534, no
capabilities, no writable cgroup: a lecturer's server; see tests/unprivileged.py) grades the attacks
and their victim, so that each attack is shown to lose whoever grades.

The cheats that only the sandbox stops are submitted only when the sandbox works here: they really
try to read the solutions, the machine's secrets and other copies of the course, and to write the
gradebook, other submissions and the data files.  A copy of the instructor's notebook is planted
outside the course (an nbgrader exchange's inbound folder) as bait for the thief that walks the disk.
"""

import base64
import hashlib
import html
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import bad_submissions as bs
import pytest
import unprivileged
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook

from course_utils.paths import DATA_DIR
from course_utils.records import reference_folder, reference_path
from grading.course import REPO_ROOT, copy_course
from grading.notebook_cells import grade_cells, hidden_lines, load, nbgrader_meta
from grading.pipeline import autograde, release
from grading.plugins.verification import VERDICTS
from grading.sandbox import budgets
from grading.sandbox import bwrap as sandbox

pytestmark = pytest.mark.slow  # each identity's batch is an xdist group of its own (see pytest_generate_tests)

TIMEOUT, WALL_SECONDS = 120, 600  # per cell, per notebook: generous, the outcomes do not depend on them
TIMED = ("infinite_loop", "sleep_past_timeout", "wall_clock")  # graded apart, with the short limits they rely on
TIMED_TIMEOUT = 10  # seconds per cell: the endless loop and the sleep are interrupted at it
TIMED_WALL_SECONDS = 60  # per notebook: under the wall_clock cheat's sleeps (bs.WALL_CELLS x bs.WALL_SLEEP s)
PROBLEM, _ = autograde.sandbox_problem()
SANDBOX = not PROBLEM
NO_SANDBOX = (
    f"the grading sandbox does not work here ({PROBLEM}): this cheat is only stopped by the sandbox, "
    "so it is neither submitted nor graded here"
)
REGRADED = ["a_forged_log", "honest", "z_forged_log", "records_off", "kernel_killed"]  # attacker, victim, attacker
REFERENCE = reference_path(bs.ASSIGNMENT, bs.NOTEBOOK)


# the grader's identities: "root" and "ordinary_user" (uid 65534) when the suite runs as root, else the user's own
RUNS = ["root", "ordinary_user"] if os.geteuid() == 0 else ["own_user"]


def _catalogue():
    """The fixtures' descriptions, for parametrizing (no release needed; the module fixture builds them)."""
    return bs.fixtures(None, load(REPO_ROOT / "notebooks" / bs.ASSIGNMENT / bs.NOTEBOOK))


SANDBOXED_CHEATS = [f.student for f in _catalogue() if f.sandbox and f.kind == "cheat"]
# plus the outbound boundary's attacks: the grader's side of it must hold whoever grades
ATTACKS = {
    *SANDBOXED_CHEATS,
    "wrapper_twin",
    "exfil_feedback",
    "update_flood",
    "comm_flood",
    "decode_bomb",
    "active_content",
    bs.VICTIM,
}


def graded_in(run):
    """The students a run grades: the attacks and their victim for the ordinary user emulated from root."""
    return ATTACKS if run == "ordinary_user" else None


def pytest_generate_tests(metafunc):
    """``graded`` is one batch per identity; tests of one fixture or student run for each batch that grades it.

    The tests of one identity's batch form the xdist group ``catalogue_<identity>``: one worker grades that
    batch, and the two identities' batches are graded by two workers at once."""
    if "graded" not in metafunc.fixturenames:
        return

    def case(run, *rest):
        return pytest.param(run, *rest, marks=pytest.mark.xdist_group(f"catalogue_{run}"))

    if "fixture" in metafunc.fixturenames:
        cases = [
            (run, f) for run in RUNS for f in _catalogue() if graded_in(run) is None or f.student in graded_in(run)
        ]
        metafunc.parametrize(
            ("graded", "fixture"),
            [case(*c) for c in cases],
            indirect=["graded"],
            ids=[f"{run}-{f.student}" for run, f in cases],
        )
    elif "student" in metafunc.fixturenames:
        cases = [(run, s) for run in RUNS for s in SANDBOXED_CHEATS]
        metafunc.parametrize(
            ("graded", "student"), [case(*c) for c in cases], indirect=["graded"], ids=[f"{r}-{s}" for r, s in cases]
        )
    else:
        metafunc.parametrize("graded", [case(run) for run in RUNS], indirect=True, ids=RUNS)


def digests(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def protected_files(course_root):
    """Files a sandboxed cheat must not change or add: ``{path: (sha256, mtime_ns)}`` of the repository's
    data and of the reference files of the repository and of the course (which has none)."""
    paths = (
        sorted(Path(DATA_DIR).glob("*.h5"))
        + sorted(reference_folder(bs.ASSIGNMENT).iterdir())
        + sorted(reference_folder(bs.ASSIGNMENT, Path(course_root) / "references").glob("*"))
    )
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths}


def check_failures(course, student):
    """``{grade_id: reason}`` of the test cells VerifyChecks failed in the autograded notebook (``{}``: none or
    no notebook).  Only outputs of exactly :func:`grading.plugins.verification.failure_output`'s form count."""
    path = course.autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
    found = {}
    for c in load(path)["cells"] if path.is_file() else []:
        for o in c.get("outputs", []):
            if (
                o.get("output_type") == "error"
                and o.get("ename") == "CheckFailure"
                and o.get("traceback") == [f"CheckFailure: {o.get('evalue')}"]
            ):
                found[nbgrader_meta(c)["grade_id"]] = o["evalue"]
    return found


def verdicts(course, student):
    """``{grade_id: {"passed", "reason"}}``: the grader's verdicts VerifyChecks kept in the autograded notebook."""
    path = course.autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
    return load(path)["metadata"].get(VERDICTS, {}) if path.is_file() else {}


def cell_scores(course, students):
    """``{student: {test grade_id: auto_score}}`` from the gradebook, for the students it holds."""
    tests = grade_cells(load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK))
    found = {}
    with Gradebook(course.gradebook_url) as gradebook:
        for student in students:
            try:
                found[student] = {
                    g: gradebook.find_grade(g, Path(bs.NOTEBOOK).stem, bs.ASSIGNMENT, student).auto_score for g in tests
                }
            except Exception:  # MissingEntry: no submission (UNGRADABLE)
                continue
    return found


def prepare(parent, wanted=None):
    """A course under ``parent`` with week2_numpy_basics released and the catalogue submitted (only the students
    in ``wanted`` when given), and the bait planted outside it: ``(course, catalogue, students)``."""
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: run `make references`")
    course = copy_course(Path(parent) / "course")
    release.generate(course, [bs.ASSIGNMENT])
    catalogue = [
        f
        for f in bs.fixtures(
            load(course.release_dir / bs.ASSIGNMENT / bs.NOTEBOOK), load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK)
        )
        if wanted is None or f.student in wanted
    ]
    students = bs.write(course.submitted, catalogue, with_sandbox_cheats=SANDBOX)
    bait = course.root.parent / "srv" / "exchange" / "nn-from-scratch" / "inbound" / f"x+{bs.ASSIGNMENT}+1"
    bait.mkdir(parents=True)
    shutil.copy(course.source / bs.ASSIGNMENT / bs.NOTEBOOK, bait / bs.NOTEBOOK)
    return course, catalogue, students


def results(course, students, statuses, before, protected):
    """What the tests read of one graded batch; ``before`` and ``protected`` were taken before grading."""
    return {
        "course": course,
        "students": students,
        "autograded": digests(course.autograded),
        "status": {s.student: s for s in statuses},
        "failures": {s: check_failures(course, s) for s in students},
        "verdicts": {s: verdicts(course, s) for s in students},
        "cell_scores": cell_scores(course, students),
        "before": before,
        "after": digests(course.submitted),
        "protected": (protected, protected_files(course.root)),
    }


GRADE = f"""import sys
from pathlib import Path
from grading.pipeline import autograde
from grading.course import Course
course, jobs, timeout, wall = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
students = sys.argv[5:]
autograde.autograde(Course(course), assignments=[{bs.ASSIGNMENT!r}], students=students or None, jobs=jobs,
                    timeout=timeout, wall_seconds=wall)
"""


def grader(run, course):
    """``grade(jobs, students=None, timeout, wall_seconds)``: autograde the catalogue's assignment as ``run``'s
    identity."""

    def as_this_process(jobs, students=None, timeout=TIMEOUT, wall_seconds=WALL_SECONDS):
        return autograde.autograde(
            course,
            assignments=[bs.ASSIGNMENT],
            students=students,
            jobs=jobs,
            timeout=timeout,
            wall_seconds=wall_seconds,
            unisolated=not SANDBOX,
        )

    def as_ordinary_user(jobs, students=None, timeout=TIMEOUT, wall_seconds=WALL_SECONDS):
        done = unprivileged.run(
            [sys.executable, "-I", "-c", GRADE, course.root, jobs, timeout, wall_seconds, *(students or [])],
            home=course.root.parent / "home",
        )
        if done.returncode:
            pytest.fail(f"grading as uid {unprivileged.NOBODY} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        wanted = set(students or course.students())
        return [s for s in autograde.read_report(course) if s.student in wanted]

    return as_ordinary_user if run == "ordinary_user" else as_this_process


def ordinary_user_problem():
    """Why the emulated ordinary user cannot grade here ("" when it can): its own probe of the sandbox."""
    with tempfile.TemporaryDirectory() as home:
        os.chown(home, unprivileged.NOBODY, unprivileged.NOBODY)
        done = unprivileged.run([sys.executable, "-I", "-m", "grading.sandbox.launcher", "--probe"], home=home)
    try:
        found = json.loads(done.stdout)
    except ValueError:
        return f"the probe failed: {done.stderr.strip()[-300:]}"
    return "" if found.get("ok") else found.get("problem", str(found))


def grade_batch(run, parent):
    """Prepare, grade and regrade the batch of ``run`` under ``parent``: ``(results, catalogue)``."""
    course, catalogue, students = prepare(parent, graded_in(run))
    before, protected = digests(course.submitted), protected_files(course.root)
    if run == "ordinary_user":
        parent.chmod(0o755)
        (parent / "home").mkdir()
        unprivileged.chown_tree(parent)
    grade = grader(run, course)
    timed = [s for s in students if s in TIMED]
    statuses = grade(jobs=2, students=[s for s in students if s not in TIMED])
    statuses += grade(jobs=2, students=timed, timeout=TIMED_TIMEOUT, wall_seconds=TIMED_WALL_SECONDS) if timed else []
    found = results(course, students, statuses, before, protected)
    again = [s for s in REGRADED if s in students]
    found.update(
        run=run,
        regraded={s.student: s for s in grade(jobs=1, students=again)},
        regraded_failures={s: check_failures(course, s) for s in again},
    )
    return found, catalogue


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """``batches(run)``: the graded batch of one identity, built on first use and kept for the module
    (or the reason it cannot be built here, which skips every test of that identity)."""
    built, made = {}, []
    reference_bytes = REFERENCE.read_bytes() if REFERENCE.is_file() else None

    def get(run):
        if run not in built:
            problem = "" if run != "ordinary_user" else NO_SANDBOX if not SANDBOX else ordinary_user_problem()
            if problem:
                built[run] = f"an ordinary user has no working sandbox here: {problem}"
            else:
                # the ordinary user's batch is not under pytest's folders, which only root may enter
                parent = (
                    Path(tempfile.mkdtemp(prefix="nn-catalogue-"))
                    if run == "ordinary_user"
                    else tmp_path_factory.mktemp("bad")
                )
                made.append(parent)
                try:
                    built[run] = grade_batch(run, parent)
                except (Exception, pytest.fail.Exception) as error:  # fail every test of this run, grade once
                    built[run] = error
        if isinstance(built[run], str):
            pytest.skip(built[run])
        if isinstance(built[run], BaseException):
            raise built[run]
        return built[run][0]

    yield get
    if reference_bytes is not None and REFERENCE.read_bytes() != reference_bytes:
        REFERENCE.write_bytes(reference_bytes)  # a broken sandbox let a kernel rewrite it: put it back
    for found, catalogue in (b for b in built.values() if isinstance(b, tuple)):
        for fixture in catalogue:  # a marker left in the repository by a broken sandbox must not stay there
            for path in bs.marker_paths(found["course"].root, fixture.student):
                if not path.is_relative_to(found["course"].root):
                    path.unlink(missing_ok=True)
    for parent in made:
        if parent.name.startswith("nn-catalogue-"):
            shutil.rmtree(parent)


@pytest.fixture
def graded(request, batches):
    """The batch graded by the identity ``request.param`` (one of RUNS)."""
    return batches(request.param)


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
    assert set(TIMED) <= set(students) and bs.WALL_CELLS * bs.WALL_SLEEP > TIMED_WALL_SECONDS
    assert bs.WALL_SLEEP < TIMED_TIMEOUT and bs.HOG_SLEEP < TIMEOUT


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
        assert not [r for r in failures.values() if "did not run to the end" in r], (
            f"honest code was failed as if it tampered with the checks: {failures}"
        )
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
    scores = dict(
        connection.execute(
            "SELECT a.student_id, SUM(g.auto_score) FROM grade g JOIN submitted_notebook n "
            "ON g.notebook_id = n.id JOIN submitted_assignment a ON n.assignment_id = a.id "
            "GROUP BY a.student_id"
        )
    )
    assert {s: scores[s] for s in rows if graded["status"][s].graded} == {
        s: graded["status"][s].score for s in rows if graded["status"][s].graded
    }
    assert connection.execute(
        "SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL OR (extra_credit IS NOT NULL AND extra_credit != 0)"
    ).fetchone() == (0,)
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
    assert any("grading/sandbox/bwrap.py" in note for note in status.notes), status.notes
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
    written = {
        line.split()[-2]: int(line.split()[-1])
        for line in output_of(graded, "disk_fill").splitlines()
        if "MB written" in line
    }
    # 400 MB tried in each; the tmpfs caps (256 MiB) hold.  /tmp may fill to the last MiB: nothing else is
    # written there (matplotlib's font list is a read-only copy bound in, not a file of the tmpfs)
    assert len(written) == 3 and max(written.values()) <= 256 and written["/filler"] == 0, written


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_the_victim_graded_between_two_log_forgers_keeps_its_score(graded):
    """a_forged_log is graded before the victim, z_forged_log after; both print nbgrader's failure lines."""
    for run in ("status", "regraded"):
        victim = graded[run].get(bs.VICTIM)
        assert victim.graded and victim.score == 10, victim.line()
    log = graded["course"].reports / f"autograde_{bs.ASSIGNMENT}.log"
    assert log.stat().st_size < 5_000_000, "the kernel's stdout reached the grader's log"
    assert "There was an error processing assignment: /c/submitted" not in log.read_text()


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_memory_is_a_budget_across_processes(graded):
    enforced = autograde.read_enforced(graded["course"])
    if "cgroup" not in enforced.get("memory", ""):
        pytest.skip(
            f"no writable cgroup for this grader: memory is only limited per process ({enforced.get('memory')})"
        )
    text = output_of(graded, "fork_memory")
    held = [int(line.split()[4]) for line in text.splitlines() if line.startswith("children holding")]
    assert held and held[0] < 3, text[-500:]


def test_the_report_says_which_budgets_held(graded):
    enforced = autograde.read_enforced(graded["course"])
    assert {"memory", "processes", "wall_seconds", "tmp_mb", "work_mb", "identity"} <= set(enforced), enforced
    if graded["run"] == "root":
        uid = re.fullmatch(r"uid (\d+) of its own, no capabilities \(setpriv\)", enforced["identity"])
        assert uid and sandbox.SANDBOX_UID <= int(uid[1]) < sandbox.SANDBOX_UID + sandbox.SANDBOX_UIDS, enforced
    elif graded["run"] == "ordinary_user":  # a lecturer's server: no cgroup of its own, limits per process
        assert enforced["identity"] == f"uid {unprivileged.NOBODY} (the grading user), no capabilities", enforced
        assert enforced["memory"] == "RLIMIT_AS (per process)", enforced
        assert enforced["processes"] == enforced["cpus"] == budgets.NOT_LIMITED, enforced


TWIN_ROUTES = {
    "wrapper_twin": ["test_sigmoid"],
    "twin_magic": ["test_sigmoid", "test_softmax"],
    "twin_attribute": ["test_sigmoid"],
    "twin_getattr": ["test_softmax"],
    "twin_importlib": ["test_sigmoid"],
}


@pytest.mark.skipif(not SANDBOX, reason=NO_SANDBOX)
def test_a_call_of_the_course_utils_twin_fails_by_any_route_and_says_why(graded):
    """Alias, magic line, module attribute, getattr, importlib: the twin refuses to run, whatever reaches it."""
    for student, grade_ids in TWIN_ROUTES.items():
        for grade_id in grade_ids:
            assert graded["cell_scores"][student][grade_id] == 0, student
            verdict = graded["verdicts"][student][grade_id]
            assert not verdict["passed"] and "twin of an exercise of this notebook" in verdict["reason"], verdict
        notebook = load(graded["course"].autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK)
        text = "".join(
            str(o) for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == grade_ids[0] for o in c["outputs"]
        )
        assert "TwinRefused" in text and "switched off while this notebook is graded" in text, student


def hidden_source_in(page, lines):
    """The hidden-test ``lines`` found in ``page``: plain, reversed, or in any base64 or hex run decoded."""
    text = html.unescape(page)
    decoded = []
    for run in re.findall(r"[A-Za-z0-9+/]{16,}", text):
        for start in range(4):  # the run may begin with characters that are not part of the encoding
            part = run[start:][: (len(run) - start) // 4 * 4]
            decoded.append(base64.b64decode(part).decode("utf-8", "replace"))
    for run in re.findall(r"(?:[0-9a-fA-F]{2}){8,}", text):
        decoded.append(bytes.fromhex(run).decode("utf-8", "replace"))
    decoded = "\n".join(decoded)
    return sorted(line for line in lines if line in text or line[::-1] in text or line in decoded)


FEEDBACK_STUDENTS = (bs.VICTIM, "exfil_feedback", "active_content")  # whose feedback pages the tests read


def feedback_pages(graded):
    """``{student: feedback page}`` of FEEDBACK_STUDENTS, from one ``nbgrader generate_feedback`` per batch."""
    if "feedback" not in graded:
        course = graded["course"]
        others = [s for s in course.students() if s not in FEEDBACK_STUDENTS]
        done = course.nbgrader(
            "generate_feedback", bs.ASSIGNMENT, "--force", f"--CourseDirectory.student_id_exclude={','.join(others)}"
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        page = Path(bs.ASSIGNMENT) / bs.NOTEBOOK.replace(".ipynb", ".html")
        graded["feedback"] = {s: (course.feedback_dir / s / page).read_text() for s in FEEDBACK_STUDENTS}
    return graded["feedback"]


def test_the_feedback_holds_no_hidden_test_source(graded):
    """A hook printed every test cell's source (plain and encoded), rewrote an earlier output with it and kept it
    for a last cell: the feedback shows the grader's verdicts instead, and no hidden line in any form."""
    course = graded["course"]
    lines = hidden_lines(load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK))
    assert len(lines) > 20
    for student in (bs.VICTIM, "exfil_feedback"):
        page = feedback_pages(graded)[student]
        assert hidden_source_in(page, lines) == [], student
        assert page.count("Passed: the grader found every check of this cell right.") == 7, student
    autograded = (course.autograded / "exfil_feedback" / bs.ASSIGNMENT / bs.NOTEBOOK).read_text()
    assert hidden_source_in(autograded, lines), "the attack no longer leaks into the kernel's outputs: it tests nothing"


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


# --- issue 17: outputs crossing the boundary ---
class ActiveContent(HTMLParser):
    """What would run in a browser: script text, event-handler attributes, javascript: URLs, inline SVG."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        self._script = tag == "script"
        self.found += [
            (tag, k, v) for k, v in attrs if k.startswith("on") or (v or "").strip().lower().startswith("javascript:")
        ]
        self.found += [(tag,)] if tag == "svg" else []

    def handle_data(self, data):
        if self._script and "xss-" in data:
            self.found.append(("script", data.strip()[:80]))


def active_content(html):
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_active_content_is_inert_where_the_instructor_and_the_student_look(graded):
    """Formgrader renders the autograded notebook with nbconvert's HTML exporter; the feedback is nbgrader's page."""
    course, student = graded["course"], "active_content"
    notebook = course.autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
    html, _ = HTMLExporter().from_filename(str(notebook))
    assert "My notes" in html and not active_content(html), active_content(html)
    assert "application/javascript" not in json.dumps([c.get("outputs", []) for c in load(notebook)["cells"]])
    page = feedback_pages(graded)[student]
    assert "My notes" in page and not active_content(page)


def test_floods_past_the_output_cap_leave_a_small_graded_notebook_and_a_note(graded):
    for student in ("update_flood", "comm_flood"):
        status = graded["status"][student]
        assert any("dropped the output beyond" in note for note in status.notes), status.line()
        notebook = graded["course"].autograded / student / bs.ASSIGNMENT / bs.NOTEBOOK
        assert notebook.stat().st_size < 17 * 2**20
        assert "widgets" not in load(notebook)["metadata"]
    assert graded["status"][bs.VICTIM].score == 10
