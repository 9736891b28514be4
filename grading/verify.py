"""Verify autograded test cells against the solution's check records, outside the student's process.

nbgrader awards a test cell its points when the cell shows no error.  Student code runs in the same
process as the tests and could hide an error (a custom exception handler, a patched check).  The
checks therefore emit records of the values they checked (``course_utils.records``); here, for each
test cell that nbgrader scored above zero, the records must match those of the instructor's
solution (same labels in the same order, values within the solution's tolerances), or the points
are withdrawn.  A cheat can only lose points this way, never gain them.
"""
from pathlib import Path

import h5py

from course_utils import records
from course_utils.checks import first_problem
from course_utils.references import read_value, reference_dir

from .notebook_cells import load, nbgrader_meta


class MissingReferences(RuntimeError):
    """The reference file has no check records for a notebook: run `make references`."""


def expected_records(assignment, notebook_name):
    """``{grade_id: [(label, value, rtol, atol)]}`` recorded from the solution."""
    path = reference_dir() / f"{assignment}.h5"
    stem = Path(notebook_name).stem
    try:
        with h5py.File(path, "r") as store:
            group = store["cells"][stem]
            return {
                grade_id: [
                    (cell[str(k)].attrs["label"], read_value(cell[str(k)]), float(cell[str(k)].attrs["rtol"]),
                     float(cell[str(k)].attrs["atol"]))
                    for k in range(int(cell.attrs["count"]))
                ]
                for grade_id, cell in group.items()
            }
    except (OSError, KeyError) as exc:
        raise MissingReferences(f"{path} has no check records for {notebook_name}: run `make references`") from exc


def cell_problem(found, expected):
    """Why the records ``found`` in a cell do not match ``expected``, or ``""``.

    Each expected record is matched with the next record of the same label (extra records with
    other labels are ignored); its value must be within the solution's tolerances.
    """
    position = 0
    for label, value, rtol, atol in expected:
        match = next((i for i in range(position, len(found)) if found[i][0] == label), None)
        if match is None:
            return f"no record of the check {label!r}"
        problem = first_problem(found[match][1], value, name=label, rtol=rtol, atol=atol)
        if problem:
            return problem
        position = match + 1
    return ""


def verify(course, gradebook, assignment, student):
    """Withdraw the points of test cells whose records do not match; returns ``[(grade_id, reason)]``."""
    withdrawn = []
    for name in course.notebooks(assignment):
        expected = expected_records(assignment, name)
        notebook = load(course.autograded / student / assignment / name)
        for cell in notebook["cells"]:
            meta = nbgrader_meta(cell)
            if not meta.get("grade") or meta.get("solution") or meta["grade_id"] not in expected:
                continue
            grade = gradebook.find_grade(meta["grade_id"], Path(name).stem, assignment, student)
            if not grade.auto_score:
                continue
            problem = cell_problem(records.from_outputs(cell.get("outputs", [])), expected[meta["grade_id"]])
            if problem:
                grade.auto_score = 0.0
                withdrawn.append((meta["grade_id"], problem))
    gradebook.db.commit()
    return withdrawn
