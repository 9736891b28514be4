"""Scores out of the gradebook, per submission and per exercise, with the autograde status attached."""

import csv

from nbgrader.api import Gradebook

from grading.pipeline import deadlines
from grading.pipeline.autograde import read_report


def exercise_scores(course, assignments=None, students=None):
    """Rows ``{student, assignment, notebook, exercise, score, max_score, pending}`` for every graded cell;
    ``pending`` is True for a written answer that waits for manual grading (its score is not a 0)."""
    rows = []
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for submission in gradebook.assignment_submissions(assignment.name):
                if students and submission.student_id not in students:
                    continue
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append(
                            {
                                "student": submission.student_id,
                                "assignment": assignment.name,
                                "notebook": notebook.name,
                                "exercise": grade.name,
                                "score": grade.score,
                                "max_score": grade.max_score,
                                "pending": bool(grade.needs_manual_grade),
                            }
                        )
    return sorted(rows, key=lambda r: (r["assignment"], r["student"], r["notebook"]))


def late_penalties(course):
    """``{(student, assignment): points taken off}`` as nbgrader's late policy stored them (late ones only)."""
    with Gradebook(course.gradebook_url) as gradebook:
        return {
            (s.student_id, a.name): s.late_submission_penalty
            for a in gradebook.assignments
            for s in gradebook.assignment_submissions(a.name)
            if s.late_submission_penalty
        }


def manual_on_autograded(course):
    """``[(student, assignment, notebook, exercise, manual_score, auto_score)]``: manual scores set on test cells.

    A manual score overrides the automatic one and survives a regrade; on an autograded (code) cell it is
    either an instructor's deliberate override or a forgery (a script in a submission, run in Formgrader).
    """
    found = []
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    found += [
                        (submission.student_id, assignment.name, notebook.name, g.name, g.manual_score, g.auto_score)
                        for g in notebook.grades
                        if g.manual_score is not None and g.cell.cell_type == "code"
                    ]
    return sorted(found)


SUMMARY = [
    "student",
    "assignment",
    "score",
    "max_score",
    "pending_manual",
    "partial_score",
    "late_penalty",
    "status",
    "reason",
]


def summary_rows(course, assignments=None, students=None):
    """One dict per submission (columns :data:`SUMMARY`), sorted by assignment then student.

    ``score`` is the final score (late penalty taken off) of a submission graded in full.  It is empty for one
    that could not be graded (``ungradable``, with the reason), one the last ``make autograde`` did not grade
    and verify (``unverified``), and one whose written answers still wait for manual grading (``pending``:
    ``pending_manual`` counts them and ``partial_score`` holds the points so far), never a silent 0.
    """
    statuses = {(s.student, s.assignment): s for s in read_report(course)}
    wanted = {
        key for key in statuses if (not assignments or key[1] in assignments) and (not students or key[0] in students)
    }
    totals = {}
    for row in exercise_scores(course, assignments, students):
        key = (row["student"], row["assignment"])
        score, maximum, pending = totals.get(key, (0.0, 0.0, 0))
        totals[key] = (score + row["score"], maximum + row["max_score"], pending + row["pending"])
    penalties = late_penalties(course)
    rows = []
    for key in sorted(set(totals) | wanted, key=lambda k: (k[1], k[0])):
        student, assignment = key
        score, maximum, pending = totals.get(key, (0.0, statuses[key].max_score or 0.0, 0))
        penalty = penalties.get(key, 0.0)
        row = dict(zip(SUMMARY, [student, assignment, "", f"{maximum:g}", str(pending), "", f"{penalty:g}", "", ""]))
        status = statuses.get(key)
        if status is None:
            row.update(status="unverified", reason="not graded and verified by `make autograde`: run it again")
        elif not status.graded:
            row.update(status="ungradable", reason=status.reason)
        elif pending:
            row.update(
                status="pending",
                partial_score=f"{score - penalty:g}",
                reason=f"{pending} written answer(s) wait for manual grading in Formgrader",
            )
        else:
            row.update(status="graded", score=f"{score - penalty:g}")
        rows.append(row)
    return rows


def export(course, assignments=None, students=None):
    """Write ``reports/grades.csv`` (one row per submission, :func:`summary_rows`), ``reports/grades_by_exercise.csv``
    and ``reports/manual_on_autograded.csv`` (every manual score on an autograded cell, to check by hand), for
    the ``assignments`` and ``students`` given (default: all)."""
    deadlines.reapply_penalties(course, assignments)
    course.reports.mkdir(exist_ok=True)
    summary = course.reports / "grades.csv"
    with open(summary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SUMMARY)
        writer.writeheader()
        writer.writerows(summary_rows(course, assignments, students))
    manual = course.reports / "manual_on_autograded.csv"
    with open(manual, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "notebook", "exercise", "manual_score", "auto_score"])
        writer.writerows(manual_on_autograded(course))
    detail = course.reports / "grades_by_exercise.csv"
    fields = ["student", "assignment", "notebook", "exercise", "score", "max_score", "pending"]
    with open(detail, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(exercise_scores(course, assignments, students))
    return summary, detail, manual


def score_table(course, students=None):
    """Text table per assignment: one row per student, one column per exercise, then the total."""
    rows = exercise_scores(course)
    statuses = {(s.student, s.assignment): s for s in read_report(course)}
    lines = []
    for assignment in sorted({r["assignment"] for r in rows}):
        mine = [r for r in rows if r["assignment"] == assignment and (students is None or r["student"] in students)]
        exercises = list(dict.fromkeys(r["exercise"] for r in mine))
        maxima = {r["exercise"]: r["max_score"] for r in mine}
        headers = [e.removeprefix("test_") for e in exercises]
        widths = [max(len(h), 7) for h in headers]
        lines.append(f"\n{assignment}")
        lines.append(f"  {'student':<10}" + "".join(f" {h:>{w}}" for h, w in zip(headers, widths)) + "   total")
        lines.append(
            f"  {'(max)':<10}"
            + "".join(f" {maxima[e]:>{w}g}" for e, w in zip(exercises, widths))
            + f"   {sum(maxima.values()):g}"
        )
        for student in sorted({r["student"] for r in mine}):
            scores = {r["exercise"]: r["score"] for r in mine if r["student"] == student}
            pending = {r["exercise"] for r in mine if r["student"] == student and r["pending"]}
            status = statuses.get((student, assignment))
            if status is None or not status.graded:
                reason = status.reason if status else "not graded and verified by `make autograde`"
                lines.append(f"  {student:<10} {'UNGRADABLE' if status else 'UNVERIFIED'}: {reason}")
                continue
            total = sum(scores.values())
            lines.append(
                f"  {student:<10}"
                + "".join(
                    f" {'pending':>{w}}" if e in pending else f" {scores.get(e, 0):>{w}g}"
                    for e, w in zip(exercises, widths)
                )
                + (f"   {total:g} so far, {len(pending)} pending" if pending else f"   {total:g}")
            )
    return "\n".join(lines)
