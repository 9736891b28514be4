"""Every source notebook is well formed, committed clean, and runs top to bottom with its tests passing."""
import ast
import json
from pathlib import Path

import pytest

from grading.execute import run
from grading.notebook_cells import grade_cells, nbgrader_meta, solution_cells, source_text

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
IDS = [p.parent.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/<assignment>/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_structure(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c["cell_type"] == "code"), \
        "notebook committed with outputs: run `make clean-notebooks`"
    ids = [nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    points = grade_cells(notebook)
    assert points and all(p > 0 for p in points.values())
    assert set(solution_cells(notebook)), "no exercise cell"
    for cell in cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked"), f"test cell {meta['grade_id']} must be locked"
            asserts = [node for node in ast.walk(ast.parse(source_text(cell))) if isinstance(node, ast.Assert)]
            assert not asserts, f"test cell {meta['grade_id']} uses a bare assert: check with course_utils.checks"
    first_code = next(source_text(c) for c in cells if c["cell_type"] == "code")
    assert f'ASSIGNMENT = "{path.parent.name}"' in first_code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solution_notebook_runs_with_all_tests_passing(path):
    run(path)
