"""Every source notebook is well formed, committed clean, and runs top to bottom with its tests passing.

The week 4 application notebook's optional section trains the classic cat / non-cat networks when those
files are present; its printed accuracies must be the classic ones (see test_week4_consistency for the
setup).  That run is the only cat training of the suite, so the two tests that read it share one worker.
"""

import ast
import json
from pathlib import Path

import pytest
from nbgrader.validator import Validator

from course_utils.datasets import cat_data_dir
from grading.notebook_cells import grade_cells, is_test_cell, nbgrader_meta, solution_cells, source_text
from grading.run_notebook import run

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
IDS = [p.parent.name for p in NOTEBOOKS]
APPLICATION = ROOT / "notebooks" / "week4_deep_network_application" / "deep_network_application.ipynb"
CAT_GROUP = pytest.mark.xdist_group("cat_training")
RUNS = [pytest.param(p, marks=CAT_GROUP) if p == APPLICATION else p for p in NOTEBOOKS]
CLASSIC_CAT_LINES = (
    "two layers : train accuracy 100.0 %, test accuracy 72.0 %",
    "four layers: train accuracy 98.6 %, test accuracy 80.0 %",
)


@pytest.fixture(scope="module")
def executed():
    """``executed(path)``: the notebook at ``path`` run top to bottom, once per worker."""
    done = {}

    def get(path):
        if path not in done:
            done[path] = run(path)
        return done[path]

    return get


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/<assignment>/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_structure(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c["cell_type"] == "code"), (
        "notebook committed with outputs: run `make clean-notebooks`"
    )
    ids = [nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    points = grade_cells(notebook)
    assert points and all(p > 0 for p in points.values())
    assert set(solution_cells(notebook)), "no exercise cell"
    for cell in cells:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            assert meta.get("locked"), f"test cell {meta['grade_id']} must be locked"
            asserts = [node for node in ast.walk(ast.parse(source_text(cell))) if isinstance(node, ast.Assert)]
            assert not asserts, f"test cell {meta['grade_id']} uses a bare assert: check with course_utils.checks"
    first_code = next(source_text(c) for c in cells if c["cell_type"] == "code")
    assert f'ASSIGNMENT = "{path.parent.name}"' in first_code


@pytest.mark.parametrize("path", RUNS, ids=IDS)
def test_solution_notebook_runs_with_all_tests_passing(path, executed):
    """Every cell runs, and nbgrader's validator (JupyterLab's Validate) finds no test cell failed or partly
    scored in the executed notebook: a test cell whose output is a value would read as partial credit."""
    failed = Validator()._get_failed_cells(executed(path))
    assert not failed, [nbgrader_meta(c).get("grade_id") for c in failed]


@CAT_GROUP
def test_cat_section_reproduces_the_classic_accuracies(executed):
    if cat_data_dir() is None:
        pytest.skip("classic cat / non-cat files not found in data/, ../shared/data or $COURSE_CAT_DATA")
    printed = "".join(
        o.get("text", "")
        for c in executed(APPLICATION).cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    missing = [line for line in CLASSIC_CAT_LINES if line not in printed]
    assert not missing, f"the cat section did not print {missing}"
