"""Record the reference outputs of every source notebook (``make references``).

Running a solution notebook in record mode stores two things in ``references/<assignment>.h5``:
the hidden tests' outputs (written by ``course_utils.references.check_reference`` inside the
kernel) and, under ``cells/<notebook>/<grade_id>``, the check records every test cell emitted,
which the grader compares with a submission's records (see :mod:`grading.verify`).
"""
from pathlib import Path

import h5py

from course_utils import records
from course_utils.references import DIR_VARIABLE, MODE_VARIABLE, reference_dir, write_value

from .execute import run
from .notebook_cells import nbgrader_meta


def cell_records(notebook):
    """``{grade_id: [(label, value, rtol, atol), ...]}`` for the test cells of an executed notebook."""
    return {
        nbgrader_meta(cell)["grade_id"]: records.from_outputs(cell.get("outputs", []))
        for cell in notebook.cells
        if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution")
    }


def store_cell_records(path, notebook_name, found):
    with h5py.File(path, "a") as store:
        group = store.require_group("cells").require_group(Path(notebook_name).stem)
        for grade_id, items in found.items():
            if grade_id in group:
                del group[grade_id]
            cell = group.create_group(grade_id)
            cell.attrs["count"] = len(items)
            for k, (label, value, rtol, atol) in enumerate(items):
                write_value(cell, str(k), value)
                cell[str(k)].attrs.update({"label": label, "rtol": rtol, "atol": atol})


def record(course, assignments=None):
    """Delete and re-record ``references/<assignment>.h5`` for each assignment (default: all); returns the paths."""
    env = {MODE_VARIABLE: "record", DIR_VARIABLE: str(reference_dir()), records.ENV: "1"}
    paths = []
    for assignment in assignments or course.assignments():
        path = reference_dir() / f"{assignment}.h5"
        path.unlink(missing_ok=True)
        for name in course.notebooks(assignment):
            executed = run(course.source / assignment / name, env=env)
            store_cell_records(path, name, cell_records(executed))
        paths.append(path)
    return paths
