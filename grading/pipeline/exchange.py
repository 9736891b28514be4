"""nbgrader's exchange for this course: publish a release, return feedback, show what is where.

The course id and the exchange root are set once, in ``nbgrader_config.py`` (``COURSE_EXCHANGE``
overrides the root); everything here and every nbgrader command reads them from there.  Publishing
gives students exactly what ``make release`` generated: a release notebook that has outputs (a
preview in Lab autosaves them) or whose checksum differs from the one recorded at release is refused,
and the leak scan runs again on the very files that are published.
"""

import fnmatch
import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from traitlets.config.loader import PyFileConfigLoader

from grading.notebook_cells import load
from grading.pipeline import deadlines, leaks

CHECKSUMS = "release_checksums.json"
REGENERATE = "regenerate it with `make release ASSIGNMENTS={assignment}`"


class PublishError(RuntimeError):
    """The release of an assignment is not fit to be published; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    course_id: str
    root: Path
    ignore: tuple

    @property
    def course(self):
        return self.root / self.course_id


def settings(course):
    """Course id, exchange root and ignored file patterns, from the course's ``nbgrader_config.py``."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    course_id = config.CourseDirectory.get("course_id") or ""
    root = config.Exchange.get("root") or "/srv/nbgrader/exchange"
    if not course_id:
        raise PublishError(f"{course.root / 'nbgrader_config.py'} sets no CourseDirectory.course_id")
    return Settings(course_id, Path(root), tuple(config.CourseDirectory.get("ignore") or ()))


def published_files(course, assignment):
    """The files ``nbgrader release_assignment`` copies: ``release/<assignment>/`` minus the ignored patterns."""
    ignore = settings(course).ignore
    folder = course.release_dir / assignment
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(fnmatch.fnmatch(part, pattern) for part in p.relative_to(folder).parts for pattern in ignore)
    )


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record_release(course, assignments):
    """After ``make release``: remember the checksum of every generated file (in ``reports/``)."""
    path = course.reports / CHECKSUMS
    recorded = json.loads(path.read_text()) if path.is_file() else {}
    for assignment in assignments:
        folder = course.release_dir / assignment
        recorded[assignment] = {str(p.relative_to(folder)): _digest(p) for p in published_files(course, assignment)}
    course.reports.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded, indent=1, sort_keys=True))
    return path


def check_release(course, assignment):
    """Raise :class:`PublishError` unless ``release/<assignment>`` is exactly what ``make release`` wrote,
    without outputs, and leaks nothing."""
    regenerate = REGENERATE.format(assignment=assignment)
    folder = course.release_dir / assignment
    path = course.reports / CHECKSUMS
    recorded = (json.loads(path.read_text()) if path.is_file() else {}).get(assignment)
    if not folder.is_dir() or recorded is None:
        raise PublishError(
            f"{assignment} has not been released yet ({folder} or its checksums are missing): {regenerate}"
        )
    files = published_files(course, assignment)
    problems = []
    for file in files:
        name = str(file.relative_to(folder))
        if file.suffix == ".ipynb":
            cells = load(file).get("cells", [])
            if any(c.get("outputs") or c.get("execution_count") for c in cells if c.get("cell_type") == "code"):
                problems.append(f"{name} has outputs or execution counts (was it run or validated in Lab?)")
                continue
        if name not in recorded:
            problems.append(f"{name} was not written by `make release`")
        elif recorded[name] != _digest(file):
            problems.append(f"{name} differs from what `make release` wrote (checksum)")
    problems += [f"{name} is missing" for name in sorted(set(recorded) - {str(f.relative_to(folder)) for f in files})]
    problems += [f"{file.relative_to(folder)} {reason}" for file, reason in leaks.scan(course, assignment, files)]
    if problems:
        raise PublishError(f"refusing to publish {assignment}:\n  " + "\n  ".join(problems) + f"\nFix: {regenerate}")
    return files


def publish(course, assignments, force=False):
    """Check each release, then ``nbgrader release_assignment`` it into the exchange; returns the lines to print."""
    for assignment in assignments:
        check_release(course, assignment)
    lines = []
    where = settings(course).course / "outbound"
    for assignment in assignments:
        result = course.nbgrader("release_assignment", assignment, *(["--force"] if force else []))
        if result.returncode != 0:
            text = (result.stdout + result.stderr).strip()
            hint = " (already published: FORCE=1 replaces it)" if "already exists" in text else ""
            raise PublishError(f"nbgrader release_assignment {assignment} failed{hint}:\n{text[-1500:]}")
        inbound = where.parent / "inbound"  # nbgrader makes it 2733: add the sticky bit, so that nobody
        if not inbound.stat().st_mode & stat.S_ISVTX:  # renames or deletes another's submission (make hub sets it)
            inbound.chmod(inbound.stat().st_mode | stat.S_ISVTX)
        lines.append(f"published {assignment} -> {where / assignment}")
    return lines


def _unreturnable(folder):
    """Why the feedback ``folder`` must not or cannot be returned, or ``""``: it holds a file of the instructors'
    class report, or nbgrader release_feedback would fail on it (it reads both files as text)."""
    report = next((p for p in sorted(folder.rglob("*")) if p.is_file() and leaks.instructors_only(p)), None)
    if report is not None:
        return f"{report.relative_to(folder)} is the instructors' class report: it is never returned to a student"
    for name in ("timestamp.txt", "submission_secret.txt"):
        path = folder / name
        try:
            if path.is_symlink() or not path.is_file():
                return (
                    f"no {name} (the submission lacked it): its feedback cannot be returned through the exchange "
                    f"(a submission collected from an LMS download has none: upload the page in {folder} to the LMS)"
                )
            path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return f"{name} is unreadable ({type(exc).__name__}): its feedback cannot be returned through the exchange"
    return ""


def pending_answers(course, assignments, students=None):
    """``{(assignment, student): [written answers waiting for manual grading]}`` from the gradebook."""
    found = {}
    if not (course.root / "gradebook.db").is_file():
        return found
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in assignments:
            try:
                submissions = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                continue
            for submission in submissions:
                if students and submission.student_id not in students:
                    continue
                names = [g.name for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade]
                if names:
                    found[(assignment, submission.student_id)] = names
    return found


def return_feedback(course, assignments=None, students=None, force=False):
    """``nbgrader release_feedback`` for each assignment with generated feedback; ``(lines, problems)``, where
    ``problems`` are ``(student or assignment, reason)``: one student's missing or malformed files never stop
    another's feedback.  While written answers wait for manual grading nothing is returned (a
    :class:`PublishError` names them) unless ``force``."""
    assignments = assignments or course.assignments()
    waiting = pending_answers(course, assignments, students)
    if waiting and not force:
        shown = "; ".join(f"{a} {s}: {', '.join(names)}" for (a, s), names in sorted(waiting.items())[:20])
        more = f" (and {len(waiting) - 20} more submissions)" if len(waiting) > 20 else ""
        raise PublishError(
            f"refusing to return feedback: {sum(map(len, waiting.values()))} written answer(s) of {len(waiting)} "
            f"submission(s) are not graded yet: {shown}{more}.\nFix: grade them in Formgrader (Manual Grading), "
            "then run `make return-feedback` again; FORCE=1 returns the feedback now, showing them as not graded yet"
        )
    lines, problems = [], []
    for assignment in assignments:
        students_here = [
            s
            for s in course.students()
            if (course.feedback_dir / s / assignment).is_dir() and (not students or s in students)
        ]
        bad = {s: _unreturnable(course.feedback_dir / s / assignment) for s in students_here}
        problems += [(student, f"{assignment}: {reason}") for student, reason in bad.items() if reason]
        good = [s for s in students_here if not bad[s]]
        if not good:
            continue
        skipped = ",".join(s for s in course.students() if s not in good)
        excluded = [f"--CourseDirectory.student_id_exclude={skipped}"] if skipped else []
        result = course.nbgrader("release_feedback", assignment, *excluded)
        if result.returncode != 0:
            problems.append(
                (assignment, f"nbgrader release_feedback failed:\n{(result.stdout + result.stderr)[-1500:]}")
            )
            continue
        lines.append(f"returned feedback of {assignment} to {len(good)} student(s): {', '.join(good)}")
    return lines, problems


def _students_with(folder, assignment):
    return sum((p / assignment).is_dir() for p in folder.iterdir()) if folder.is_dir() else 0


def status(course):
    """What is where: per assignment, the release, the exchange (published, submitted) and the course
    folders (collected, autograded, feedback); returns the lines to print."""
    config = settings(course)
    inbound = config.course / "inbound"
    try:
        submissions = [p.name.split("+") for p in inbound.iterdir()] if inbound.is_dir() else []
    except PermissionError:  # students may write to inbound/ but not list it
        submissions = None
    header = (
        "assignment",
        "release",
        "published",
        "submitted",
        "collected",
        "on time",
        "late",
        "missing",
        "autograded",
        "pending",
        "feedback",
    )
    rows = [header]
    for assignment in course.assignments():
        if not (course.release_dir / assignment).is_dir():
            release = "-"
        else:
            try:
                check_release(course, assignment)
                release = "ok"
            except PublishError:
                release = "STALE"
        submitted = (
            "?" if submissions is None else len({p[0] for p in submissions if len(p) > 1 and p[1] == assignment})
        )
        on_time, late, missing, pending = deadlines.timeliness(course, assignment)
        rows.append(
            (
                assignment,
                release,
                "yes" if (config.course / "outbound" / assignment).is_dir() else "-",
                *(
                    str(n)
                    for n in (
                        submitted,
                        _students_with(course.submitted, assignment),
                        on_time,
                        late,
                        "-" if missing is None else missing,
                        _students_with(course.autograded, assignment),
                        pending,
                        _students_with(course.feedback_dir, assignment),
                    )
                ),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    returned = len(list((config.course / "feedback").glob("*.html"))) if (config.course / "feedback").is_dir() else 0
    where = "" if config.root.is_dir() else " (does not exist yet: `make publish` creates the course in it)"
    return (
        [f"course {config.course_id}, exchange {config.root}{where}; {returned} feedback file(s) returned"]
        + ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        + [
            "release: ok = exactly what `make release` wrote; STALE = changed since (run `make release`)",
            "submitted: students with a submission in the exchange;"
            " collected/autograded/feedback: students in the course folders",
            "on time/late: collected submissions against the due date (schedule.toml) and extensions; missing: students"
            " of the gradebook without a submission after their due date (- before it, or without a due date);"
            " pending: written answers waiting for manual grading in Formgrader",
        ]
    )
