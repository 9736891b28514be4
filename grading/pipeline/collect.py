"""Collect submissions into ``submitted/<student>/<assignment>/<notebook>.ipynb``, the layout nbgrader grades.

Two sources: nbgrader's exchange folder (``nbgrader collect`` does the work, on a staged copy) and a
folder of files downloaded from a learning platform, one ``.ipynb`` or ``.zip`` per student with the
student id in the file name.  Every file that cannot be used is reported, never skipped in silence;
an existing submission with different content is never replaced without ``force``; files are copied
byte for byte.  Only the assignment's notebooks are taken (regular files, no link followed; an exchange
folder is opened once and read through that handle, its id must be the Unix account owning it, and its
time is the exchange's, never an earlier ``timestamp.txt``); a zip
is checked before anything is read from it (one member per notebook, no overlapping or duplicated
entries, a cap on the uncompressed total); a student id never starts with ``-`` nor holds control
characters, and names are printed escaped.
"""

import os
import pwd
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from nbgrader.utils import parse_utc

from grading.course import NBGRADER_FILES
from grading.pipeline import deadlines
from grading.pipeline.exchange import PublishError
from grading.pipeline.exchange import settings as exchange_settings

# A leading id of letters, digits, dots and dashes, up to the first "_": "s1234567_week2_numpy_basics.ipynb".
DEFAULT_PATTERN = r"^(?P<student>[A-Za-z0-9.-]+)_"
# An id becomes a folder name and an nbgrader student id: no separators, "+", "*", spaces or leading dot.
# It never starts with "-" (it would read as an option of the commands it is passed to).
VALID_ID = re.compile(r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]*$")
IGNORED_IN_ZIP = {"__MACOSX", ".ipynb_checkpoints"}
MAX_NOTEBOOK_BYTES = 100 * 1000 * 1000  # nbgrader's own default limit (CourseDirectory.max_file_size)
MAX_ZIP_TOTAL = 200 * 1000 * 1000  # uncompressed bytes taken from one zip
LOCAL_HEADER = 30  # bytes of a zip local file header before its name


def printable(text):
    """``text`` with control and other unprintable characters escaped, safe to print on one line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


class CollectError(ValueError):
    """The collection cannot start at all (unknown assignment, bad pattern, missing folder)."""


@dataclass
class Collection:
    """What a collection did: ``collected`` and ``unchanged`` are ``(student, path)``, ``problems``
    are ``(file, reason)``; ``notes`` are warnings that need no action to finish the collection."""

    collected: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def lines(self, root=None):
        """One printable line per collected submission, problem and note."""

        def show(path):
            path = Path(path)
            return printable(path.relative_to(root) if root and path.is_relative_to(root) else path)

        return (
            [f"collected  {printable(student):<16} {show(path)}" for student, path in self.collected]
            + [f"unchanged  {printable(student):<16} {show(path)}" for student, path in self.unchanged]
            + [f"PROBLEM    {show(name)}: {printable(reason)}" for name, reason in self.problems]
            + [f"note       {printable(note)}" for note in self.notes]
        )


# ---- nbgrader's exchange --------------------------------------------------------------------------

_LOG = re.compile(r"^\[CollectApp \| (?P<level>\w+)\] (?P<message>.*)$")
_DONE = re.compile(r"^(?P<what>Collecting|Updating) submission: (?P<student>\S+) (?P<assignment>\S+)$")
_SAME = re.compile(r"^No newer submission to collect: (?P<student>\S+) (?P<assignment>\S+)$")


def _log_records(text):
    """``(level, message)`` per nbgrader log record; continuation lines are joined to their record."""
    records = []
    for line in text.splitlines():
        match = _LOG.match(line)
        if match:
            records.append([match.group("level"), match.group("message").strip()])
        elif records and line.strip():
            records[-1][1] = (records[-1][1] + " " + line.strip()).strip()
    return [tuple(record) for record in records]


# Students own their folders in inbound/ and may swap or change them at any moment: each is opened once,
# no link followed, and everything is read relative to that handle.
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
# nbgrader submit takes its time before copying the files; timestamp.txt may be this much older than the folder.
GRACE = timedelta(seconds=60)


def _read_held(name, folder_fd, owner):
    """``(bytes, ctime_ns, "")`` of the regular file ``name`` in the open folder, or ``(None, 0, why not)``."""
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=folder_fd)
    except OSError as exc:
        return None, 0, f"not taken: {exc.strerror.lower()} (a link?)"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, 0, "not taken: not a regular file"
        if info.st_uid != owner:
            return None, 0, f"not taken: owned by uid {info.st_uid}, not by the student"
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            return None, 0, f"not taken: over the {MAX_NOTEBOOK_BYTES}-byte limit"
        return data, os.fstat(fd).st_ctime_ns, ""


def roster_problem(student, owner):
    """Why the folder of ``student`` owned by ``owner`` is not taken, or ``""``: on a one-machine hub the
    roster is the Unix accounts, and a student id is the account name, case-exact."""
    try:
        entry = pwd.getpwnam(student)
    except KeyError:
        entry = None
    if entry is None or entry.pw_name != student:
        alike = sorted(
            p.pw_name for p in pwd.getpwall() if p.pw_name.lower() == student.lower() and p.pw_name != student
        )
        if alike:
            return f"id {student!r} differs only in case from the account {alike[0]!r}: not collected"
        return f"no account named {student!r} (student ids are the hub's user names): not collected"
    if entry.pw_uid != owner:
        return (
            f"submitted under the name of {student} but owned by uid {owner}: not collected "
            "(someone else's submission?)"
        )
    return ""


def submission_time(asserted, changed):
    """``(time, problem)``: ``timestamp.txt`` (``asserted``, bytes or ``None``) when it agrees with the time
    the exchange last changed the folder (``changed``, which no user can set back), else that time."""
    try:
        claimed = parse_utc(asserted.decode("utf-8").strip()).replace(tzinfo=timezone.utc)
    except (AttributeError, ValueError, OverflowError, TypeError):
        return changed, (
            "no timestamp.txt" if asserted is None else "timestamp.txt is malformed"
        ) + f": recorded the exchange's time {changed:%Y-%m-%d %H:%M:%S} UTC"
    if not changed - GRACE <= claimed <= changed + GRACE:
        return changed, (
            f"timestamp.txt says {claimed:%Y-%m-%d %H:%M:%S} UTC but the exchange last changed the folder "
            f"at {changed:%Y-%m-%d %H:%M:%S} UTC: recorded the exchange's time"
        )
    return claimed, ""


def _stage_folder(course, name, inbound_fd, staged, result, where):
    student, assignment = name.split("+")[:2]
    try:
        folder_fd = os.open(name, FOLDER_FLAGS | os.O_NONBLOCK, dir_fd=inbound_fd)
    except OSError:
        result.problems.append((where, "not a folder (a link?); not collected"))
        return
    try:
        info = os.fstat(folder_fd)
        problem = roster_problem(student, info.st_uid)
        if problem:
            result.problems.append((where, problem))
            return
        wanted = set(course.notebooks(assignment)) | set(NBGRADER_FILES)
        entries = sorted(os.listdir(folder_fd))
        extra = [e for e in entries if e not in wanted]
        if extra:
            shown = ", ".join(map(repr, extra[:5])) + (" ..." if len(extra) > 5 else "")
            result.notes.append(
                f"{assignment}: {student}: {len(extra)} extra file(s) not taken (only the "
                f"assignment's notebooks are graded): {shown}"
            )
        files, changed = {}, [info.st_ctime_ns]
        for entry in sorted(set(entries) & wanted):
            data, ctime, reason = _read_held(entry, folder_fd, info.st_uid)
            if reason:
                result.problems.append((where / entry, reason))
            else:
                files[entry], changed = data, changed + [ctime]
        changed.append(os.fstat(folder_fd).st_ctime_ns)
    finally:
        os.close(folder_fd)
    when, problem = submission_time(
        files.pop("timestamp.txt", None), datetime.fromtimestamp(max(changed) / 1e9, timezone.utc)
    )
    if problem:
        result.problems.append((where, f"{student}: {problem}"))
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    target = staged / f"{student}+{assignment}+{stamp}+{len(list(staged.iterdir()))}"
    target.mkdir()
    (target / "timestamp.txt").write_text(stamp)
    for entry, data in files.items():
        (target / entry).write_bytes(data)


def stage_inbound(course, inbound, staged, assignments, result, students=None):
    """Copy the trusted part of an exchange's ``inbound/`` into ``staged``: for each submission folder whose
    student id is a Unix account (case-exact) that owns it, only the assignment's notebooks and nbgrader's
    own files (``NBGRADER_FILES``), with the exchange's time.  Everything else is a reported problem."""
    staged.mkdir(parents=True)
    inbound_fd = os.open(inbound, FOLDER_FLAGS)
    try:
        if not os.fstat(inbound_fd).st_mode & stat.S_ISVTX:
            result.notes.append(
                f"{inbound} lacks the sticky bit: students can rename each other's folders (`make publish` sets it)"
            )
        for name in sorted(os.listdir(inbound_fd)):
            parts = name.split("+")
            if len(parts) < 3 or parts[1] not in assignments or (students and parts[0] not in students):
                continue
            if not VALID_ID.match(parts[0]):
                result.problems.append(
                    (
                        inbound / name,
                        f"student id {parts[0]!r} is not usable (letters, digits, '.', "
                        "'_', '@', '-', not first); not collected",
                    )
                )
                continue
            _stage_folder(course, name, inbound_fd, staged, result, inbound / name)
    finally:
        os.close(inbound_fd)


def missing_students(students, found):
    """Raise :class:`CollectError` naming the ``students`` asked for who have no submission among ``found``."""
    absent = sorted(set(students or []) - set(found))
    if absent:
        raise CollectError(
            f"STUDENTS= names {absent}, who have no submission to collect here; check the spelling or drop them "
            f"(submitted: {', '.join(sorted(set(found))[:10]) or 'nobody'})"
        )


def collect_exchange(course, exchange_root, assignments=None, students=None):
    """``nbgrader collect --update`` from the exchange at ``exchange_root`` for each assignment.

    nbgrader takes each student's latest submission and replaces an older one already collected.
    It works only on a staged copy of ``inbound/`` (:func:`stage_inbound`), so only notebooks of folders
    owned by the students they name reach ``submitted/``; the course id is the configured one.  With ``students``
    only theirs are collected, and one of them without a submission stops the collection before anything is copied.
    """
    exchange_root = Path(exchange_root).resolve()
    unknown = sorted(set(assignments or []) - set(course.assignments()))
    if unknown:
        raise CollectError(f"unknown assignment(s) {unknown}; choose from {course.assignments()}")
    try:
        course_id = exchange_settings(course).course_id
    except PublishError as exc:
        raise CollectError(str(exc)) from None
    result = Collection()
    if not exchange_root.is_dir():
        result.problems.append(
            (
                str(exchange_root),
                "no such exchange folder; pass the folder nbgrader's "
                "Exchange.root points to (it holds <course_id>/inbound/)",
            )
        )
        return result
    inbound = exchange_root / course_id / "inbound"
    if not inbound.is_dir() or inbound.is_symlink():
        result.problems.append(
            (
                str(inbound),
                f"no inbound folder for course {course_id!r} (nbgrader_config.py): "
                "nothing collected; publish an assignment first, or check the course id",
            )
        )
        return result
    with tempfile.TemporaryDirectory(prefix="exchange-") as staging:
        staged = Path(staging) / course_id / "inbound"
        stage_inbound(course, inbound, staged, set(assignments or course.assignments()), result, students)
        missing_students(students, [p.name.split("+")[0] for p in staged.iterdir()])
        _collect_staged(course, Path(staging), assignments, result)
    return result


def _collect_staged(course, exchange_root, assignments, result):
    for assignment in assignments or course.assignments():
        process = course.nbgrader(
            "collect", assignment, "--update", f"--Exchange.root={exchange_root}", "--ExchangeCollect.check_owner=False"
        )
        records = _log_records(process.stdout + process.stderr)
        for level, message in records:
            done, same = _DONE.match(message), _SAME.match(message)
            if done:
                result.collected.append((done["student"], course.submitted / done["student"] / assignment))
            elif same:
                result.unchanged.append((same["student"], course.submitted / same["student"] / assignment))
            elif level == "WARNING" and "No nbgrader_config.py" not in message:
                result.notes.append(f"{assignment}: {message}")
        if process.returncode != 0:
            errors = [m for level, m in records if level in ("CRITICAL", "ERROR")] or [process.stderr.strip()[-500:]]
            result.problems.append((assignment, "nbgrader collect failed: " + "; ".join(errors)))


# ---- files downloaded from a learning platform ----------------------------------------------------


def compile_pattern(pattern):
    """The file-name regex; it must capture the student id as group ``student`` or as group 1."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise CollectError(f"--pattern {pattern!r} is not a valid regular expression: {exc}") from None
    if "student" not in regex.groupindex and regex.groups < 1:
        raise CollectError(
            f"--pattern {pattern!r} captures nothing; put the student id in (?P<student>...) "
            f"or in the first group, e.g. {DEFAULT_PATTERN!r}"
        )
    return regex


def student_id(name, regex):
    """``(id, "")`` from a file name, or ``(None, reason)``."""
    match = regex.search(name)
    if not match:
        return None, f"no student id in the file name (pattern {regex.pattern!r}); rename it or pass --pattern"
    found = match.group("student") if "student" in regex.groupindex else match.group(1)
    if not found or not VALID_ID.match(found) or found in (".", ".."):
        return None, (
            f"student id {found!r} taken from the file name is not usable as a folder name "
            "(letters, digits, '.', '_', '@', '-' only); rename the file or fix --pattern"
        )
    return found, ""


def _unsafe(member):
    """True for a zip member that would land outside the folder it is extracted to (zip slip)."""
    name = member.replace("\\", "/")
    return name.startswith("/") or re.match(r"^[A-Za-z]:", name) is not None or ".." in name.split("/")


def notebook_for(file_name, notebooks):
    """Which of the assignment's notebooks a downloaded ``.ipynb`` is: the only one, or the one whose
    name the file name contains (the longest such name when several do)."""
    if len(notebooks) == 1:
        return notebooks[0], ""
    stem = Path(file_name).stem
    named = sorted((n for n in notebooks if Path(n).stem in stem), key=len, reverse=True)
    if not named:
        return None, f"cannot tell which notebook this is; its name should contain one of {notebooks}"
    return named[0], ""


def _overlapping(members):
    """Why the entries of a zip's central directory overlap or repeat (a zip bomb's trick), or ``""``."""
    spans = sorted(
        (
            m.header_offset,
            m.header_offset + LOCAL_HEADER + len(m.orig_filename.encode("utf-8", "replace")) + m.compress_size,
            m.filename,
        )
        for m in members
    )
    names = [m.filename for m in members]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"entries listed more than once ({printable(twice[:3])})"
    for (_start, end, name), (next_start, _, other) in zip(spans, spans[1:]):
        if next_start < end:
            return f"entries {printable(name)!r} and {printable(other)!r} overlap"
    return ""


def _read_member(archive, member):
    """The bytes of ``member``, never more than its declared size (nor the limit)."""
    with archive.open(member) as handle:
        data = handle.read(min(member.file_size, MAX_NOTEBOOK_BYTES) + 1)
    if len(data) > member.file_size:
        raise ValueError(f"member {member.filename!r} holds more than its declared size")
    return data


def read_zip(path, notebooks):
    """``({notebook: bytes}, [reason])`` from a student's zip: only members named like the assignment's
    notebooks, never a member whose path leaves the folder; ``__MACOSX`` and checkpoints are ignored."""
    found, reasons, places = {}, [], {}
    try:
        with zipfile.ZipFile(path) as archive:
            overlap = _overlapping(archive.infolist())
            if overlap:
                return {}, [f"{overlap}: a crafted zip; nothing taken, ask the student to re-upload a plain zip"]
            wanted = [
                m
                for m in archive.infolist()
                if not m.is_dir() and PurePosixPath(m.filename.replace("\\", "/")).parts[-1] in notebooks
            ]
            total = sum(m.file_size for m in wanted if m.file_size <= MAX_NOTEBOOK_BYTES)
            if total > MAX_ZIP_TOTAL:
                return {}, [
                    f"the zip's notebooks hold {total} bytes uncompressed, over the {MAX_ZIP_TOTAL}-byte "
                    "limit; nothing taken"
                ]
            for member in archive.infolist():
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if member.is_dir() or IGNORED_IN_ZIP & set(parts):
                    continue
                if _unsafe(member.filename):
                    reasons.append(f"unsafe member {member.filename!r} (absolute path or '..'); not extracted")
                    continue
                if parts[-1] not in notebooks:
                    continue
                if member.file_size > MAX_NOTEBOOK_BYTES:
                    reasons.append(
                        f"member {member.filename!r} is {member.file_size} bytes, over the "
                        f"{MAX_NOTEBOOK_BYTES}-byte limit; not extracted"
                    )
                    continue
                places.setdefault(parts[-1], []).append(member.filename)
                if len(places[parts[-1]]) == 1:  # a second copy is never read: the name is rejected below
                    found[parts[-1]] = _read_member(archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, EOFError, ValueError) as exc:
        return {}, [f"unreadable zip ({type(exc).__name__}: {exc}); ask the student to re-upload it"]
    for name, members in places.items():
        if len(members) > 1:
            found.pop(name, None)
            reasons.append(f"{name} is in the zip {len(members)} times ({members}); none taken, pick one by hand")
    if not found and not places:
        reasons.append(f"no notebook of the assignment in the zip (expected {notebooks})")
    elif len(places) < len(notebooks):
        reasons.append(f"the zip lacks {sorted(set(notebooks) - set(places))}")
    return found, reasons


def file_time(name, regex, zone):
    """The submission time in a downloaded file's name (group ``submitted`` of the pattern), or ``None``."""
    match = regex.search(name)
    text = match.group("submitted") if match and "submitted" in regex.groupindex else None
    if not text:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    try:
        naive = datetime.strptime(digits, "%Y%m%d%H%M%S" if len(digits) == 14 else "%Y%m%d%H%M")
    except ValueError:
        raise deadlines.ScheduleError(
            f"the time {text!r} in the file name is not year, month, day, hour, minute (e.g. 20261019-2359)"
        ) from None
    return naive.replace(tzinfo=zone).astimezone(timezone.utc)


def _write(path, data, force):
    """Put ``data`` at ``path``: ``"collected"``, ``"unchanged"`` or ``"conflict"`` (kept the existing)."""
    if path.is_file():
        if path.read_bytes() == data:
            return "unchanged"
        if not force:
            return "conflict"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return "collected"


def collect_downloads(
    course, folder, assignment, pattern=DEFAULT_PATTERN, force=False, students=None, submitted_at=None
):
    """Copy each student's downloaded ``.ipynb`` or ``.zip`` from ``folder`` into ``submitted/``.

    The student id comes from the file name via ``pattern``; the submission time from its group ``submitted``
    (digits of year, month, day, hour, minute and maybe seconds, e.g. ``20261019-2359``), else from
    ``submitted_at`` (one time for the whole download), in the schedule's time zone unless an offset is given; it
    is written as nbgrader's ``timestamp.txt``, which nbgrader compares with the due date.  Without either, no
    time is recorded and lateness is not assessed (a note says so).  With ``students`` only theirs are taken.
    Two files of one student, or a different file already in ``submitted/`` (unless ``force``), are conflicts:
    reported, nothing replaced.  The downloads themselves are only read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CollectError(f"downloads folder {folder} does not exist; pass the folder holding the students' files")
    if assignment not in course.assignments():
        raise CollectError(f"unknown assignment {assignment!r}; choose one of {course.assignments()}")
    regex, notebooks = compile_pattern(pattern), course.notebooks(assignment)
    result, owners = Collection(), {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            result.problems.append((path, "is a folder; expected one .ipynb or .zip file per student"))
            continue
        if path.suffix.lower() not in (".ipynb", ".zip"):
            result.problems.append((path, f"unexpected file type {path.suffix or '(none)'!r}; expected .ipynb or .zip"))
            continue
        if not path.name.isprintable():
            result.problems.append((path, "the file name holds control characters; rename it"))
            continue
        student, reason = student_id(path.name, regex)
        if reason:
            result.problems.append((path, reason))
            continue
        if students and student not in students:
            continue
        owners.setdefault(student, []).append(path)
    missing_students(students, owners)
    zone = deadlines.zone_of(course)
    fallback = deadlines.parse_time(submitted_at, zone, "SUBMITTED_AT") if submitted_at else None
    untimed = []

    for student, paths in owners.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(p.name for p in paths if p != path)
                result.problems.append(
                    (path, f"conflict: student {student} also has {others}; none collected, keep one file per student")
                )
            continue
        path = paths[0]
        if path.suffix.lower() == ".zip":
            contents, reasons = read_zip(path, notebooks)
            result.problems += [(path, reason) for reason in reasons]
        else:
            name, reason = notebook_for(path.name, notebooks)
            if reason:
                result.problems.append((path, reason))
                continue
            contents = {name: path.read_bytes()}
        try:
            when = file_time(path.name, regex, zone) or fallback
        except deadlines.ScheduleError as exc:
            result.problems.append((path, f"{exc}; not collected"))
            continue
        for name, data in sorted(contents.items()):
            target = course.submitted / student / assignment / name
            outcome = _write(target, data, force)
            if outcome == "collected" and when:
                stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
                (course.submitted / student / assignment / "timestamp.txt").write_text(stamp)
            elif outcome == "collected" and student not in untimed:
                untimed.append(student)
            if outcome == "conflict":
                result.problems.append(
                    (
                        path,
                        f"conflict: {target} already exists with different content; "
                        "kept it (use --force to replace it)",
                    )
                )
            else:
                getattr(result, outcome).append((student, target))
    if untimed:
        result.notes.append(
            f"no submission time for {len(untimed)} student(s) (neither SUBMITTED_AT= nor a (?P<submitted>...) "
            "group in PATTERN= gave one): their lateness is not assessed"
        )
    return result
