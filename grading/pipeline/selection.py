"""``ASSIGNMENTS=`` and ``STUDENTS=``: which submissions a step works on, checked before anything is touched."""


class SelectionError(ValueError):
    """A named assignment or student does not fit the step; the message names it and the fix."""


def check(course, assignments, students, folder, step):
    """Raise :class:`SelectionError` for an unknown assignment, or a student without a folder
    ``folder/<student>/<assignment>`` for any of the chosen assignments (did not submit, or not yet at ``step``)."""
    if not assignments and not students:
        return
    unknown = sorted(set(assignments or []) - set(course.assignments()))
    if unknown:
        raise SelectionError(f"unknown assignment(s) {unknown} in ASSIGNMENTS=; choose from {course.assignments()}")
    chosen = assignments or course.assignments()
    absent = sorted(s for s in students or [] if not any((folder / s / a).is_dir() for a in chosen))
    if absent:
        have = (
            sorted(s.name for s in folder.iterdir() if any((s / a).is_dir() for a in chosen)) if folder.is_dir() else []
        )
        shown = ", ".join(have[:10]) + (" ..." if len(have) > 10 else "") or "nobody"
        raise SelectionError(
            f"STUDENTS= names {absent}, who have nothing in {folder.name}/ for {', '.join(chosen)} ({step}); "
            f"check the spelling or drop them: those who have are {shown}"
        )
