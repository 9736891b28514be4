"""Due dates, extensions and lateness: ``schedule.toml`` read, checked and handed to nbgrader's gradebook.

Each assignment's due date lives in ``schedule.toml`` at the course root (the only place); `make release`,
`make publish` and `make autograde` store it as nbgrader's ``Assignment.duedate``.  nbgrader then measures
each submission's lateness from its ``timestamp.txt`` (the exchange's time, or an LMS download's) against the
due date plus the student's ``SubmittedAssignment.extension``, and the late policy
(:mod:`grading.plugins.late`) turns it into a penalty inside nbgrader's grading.  Times are stored in UTC.
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomllib
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from traitlets.config.loader import PyFileConfigLoader

from grading.plugins.late import LatePolicy

SCHEDULE = "schedule.toml"
FIX = f'fix it in {SCHEDULE} (e.g. week2_numpy_basics = "2026-10-26 23:59")'


class ScheduleError(ValueError):
    """The schedule, an extension or a time cannot be used; the message names the problem and the fix."""


def _zone(table, where):
    name = table.get("timezone", "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(
            f"{where}: timezone {name!r} is unknown; use an IANA name such as 'Europe/Berlin'"
        ) from None


def parse_time(value, zone, what):
    """An aware UTC datetime from a TOML datetime or an ISO 8601 text; a time without offset is in ``zone``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            raise ScheduleError(f"{what}: {value!r} is not a date and time; write it as '2026-10-26 23:59'") from None
    if not isinstance(value, datetime):
        raise ScheduleError(f"{what}: {value!r} is not a date and time; write it as '2026-10-26 23:59'")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def schedule(course):
    """``{assignment: due date (aware, UTC)}`` from ``schedule.toml`` (empty without the file)."""
    path = course.root / SCHEDULE
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path} is not valid TOML ({exc}); {FIX}") from None
    zone = _zone(table, path)
    due = table.get("due", {})
    if not isinstance(due, dict):
        raise ScheduleError(f"{path}: 'due' must be a table ([due]); {FIX}")
    unknown = sorted(set(due) - set(course.assignments()))
    if unknown:
        raise ScheduleError(f"{path} names unknown assignment(s) {unknown}; choose from {course.assignments()}")
    return {name: parse_time(value, zone, f"{path}: due date of {name}") for name, value in due.items()}


def zone_of(course):
    path = course.root / SCHEDULE
    table = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return _zone(table, path)


def check_future(dates, assignments, now=None):
    """Raise :class:`ScheduleError` when one of ``assignments`` is due in the past (a release after its deadline)."""
    now = now or datetime.now(timezone.utc)
    past = {a: dates[a] for a in assignments if a in dates and dates[a] <= now}
    if past:
        shown = ", ".join(f"{a} ({when:%Y-%m-%d %H:%M} UTC)" for a, when in sorted(past.items()))
        example = f'{min(past)} = "{now + timedelta(days=7):%Y-%m-%d} 23:59"'  # the fixed example date may be past
        raise ScheduleError(
            f"due date in the past for {shown}: nothing was released; fix it in {SCHEDULE} with a future date "
            f"(e.g. {example}), or name only the coming assignments (ASSIGNMENTS=...)"
        )


def store(course, assignments=None):
    """Hand the schedule's due dates to nbgrader (``Assignment.duedate``) for ``assignments`` (default: those the
    gradebook already has); an assignment not in the schedule gets none.  The schedule is read and checked
    before the gradebook is written."""
    dates = schedule(course)
    with Gradebook(course.gradebook_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
        wanted = assignments or sorted(known)
        for name in wanted:
            if name in dates:
                gradebook.update_or_create_assignment(name, duedate=dates[name])
            elif name in known:
                gradebook.find_assignment(name).duedate = None
        gradebook.db.commit()
    return {name: dates[name] for name in wanted if name in dates}


def extend(course, student, assignment, until):
    """Record nbgrader's ``extension`` of ``student`` on ``assignment`` so that it is due at ``until``.

    The student must be in the gradebook (the roster, or graded before); the assignment must have a due date.
    """
    dates = schedule(course)
    if assignment not in course.assignments():
        raise ScheduleError(f"unknown assignment {assignment!r}; choose from {course.assignments()}")
    if assignment not in dates:
        raise ScheduleError(f"{assignment} has no due date, so no extension: give it one in {SCHEDULE}")
    when = parse_time(until, zone_of(course), "UNTIL")
    if when <= dates[assignment]:
        raise ScheduleError(
            f"UNTIL {when:%Y-%m-%d %H:%M} UTC is not after the due date of {assignment} "
            f"({dates[assignment]:%Y-%m-%d %H:%M} UTC): give a later time"
        )
    with Gradebook(course.gradebook_url) as gradebook:
        students = sorted(s.id for s in gradebook.students)
        if student not in students:
            raise ScheduleError(
                f"unknown student {student!r}: not in the gradebook's roster (`make roster FILE=...` adds the class); "
                f"known: {', '.join(students[:10]) or 'none'}{' ...' if len(students) > 10 else ''}"
            )
        gradebook.update_or_create_assignment(assignment, duedate=dates[assignment])
        gradebook.update_or_create_submission(assignment, student, extension=when - dates[assignment])
    return when


def policy(course):
    """The late policy nbgrader applies, configured as in ``nbgrader_config.py``."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    return LatePolicy(config=config)


def reapply_penalties(course, assignments=None):
    """Recompute each late notebook's penalty from its current score with the configured policy, as nbgrader's
    ``AssignLatePenalties`` did at autograde: a written answer graded later in Formgrader changes the score."""
    plugin = policy(course)
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for submission in gradebook.assignment_submissions(assignment.name):
                late = submission.total_seconds_late
                for notebook in submission.notebooks:
                    penalty = (
                        plugin.late_submission_penalty(submission.student_id, notebook.score, late) if late else None
                    )
                    notebook.late_submission_penalty = (
                        None if penalty is None else max(0.0, min(penalty, notebook.score))
                    )
        gradebook.db.commit()


def submitted_at(course, student, assignment):
    """The submission's time (UTC, naive as nbgrader stores it) from its ``timestamp.txt``, or ``None``."""
    path = course.submitted / student / assignment / "timestamp.txt"
    try:
        return parse_utc(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError, UnicodeDecodeError, OverflowError):
        return None


def timeliness(course, assignment, now=None):
    """``(on time, late, missing, pending answers)`` of ``assignment``; missing counts the gradebook's
    students without a submission once the due date (with their extension) has passed, else ``None``."""
    due = schedule(course).get(assignment)
    due = due.replace(tzinfo=None) if due else None
    now = (now or datetime.now(timezone.utc)).replace(tzinfo=None)
    submitters = {s for s in course.students() if (course.submitted / s / assignment).is_dir()}
    on_time = late = pending = 0
    extensions, roster = {}, set()
    if (course.root / "gradebook.db").is_file():
        with Gradebook(course.gradebook_url) as gradebook:
            roster = {s.id for s in gradebook.students}
            try:
                found = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                found = []
            for submission in found:
                extensions[submission.student_id] = submission.extension
                pending += sum(g.needs_manual_grade for nb in submission.notebooks for g in nb.grades)
    for student in submitters:
        when = submitted_at(course, student, assignment)
        deadline = due + extensions[student] if due and extensions.get(student) else due
        if deadline and when and when > deadline:
            late += 1
        else:
            on_time += 1
    missing = None
    if due and now > due:
        absent = roster - submitters
        missing = sum(1 for s in absent if now > (due + extensions[s] if extensions.get(s) else due))
    return on_time, late, missing, pending
