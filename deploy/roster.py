"""Import the class list an LMS exports (`make roster FILE=students.csv`; as root on the hub's machine).

Every row becomes a student: in nbgrader's gradebook (its ``Student`` table: id, first and last name, e-mail,
LMS user id), in the hub's class (``<state>/roster.csv``, which deploy/jupyterhub_config.py reads) and as a
Unix account in the group ``nn-students`` (deploy/accounts.py; the initial passwords go to a file only root
can read).  The whole file is checked first: a duplicate or malformed row is reported with its line number
and the fix, and then nothing changes.  Importing the same file again changes nothing; a changed name or
e-mail is updated.

Columns (header names are matched case-insensitively, ignoring spaces, ``-`` and ``_``):

- id (required): the student's login name on the hub, e.g. ``id``, ``username`` (Moodle), ``login``,
  ``SIS Login ID`` (Canvas), lower-case as Unix account names are;
- name: ``name`` / ``full name`` / ``student`` (Canvas), or ``first name`` + ``last name``
  (``firstname`` / ``lastname``: Moodle);
- e-mail (optional): ``email``, ``e-mail``, ``email address``;
- LMS id (optional): ``lms_id``, ``lms user id``, ``ID`` (Canvas's user id) when another column is the login,
  ``SIS User ID``, or ``ID number`` (Moodle's ``idnumber``).
"""

import argparse
import csv
import os
import re
import shutil
import sys
from dataclasses import astuple, dataclass, fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from accounts import GROUPS, ensure_account, name_problem  # noqa: E402

ID = ("sisloginid", "username", "login", "loginid", "userid", "studentid", "id")
NAME = ("name", "fullname", "student", "studentname")
FIRST = ("firstname", "givenname", "first")
LAST = ("lastname", "surname", "familyname", "last")
EMAIL = ("email", "emailaddress", "mail")
LMS_ID = ("lmsid", "lmsuserid", "canvasuserid", "id", "sisuserid", "idnumber")
EMAIL_FORM = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ROSTER = "roster.csv"


class RosterError(ValueError):
    """The file has problems (one line each); nothing was changed."""


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str
    last_name: str
    email: str
    lms_id: str


def _key(header):
    return re.sub(r"[\s_\-]", "", header.strip().lower())


def _column(keys, choices, taken=()):
    """Index of the first header of ``choices`` (in their order of preference) not in ``taken``."""
    for choice in choices:
        if choice in keys and keys.index(choice) not in taken:
            return keys.index(choice)
    return None


def _names(row, columns):
    def cell(name):
        index = columns[name]
        return row[index].strip() if index is not None and index < len(row) else ""

    if cell("first") or cell("last"):
        return cell("first"), cell("last")
    first, _, last = cell("name").rpartition(" ")
    if "," in cell("name"):  # "Lovelace, Ada" (Canvas's "Student" column)
        last, _, first = cell("name").partition(",")
    return first.strip(), last.strip()


def parse(path, instructors=()):
    """The students of the CSV file ``path``; raises :class:`RosterError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise RosterError([f"{path}: no such file: give FILE=the CSV your LMS exported"])
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(text.splitlines(), dialect))
    if not rows:
        raise RosterError([f"{path}: the file is empty: export the class list from your LMS as CSV"])
    keys = [_key(h) for h in rows[0]]
    columns = {"id": _column(keys, ID)}
    columns["lms_id"] = _column(keys, LMS_ID, taken={columns["id"]})
    columns |= {"name": _column(keys, NAME), "first": _column(keys, FIRST), "last": _column(keys, LAST)}
    columns["email"] = _column(keys, EMAIL)
    if columns["id"] is None:
        raise RosterError(
            [f"{path} line 1: no id column in {rows[0]}: name one column id (or username, login, SIS Login ID)"]
        )
    problems, students, seen, seen_lms = [], [], {}, {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if columns["id"] >= len(row) or not row[columns["id"]].strip():
            problems.append(f"line {line}: no id in {row}: fill in the student's login name or delete the row")
            continue
        student_id = row[columns["id"]].strip()
        first, last = _names(row, columns)
        email = row[columns["email"]].strip() if columns["email"] is not None and columns["email"] < len(row) else ""
        lms = row[columns["lms_id"]].strip() if columns["lms_id"] is not None and columns["lms_id"] < len(row) else ""
        if problem := name_problem(student_id):
            problems.append(f"line {line}: {problem}")
        elif student_id in instructors:
            problems.append(f"line {line}: {student_id!r} is an instructor in the class file: remove the row")
        elif student_id in seen:
            problems.append(f"line {line}: id {student_id!r} repeats line {seen[student_id]}: keep one of the two rows")
        if email and not EMAIL_FORM.fullmatch(email):
            problems.append(f"line {line}: {email!r} is not an e-mail address: correct it or leave it empty")
        if lms and lms in seen_lms:
            problems.append(f"line {line}: LMS id {lms!r} repeats line {seen_lms[lms]}: keep one of the two rows")
        seen.setdefault(student_id, line)
        if lms:
            seen_lms.setdefault(lms, line)
        students.append(Student(student_id, first, last, email, lms))
    if problems:
        raise RosterError([f"{path}: {p}" for p in problems])
    return students


def read_roster(state):
    """``{id: Student}`` of the hub's class roster (``<state>/roster.csv``; empty when there is none)."""
    path = Path(state) / ROSTER
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["id"]: Student(**{f.name: row[f.name] for f in fields(Student)}) for row in csv.DictReader(handle)}


def write_roster(state, students, group=None):
    """Merge ``students`` into ``<state>/roster.csv`` (mode 0640: readable by root and ``group``)."""
    merged = read_roster(state) | {s.id: s for s in students}
    path = Path(state) / ROSTER
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.name for f in fields(Student)])
        writer.writerows(astuple(s) for s in sorted(merged.values(), key=lambda s: s.id))
    os.chmod(temporary, 0o640)
    if group:
        shutil.chown(temporary, group=group)
    os.replace(temporary, path)
    return path


def add_to_gradebook(gradebook_url, students):
    """Create or update each student in nbgrader's gradebook (which is created if missing)."""
    from nbgrader.api import Gradebook

    from grading.course import scripts_on_path

    scripts_on_path()
    with Gradebook(gradebook_url) as gradebook:
        for s in students:
            gradebook.update_or_create_student(
                s.id,
                first_name=s.first_name,
                last_name=s.last_name,
                email=s.email or None,
                lms_user_id=s.lms_id or None,
            )


def main(argv=None):
    from hub import load_class, shared_course  # the class file's reader and the shared course folder

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="the CSV file the LMS exported")
    parser.add_argument("--class", dest="class_file", type=Path, default=HERE / "class.toml")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("make roster creates the students' Unix accounts: run it as root (sudo make roster FILE=...)")
    config = load_class(args.class_file)
    state, course = Path(config["hub"]["state"]), shared_course(config)
    try:
        students = parse(args.file, instructors=config["users"]["instructors"])
    except RosterError as error:
        print("\n".join(error.args[0]), file=sys.stderr)
        print("nothing was changed: correct these rows and run make roster again", file=sys.stderr)
        return 1
    if not course.is_dir():
        raise SystemExit(f"the course folder {course} does not exist yet: run `sudo make hub` once first")
    state.mkdir(parents=True, exist_ok=True)
    known = read_roster(state)
    add_to_gradebook(f"sqlite:///{course / 'gradebook.db'}", students)
    shutil.chown(course / "gradebook.db", group=GROUPS["instructors"])
    os.chmod(course / "gradebook.db", 0o660)
    roster = write_roster(state, students, GROUPS["instructors"])
    created = [s.id for s in students if ensure_account(s.id, "students", state, config["hub"]["auth"] == "pam")]
    print(
        f"{len(students)} student(s) in {args.file}: {len(students) - len(known.keys() & {s.id for s in students})} new"
    )
    print(f"the hub's class: {roster}; nbgrader's gradebook: {course / 'gradebook.db'}")
    if created:
        print(
            f"{len(created)} account(s) created; their initial passwords: {state / 'initial_passwords.csv'} (root only)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
