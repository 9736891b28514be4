"""`make grades FORMAT=canvas|moodle`: the class's scores in a layout the learning platform imports.

One row per student of nbgrader's gradebook (the roster `make roster` stores: id, first and last name, e-mail,
LMS user id), one column per assignment; a score is the final one of ``reports/grades.csv`` (late penalty
taken off).  A submission that is pending manual grading, ungradable or unverified, and an assignment not
submitted, leave the cell empty: both platforms read an empty cell as "no grade", never as 0.

- ``canvas``: Canvas LMS Gradebook import (Instructor Guide "How do I import grades in the Gradebook?",
  checked against the 2024 guide): the columns ``Student`` ("Last, First"), ``ID`` (Canvas user id: the roster's
  LMS user id), ``SIS User ID`` (the student id), ``SIS Login ID`` (the e-mail) and ``Section`` (empty), then
  one column per assignment (a new name creates the assignment; an existing one is matched by name), and
  the ``Points Possible`` row Canvas writes in its own export.
- ``moodle``: Moodle 4.x grade import "CSV file" (``grade/import/csv``, read in moodle/moodle at 0289d8c):
  ``First name``, ``Last name``, ``ID number`` (the student id), ``Email address``, then one column per
  assignment; at import, map users by ``Email address`` (or ``ID number``) and each column to a grade item.
"""

import csv

from nbgrader.api import Gradebook

from grading.pipeline import grades

FORMATS = ("canvas", "moodle")


class FormatError(ValueError):
    """An unknown export format; the message names the known ones."""


def _text(value):
    """A name or e-mail as a spreadsheet cell that stays text: one starting like a formula gets a leading ``'``
    (a student may choose their name on the platform; the lecturer may open the file in a spreadsheet)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def roster(course):
    """``[{id, first_name, last_name, email, lms_user_id}]`` of the gradebook's students, sorted by id."""
    with Gradebook(course.gradebook_url) as gradebook:
        return sorted(
            (
                {k: getattr(s, k) or "" for k in ("id", "first_name", "last_name", "email", "lms_user_id")}
                for s in gradebook.students
            ),
            key=lambda s: s["id"],
        )


def maxima(course, assignments):
    """``{assignment: points}`` from the gradebook's assignments (as released)."""
    with Gradebook(course.gradebook_url) as gradebook:
        return {a.name: a.max_score for a in gradebook.assignments if a.name in assignments}


def export(course, fmt, assignments=None, students=None):
    """Write ``reports/grades_<fmt>.csv``; returns its path.  Raises :class:`FormatError` for an unknown format."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown FORMAT {fmt!r}: choose one of {', '.join(FORMATS)} (or none for grades.csv)")
    rows = grades.summary_rows(course, assignments, students)
    scores = {(r["student"], r["assignment"]): r["score"] for r in rows}
    columns = [a for a in assignments or course.assignments() if any(r["assignment"] == a for r in rows)]
    people = [p for p in roster(course) if not students or p["id"] in students]
    path = course.reports / f"grades_{fmt}.csv"
    course.reports.mkdir(exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if fmt == "canvas":
            writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns])
            points = maxima(course, columns)
            writer.writerow(["Points Possible", "", "", "", "", *(f"{points.get(a, 0):g}" for a in columns)])
            for p in people:
                name = ", ".join(x for x in (p["last_name"], p["first_name"]) if x) or p["id"]
                cells = [scores.get((p["id"], a), "") for a in columns]
                writer.writerow([*map(_text, (name, p["lms_user_id"], p["id"], p["email"])), "", *cells])
        else:
            writer.writerow(["First name", "Last name", "ID number", "Email address", *columns])
            for p in people:
                cells = [scores.get((p["id"], a), "") for a in columns]
                writer.writerow([*map(_text, (p["first_name"], p["last_name"], p["id"], p["email"])), *cells])
    return path
