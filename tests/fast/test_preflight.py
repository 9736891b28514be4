"""preflight names what makes a submitted notebook ungradable, on small notebooks written to tmp_path."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grading.pipeline.autograde import preflight


def cell(grade_id, grade, solution, source="pass"):
    c = new_code_cell(source)
    c.metadata["nbgrader"] = {
        "grade_id": grade_id,
        "grade": grade,
        "solution": solution,
        "locked": not solution,
        "schema_version": 3,
        **({"points": 1} if grade else {}),
    }
    return c


def source_notebook():
    return new_notebook(cells=[cell("imports", False, False), cell("f", False, True), cell("test_f", True, False)])


def write(path, notebook):
    nbformat.write(notebook, path)
    return path


def test_a_good_submission_passes(tmp_path):
    source = write(tmp_path / "source.ipynb", source_notebook())
    assert preflight(write(tmp_path / "nb.ipynb", source_notebook()), source) == ""


def test_file_problems_are_named(tmp_path):
    (tmp_path / "empty.ipynb").write_bytes(b"")
    assert "is empty" in preflight(tmp_path / "empty.ipynb")
    (tmp_path / "latin.ipynb").write_bytes(b'{"cells": "\xe9"}')
    assert "not UTF-8" in preflight(tmp_path / "latin.ipynb")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    assert "not a valid notebook" in preflight(tmp_path / "broken.ipynb")
    (tmp_path / "other.ipynb").write_text("{}")
    assert "rename it?" in preflight(tmp_path / "missing.ipynb")


def test_cell_problems_are_named(tmp_path):
    source = write(tmp_path / "source.ipynb", source_notebook())
    stripped = source_notebook()
    for c in stripped.cells:
        del c.metadata["nbgrader"]
    assert "none of the assignment's nbgrader cells" in preflight(write(tmp_path / "a.ipynb", stripped), source)
    twice = source_notebook()
    twice.cells.append(cell("test_f", True, False))
    assert "more than once: ['test_f']" in preflight(write(tmp_path / "b.ipynb", twice), source)
    no_imports = source_notebook()
    del no_imports.cells[0]
    assert "cannot put back: ['imports']" in preflight(write(tmp_path / "c.ipynb", no_imports), source)
    changed = source_notebook()
    changed.cells[2].metadata["nbgrader"]["grade"] = False
    assert "role" in preflight(write(tmp_path / "d.ipynb", changed), source)
