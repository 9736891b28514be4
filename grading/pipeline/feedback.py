"""`make feedback`: ``nbgrader generate_feedback``, for the whole course at once where it can.

Its page is made by :mod:`grading.plugins.feedback_page`.

nbgrader copies every other file of the autograded folder next to the page (the kernel's IPython
history among them, which holds every cell's source); :func:`generate` removes what is not HTML.
"""

from grading.course import NBGRADER_FILES
from grading.pipeline import deadlines
from grading.pipeline.autograde import bounds_problem


def _nbgrader_file(path):
    """One of nbgrader's small files at the folder's top (``NBGRADER_FILES``), which ``release_feedback`` reads."""
    return (
        path.name in NBGRADER_FILES
        and not path.is_symlink()
        and path.stat().st_size < 256
        and path.read_bytes()
        .strip()
        .replace(b"-", b"")
        .replace(b":", b"")
        .replace(b" ", b"")
        .replace(b".", b"")
        .isalnum()
    )


def remove_extras(folder):
    """Delete every file under a feedback folder but the HTML pages and nbgrader's own files; returns them."""
    extras = [
        p
        for p in sorted(folder.rglob("*"), reverse=True)
        if (p.is_file() or p.is_symlink()) and p.suffix != ".html" and not (p.parent == folder and _nbgrader_file(p))
    ]
    for path in extras:
        path.unlink()
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return extras


def _unfit(course, assignment, student):
    """Why a student's autograded notebooks are too large to render (``""`` when they fit)."""
    found = [
        bounds_problem(course.autograded / student / assignment / nb, course.source / assignment / nb)
        for nb in course.notebooks(assignment)
        if (course.autograded / student / assignment / nb).is_file()
    ]
    return "; ".join(p for p in found if p)


def _render(course, assignment, fit):
    """``nbgrader generate_feedback`` of ``assignment`` (a name, or ``*`` for all) for the students in ``fit``."""
    exclude = f"--CourseDirectory.student_id_exclude={','.join(s for s in course.students() if s not in fit)}"
    return course.nbgrader("generate_feedback", assignment, "--force", exclude)


def generate(course, assignments=None, students=None):
    """``nbgrader generate_feedback``; returns ``{label: error text}`` for failures.

    A notebook too large to render is left out with its reason (``"<assignment> (<student>)"``), and
    when nbgrader fails on an assignment each student is rendered alone: one student's bad file
    never stops another's feedback.  ``students`` limits it to those (default: everyone autograded); the late
    penalties are recomputed first from the current scores (:func:`grading.pipeline.deadlines.reapply_penalties`).
    The whole course with every notebook fit to render is one nbgrader process (its start costs about 3 CPU s);
    otherwise, or when that process fails, one per assignment.
    """
    deadlines.reapply_penalties(course, assignments)
    failures, plan = {}, {}
    for assignment in assignments or course.assignments():
        chosen = [
            s
            for s in course.students()
            if (course.autograded / s / assignment).is_dir() and (not students or s in students)
        ]
        unfit = {s: reason for s in chosen if (reason := _unfit(course, assignment, s))}
        for student, reason in unfit.items():
            failures[f"{assignment} ({student})"] = reason
        if fit := [s for s in chosen if s not in unfit]:
            plan[assignment] = fit
    whole = sorted(assignments or course.assignments()) == course.assignments() and plan and not failures
    if not (whole and _render(course, "*", {s for fit in plan.values() for s in fit}).returncode == 0):
        for assignment, fit in plan.items():
            if _render(course, assignment, fit).returncode != 0:
                for student in fit:
                    alone = course.nbgrader("generate_feedback", assignment, "--force", "--student", student)
                    if alone.returncode != 0:
                        failures[f"{assignment} ({student})"] = (alone.stdout + alone.stderr)[-2000:]
    for assignment, fit in plan.items():
        for student in fit:
            if (course.feedback_dir / student / assignment).is_dir():
                remove_extras(course.feedback_dir / student / assignment)
    return failures
