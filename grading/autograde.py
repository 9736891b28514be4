"""Autograde every submission and say, for each one, whether it was graded or why it could not be.

nbgrader exports a submission that crashed as 0.0 with no flag; this module never lets a crash look
like a zero.  Before grading, each submitted notebook is checked (present, UTF-8, JSON, nbformat);
after grading, a submission counts as graded only if nbgrader wrote every notebook of it and the
gradebook holds an automatic score for every test cell.  Whether a test cell's checked values match
the solution's is decided inside nbgrader (:mod:`grading.verification`); before nbgrader starts, the
references it compares with must exist and be current (:func:`grading.references.require_current`).
Whether a submission was graded is decided from what nbgrader wrote (the graded notebooks, as regular
files, and the gradebook) and from the launcher's reports (:mod:`grading.launcher`), never from text:
the kernels' stdout and stderr go to ``/dev/null``, and nbgrader's log only explains a failure that
was already established.  nbgrader grades a staged copy of ``submitted/`` that holds only the
notebooks (regular files, no links); other files are reported.  Without a working sandbox nothing is
graded unless ``unisolated=True`` was asked for.
"""
import json
import os
import re
import shutil
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from . import sandbox
from .course import NBGRADER_FILES
from .grading_kernel import probe
from .progress import Progress
from .references import require_current


@dataclass
class Status:
    student: str
    assignment: str
    graded: bool
    score: float = 0.0
    max_score: float = 0.0
    reason: str = ""
    notes: list = field(default_factory=list)

    def line(self):
        if not self.graded:
            return f"{self.student:<16} {self.assignment:<36} UNGRADABLE  {self.reason}"
        text = f"{self.student:<16} {self.assignment:<36} graded      {self.score:g} / {self.max_score:g}"
        for note in self.notes:
            text += f"\n{'':<16} {'':<36} note: {note}"
        return text


def preflight(path, source=None):
    """Reason why the notebook file at ``path`` cannot be graded, or ``""`` when it looks fine.

    With ``source`` (the instructor's notebook it answers), the nbgrader cells are compared too:
    nbgrader 0.9.6 silently grades nothing when the cell metadata is gone, crashes on cells it does
    not know, that appear twice or whose role changed, and does not put back a locked code cell (all
    tests after a missing imports cell would fail with NameErrors) or a test cell whose preceding
    cell is missing as well (a notebook of an older release).
    """
    if not path.is_file():
        others = sorted(p.name for p in path.parent.glob("*.ipynb")) if path.parent.is_dir() else []
        instead = f" (the submission has {', '.join(others)} instead: rename it?)" if others else ""
        return f"notebook {path.name} is missing from the submission{instead}"
    raw = path.read_bytes()
    if not raw.strip():
        return f"{path.name} is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})"
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for broken files
        return f"{path.name} is not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        return f"{path.name} does not follow the notebook format ({exc.message[:120]})"
    if source is None:
        return ""
    roles = {}  # grade_id -> (cell type, graded test?, answer?), in the source's order
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            roles[meta["grade_id"]] = (cell.cell_type, bool(meta.get("grade")), bool(meta.get("solution")))
    metas = [cell.metadata["nbgrader"] for cell in notebook.cells if "nbgrader" in cell.metadata]
    metas = [meta if isinstance(meta, dict) else {} for meta in metas]
    found = [meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None for meta in metas]
    if not set(found) & set(roles):
        return (f"{path.name} has none of the assignment's nbgrader cells: its cell metadata was removed (saved by "
                "another editor, or the cells copied into a new notebook?), so nbgrader would grade nothing")
    unknown = sorted({g or "(no id)" for g in found if g not in roles})
    if unknown:
        return f"{path.name} has nbgrader cells that are not in the assignment: {unknown} (copied from elsewhere?)"
    twice = sorted({g for g in found if found.count(g) > 1})
    if twice:
        return f"{path.name} has these nbgrader cells more than once: {twice} (copied cells?): keep one of each"
    changed = sorted(g for g, meta in zip(found, metas)
                     if (bool(meta.get("grade")), bool(meta.get("solution"))) != roles[g][1:])
    if changed:
        return f"the nbgrader role (graded test or answer) of these cells of {path.name} was changed: {changed}"
    order = list(roles)
    missing = [g for g in order if g not in found]
    lost = [g for k, g in enumerate(order) if g in missing and (
        roles[g] == ("code", False, False)  # a locked code cell (imports): never put back
        or (roles[g][1:] == (True, False) and k > 0 and order[k - 1] in missing))]  # a test cell after a missing cell
    if lost:
        return (f"{path.name} lacks cells of the assignment that nbgrader cannot put back: {lost} (all missing: "
                f"{missing}; deleted, or a notebook of an older release?)")
    return ""


_ERROR_START = re.compile(r"There was an error processing assignment: .*/submitted/(?P<student>[^/]+)/(?P<assignment>[^/\s]+)")
_EXCEPTION_LINE = re.compile(r"^\s*(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::\s.*)?$")  # "nbclient.exceptions.DeadKernelError: .."
_LOG_ERROR = re.compile(r"\[AutogradeApp \| ERROR\] (?!There was an error|Traceback|Please see)(?P<message>.+)")
_EXPLAINED = {"CellTimeoutError": "a cell ran past the time limit and its kernel did not answer the interrupt"}


def nbgrader_reasons(log):
    """``{student: reason}`` from nbgrader's autograde log, for the submissions it failed on.

    A reason is the errors nbgrader logged while converting that submission, then the last line of
    its traceback (the exception), preceded by a plain explanation for the cryptic ones.
    """
    reasons, recent, student, exception = {}, [], None, ""
    for line in log.splitlines() + ["[AutogradeApp | INFO] end"]:
        start = _ERROR_START.search(line)
        if start:
            student, exception = start.group("student"), ""
            continue
        if student and line.startswith("[") and "Traceback" not in line:
            parts = [text for name, text in _EXPLAINED.items() if name in exception]
            parts += [" ".join(recent), exception.strip()]
            reasons[student] = "; ".join(part for part in parts if part) or "nbgrader failed"
            student = None
        elif student and _EXCEPTION_LINE.match(line):
            exception = line
        message = _LOG_ERROR.search(line)
        if message:
            recent.append(message.group("message").strip())
        elif "Creating/updating student" in line or ("Converting notebook" in line and "/submitted/" in line):
            recent = []
    return reasons


def _gradebook_status(gradebook, student, assignment):
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return Status(student, assignment, False, reason="no gradebook entry after autograding")
    # Written answers (markdown cells) wait for the instructor; every test cell must have a score.
    unscored = [g.name for nb in submission.notebooks for g in nb.grades
                if g.auto_score is None and g.cell.cell_type == "code"]
    if unscored:
        return Status(student, assignment, False, reason=f"test cells without an automatic score: {unscored}")
    return Status(student, assignment, True, score=submission.score, max_score=submission.max_score)


def _grade_group(course, assignment, group, arguments, runtime, progress):
    """One ``nbgrader autograde`` over the students of ``group``; returns its log.

    ``runtime`` is a private folder of this process: the staged submissions and the launcher's report.
    """
    on_line, finish = progress.watcher()
    env = {}
    arguments = [*arguments, f"--CourseDirectory.submitted_directory={runtime / 'submitted'}",
                 f"--SandboxedKernelManager.report={runtime / 'kernels.jsonl'}"]
    others = [s for s in course.students() if s not in group]
    result = course.nbgrader("autograde", assignment, "--force", *arguments,
                             f"--CourseDirectory.student_id_exclude={','.join(others)}", env=env, on_line=on_line)
    finish()
    return result.stdout + result.stderr


def stage(course, assignment, student, staged):
    """Copy the submission's notebooks and nbgrader's own files (regular files only, no link followed) into
    ``staged``; returns notes on the files left out."""
    source = course.submitted / student / assignment
    target = staged / student / assignment
    target.mkdir(parents=True, exist_ok=True)
    wanted = set(course.notebooks(assignment)) | set(NBGRADER_FILES)
    notes = []
    for dirpath, dirnames, filenames in os.walk(source):
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = Path(dirpath) / name
            relative = path.relative_to(source)
            if str(relative) not in wanted:
                notes.append(f"not taken: {ascii(str(relative))} (only the assignment's notebooks are graded)")
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                notes.append(f"not taken: {ascii(str(relative))} is a link or unreadable")
                continue
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    notes.append(f"not taken: {ascii(str(relative))} is not a regular file")
                    continue
                (target / relative).write_bytes(handle.read())
    return notes


def kernel_reports(path):
    """``{"student/assignment": [entry]}`` from the launcher's report file (written outside the sandbox)."""
    found = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            found.setdefault(entry.get("label", ""), []).append(entry)
    return found


_EVENTS = {"wall_clock": "the notebook ran past its wall clock ({wall_seconds} s) and was stopped",
           "cpu_time": "the kernel used up its CPU time ({cpu_seconds} s) and was stopped",
           "memory": "the kernel hit its memory limit ({memory_mb} MiB) and was stopped"}


def _written(path):
    """True for a graded notebook nbgrader wrote: a regular file, not a link."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _status(course, gradebook, assignment, student, problem, crash, kernels):
    events = [_EVENTS[e["event"]].format(**e["budget"]) for e in kernels if e.get("event") in _EVENTS]
    written = all(_written(course.autograded / student / assignment / nb) for nb in course.notebooks(assignment))
    if problem or not written or events:
        return Status(student, assignment, False,
                      reason=problem or "; ".join(events) or crash or "nbgrader wrote no graded notebook")
    status = _gradebook_status(gradebook, student, assignment)
    status.notes += [e["note"] for e in kernels if e.get("note")]
    return status


def sandbox_problem():
    """Why the grading sandbox does not work here (``""`` when it does), and what it enforces."""
    problem, found = probe()
    return problem, found.get("enforced", {})


def autograde(course, assignments=None, students=None, jobs=1, unisolated=False, timeout=None, wall_seconds=None):
    """Autograde, then return one :class:`Status` per (student, assignment) submitted.

    The submitters of each assignment are split into ``jobs`` disjoint groups, each graded by one
    nbgrader process; up to ``jobs`` processes run at once, all on the same gradebook.  Kernels run
    in the sandbox (:mod:`grading.grading_kernel`); without a working one this raises
    :class:`grading.sandbox.SandboxUnavailable` unless ``unisolated`` (grade without isolation) is
    asked for. ``timeout`` overrides the seconds each cell may run, ``wall_seconds`` those of each notebook.
    Raises :class:`grading.references.StaleReferences` before grading anything when a reference is
    missing or out of date.
    """
    problem, enforced = sandbox_problem()
    if problem and not unisolated:
        raise sandbox.SandboxUnavailable(sandbox.how_to_fix(problem))
    work, problems = [], {}
    require_current(course, [a for a in assignments or course.assignments()
                             if any((course.submitted / s / a).is_dir() for s in students or course.students())])
    for assignment in assignments or course.assignments():
        submitters = [s for s in (students or course.students()) if (course.submitted / s / assignment).is_dir()]
        for student in submitters:
            found = [preflight(course.submitted / student / assignment / nb, course.source / assignment / nb)
                     for nb in course.notebooks(assignment)]
            problems[(student, assignment)] = "; ".join(p for p in found if p)
        groups = [submitters[k::jobs] for k in range(jobs)]
        work += [(assignment, group) for group in groups if group]
    course.reports.mkdir(exist_ok=True)
    for assignment in {assignment for assignment, _ in work}:
        (course.reports / f"autograde_{assignment}.log").unlink(missing_ok=True)
    arguments = [f"--Execute.timeout={timeout}"] if timeout else []
    if wall_seconds:
        arguments.append(f"--SandboxedKernelManager.wall_seconds={wall_seconds}")
    if unisolated:
        arguments.append("--SandboxedKernelManager.allow_unisolated=True")
    notes = {}
    with tempfile.TemporaryDirectory(prefix="grading-") as runtime:
        folders = [Path(runtime) / str(k) for k in range(len(work))]
        for (assignment, group), folder in zip(work, folders):
            for student in group:
                notes[(student, assignment)] = stage(course, assignment, student, folder / "submitted")
                shutil.rmtree(course.autograded / student / assignment, ignore_errors=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            progress = Progress(sum(len(group) for _, group in work))
            logs = list(pool.map(lambda unit, folder: _grade_group(course, *unit, arguments, folder, progress),
                                 work, folders))
        kernels = [kernel_reports(folder / "kernels.jsonl") for folder in folders]
    statuses = []
    with Gradebook(course.gradebook_url) as gradebook:
        for (assignment, group), log, reports in zip(work, logs, kernels):
            with open(course.reports / f"autograde_{assignment}.log", "a") as handle:
                handle.write(log)
            crashes = nbgrader_reasons(log)
            for student in group:
                status = _status(course, gradebook, assignment, student, problems[(student, assignment)],
                                 crashes.get(student), reports.get(f"{student}/{assignment}", []))
                status.notes = notes[(student, assignment)] + status.notes
                statuses.append(status)
                for entry in reports.get(f"{student}/{assignment}", []):
                    enforced.update(entry.get("enforced", {}))
    statuses.sort(key=lambda s: (s.assignment, s.student))
    write_report(course, statuses, enforced, unisolated)
    return statuses


def write_report(course, statuses, enforced=None, unisolated=False):
    """``reports/autograde.json`` (one entry per submission) and ``reports/sandbox.json`` (what held)."""
    course.reports.mkdir(exist_ok=True)
    path = course.reports / "autograde.json"
    fresh = {(s.student, s.assignment) for s in statuses}
    kept = [s for s in read_report(course) if (s.student, s.assignment) not in fresh]  # others keep their verdict
    merged = sorted(kept + list(statuses), key=lambda s: (s.assignment, s.student))
    path.write_text(json.dumps([asdict(s) for s in merged], indent=1))
    if enforced is not None:
        (course.reports / "sandbox.json").write_text(json.dumps({"unisolated": unisolated, "enforced": enforced},
                                                                indent=1))
    return path


def read_enforced(course):
    """``{budget: mechanism}`` of the last autograde (empty before the first)."""
    path = course.reports / "sandbox.json"
    return json.loads(path.read_text())["enforced"] if path.is_file() else {}


def read_report(course):
    path = course.reports / "autograde.json"
    if not path.is_file():
        return []
    return [Status(**entry) for entry in json.loads(path.read_text())]
