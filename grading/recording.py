"""``make references``: the solution's check records per test cell, written as reviewable JSON, and their freshness.

``references/<assignment>/<notebook>.json`` holds, for every test cell of the source notebook, the
records its checks emitted when the solution ran under grading conditions (visible checks and
hidden cases alike, with their tolerances), and the checksum of the source notebook's code cells
they came from; a quiz's file also holds the explanation of each answer (:mod:`grading.explanations`),
which the verifier shows after grading.  The records are taken from the executed notebook's outputs,
outside the kernel: nothing a kernel runs can write a reference.  Grading refuses to start while a reference is
missing or older than its notebook (:func:`problems`).  The file's format is
:func:`course_utils.records.write_reference`'s.
"""

import hashlib
import json

import nbformat

from course_utils import records
from course_utils.records import COMMAND, REFERENCES, read_reference, reference_path, write_reference
from grading import explanations
from grading.notebook_cells import is_test_cell, nbgrader_meta, source_text
from grading.run_notebook import run


class StaleReferences(RuntimeError):
    """A reference file is missing or does not match its source notebook; the message says what to run."""


def checksum(notebook):
    """SHA-256 of the code cells' sources of a notebook (a dict or nbformat node), in order."""
    sources = [source_text(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return "sha256:" + hashlib.sha256(json.dumps(sources).encode("utf-8")).hexdigest()


def test_cells(notebook):
    return [cell for cell in notebook["cells"] if is_test_cell(cell)]


def cell_records(executed):
    """``{grade_id: [Record, ...]}`` of the test cells of an executed notebook (see :func:`records.from_outputs`)."""
    return {
        nbgrader_meta(cell)["grade_id"]: records.from_outputs(cell.get("outputs", [])) for cell in test_cells(executed)
    }


def record(course, assignments=None, root=REFERENCES):
    """Run each source notebook as nbgrader's autograde would and write its reference file; returns the paths.

    A notebook whose solution fails a test, or writes to stderr, raises
    :class:`grading.run_notebook.NotebookFailure` and leaves its old reference untouched.
    """
    paths = []
    for assignment in assignments or course.assignments():
        for name in course.notebooks(assignment):
            source = course.source / assignment / name
            executed = run(source, env={"NBGRADER_EXECUTION": "autograde"})
            notebook = nbformat.read(source, as_version=4)
            found = cell_records(executed)
            paths.append(
                write_reference(
                    reference_path(assignment, name, root),
                    assignment,
                    name,
                    checksum(notebook),
                    found,
                    explanations.lines(notebook, found),
                )
            )
    return paths


def problems(course, assignments=None, root=REFERENCES):
    """One sentence per notebook whose reference file is missing, unreadable or out of date."""
    found = []
    for assignment in course.assignments() if assignments is None else assignments:
        for name in course.notebooks(assignment):
            path = reference_path(assignment, name, root)
            again = f"run `{COMMAND} ASSIGNMENTS={assignment}`"
            if not path.is_file():
                found.append(f"{path} is missing: {again}")
                continue
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))["source_checksum"]
            except (ValueError, KeyError, TypeError) as exc:
                found.append(f"{path} cannot be read ({type(exc).__name__}): {again}")
                continue
            source = nbformat.read(course.source / assignment / name, as_version=4)
            if stored != checksum(source):
                found.append(f"{path} was recorded from another version of {assignment}/{name}: {again}")
            elif set(read_reference(path)["cells"]) != {nbgrader_meta(c)["grade_id"] for c in test_cells(source)}:
                found.append(f"{path} does not cover the test cells of {assignment}/{name}: {again}")
    return found


def require_current(course, assignments=None, root=REFERENCES):
    """Raise :class:`StaleReferences` naming every missing or outdated reference and the command to run."""
    found = problems(course, assignments, root)
    if found:
        raise StaleReferences("cannot grade: the references are not current.\n  " + "\n  ".join(found))
