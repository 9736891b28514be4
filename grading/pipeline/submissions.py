"""Making submissions from the release: a solved copy, an untouched copy, a copy with a bug.

Used by the demo and the tests; a submission is always derived from the release notebook, the
way a student's file is, never by copying the instructor's source.
"""

import json

from grading.notebook_cells import load, nbgrader_meta, source_text, strip_markers


class MutationError(ValueError):
    """A bug could not be planted because its text is not in the solution."""


def solved(release_nb, source_nb, replacements=None):
    """The release notebook with every solution cell filled in from the source's solution.

    ``replacements`` is ``{grade_id: (old, new)}``: text to replace in that cell's solution, to plant
    a realistic bug.
    """
    solutions = {
        nbgrader_meta(c)["grade_id"]: source_text(c) for c in source_nb["cells"] if nbgrader_meta(c).get("solution")
    }
    notebook = json.loads(json.dumps(release_nb))
    for cell in notebook["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in solutions:
            code = strip_markers(solutions[grade_id])
            if grade_id in (replacements or {}):
                old, new = replacements[grade_id]
                if old not in code:
                    raise MutationError(f"cannot plant the bug in {grade_id!r}: {old!r} is not in its solution")
                code = code.replace(old, new, 1)
            cell["source"] = code
    return notebook


def write(course, student, assignment, notebook_name, notebook):
    folder = course.submitted / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / notebook_name
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def release_and_source(course, assignment, notebook_name):
    return load(course.release_dir / assignment / notebook_name), load(course.source / assignment / notebook_name)
