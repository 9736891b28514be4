"""Scores out of the gradebook, per submission and per exercise, with the autograde status attached."""

import csv

from nbgrader.api import Gradebook

from grading.pipeline.autograde import read_report


def exercise_scores(course):
    """Rows ``{student, assignment, notebook, exercise, score, max_score}`` for every graded test cell."""
    rows = []
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
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
                            }
                        )
    return sorted(rows, key=lambda r: (r["assignment"], r["student"], r["notebook"]))


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


def export(course):
    """Write ``reports/grades.csv`` (one row per submission), ``reports/grades_by_exercise.csv`` and
    ``reports/manual_on_autograded.csv`` (every manual score on an autograded cell, to check by hand).

    A submission that could not be graded has an empty score and its reason, never a silent 0; one
    the last ``make autograde`` did not grade and verify (graded by ``nbgrader autograde`` or Formgrader
    directly, or a crash before the report) is ``unverified``, with an empty score too.
    """
    statuses = {(s.student, s.assignment): s for s in read_report(course)}
    rows = exercise_scores(course)
    totals = {}
    for row in rows:
        key = (row["student"], row["assignment"])
        score, maximum = totals.get(key, (0.0, 0.0))
        totals[key] = (score + row["score"], maximum + row["max_score"])
    course.reports.mkdir(exist_ok=True)
    summary = course.reports / "grades.csv"
    with open(summary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "score", "max_score", "status", "reason"])
        # a submission refused before grading (preflight) is in the report only, not in the gradebook
        refused = {key: (0.0, status.max_score or 0.0) for key, status in statuses.items() if key not in totals}
        rows_by_key = {**totals, **refused}
        for (student, assignment), (score, maximum) in sorted(rows_by_key.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            status = statuses.get((student, assignment))
            if status is None:
                writer.writerow(
                    [
                        student,
                        assignment,
                        "",
                        f"{maximum:g}",
                        "unverified",
                        "not graded and verified by `make autograde`: run it again",
                    ]
                )
            elif not status.graded:
                writer.writerow([student, assignment, "", f"{maximum:g}", "ungradable", status.reason])
            else:
                writer.writerow([student, assignment, f"{score:g}", f"{maximum:g}", "graded", ""])
    manual = course.reports / "manual_on_autograded.csv"
    with open(manual, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "notebook", "exercise", "manual_score", "auto_score"])
        writer.writerows(manual_on_autograded(course))
    detail = course.reports / "grades_by_exercise.csv"
    with open(detail, "w", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["student", "assignment", "notebook", "exercise", "score", "max_score"]
        )
        writer.writeheader()
        writer.writerows(rows)
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
        widths = [max(len(h), 5) for h in headers]
        lines.append(f"\n{assignment}")
        lines.append(f"  {'student':<10}" + "".join(f" {h:>{w}}" for h, w in zip(headers, widths)) + "   total")
        lines.append(
            f"  {'(max)':<10}"
            + "".join(f" {maxima[e]:>{w}g}" for e, w in zip(exercises, widths))
            + f"   {sum(maxima.values()):g}"
        )
        for student in sorted({r["student"] for r in mine}):
            scores = {r["exercise"]: r["score"] for r in mine if r["student"] == student}
            status = statuses.get((student, assignment))
            if status is None or not status.graded:
                reason = status.reason if status else "not graded and verified by `make autograde`"
                lines.append(f"  {student:<10} {'UNGRADABLE' if status else 'UNVERIFIED'}: {reason}")
                continue
            lines.append(
                f"  {student:<10}"
                + "".join(f" {scores.get(e, 0):>{w}g}" for e, w in zip(exercises, widths))
                + f"   {sum(scores.values()):g}"
            )
    return "\n".join(lines)
