"""Week 4's two notebooks agree with each other, and reproduce the classic cat / non-cat results.

1. ``deep_network_application`` gives the building blocks of ``deep_network_step_by_step`` as
   provided code (one locked cell, grade_id ``building_blocks``). Each function there must be the
   step-by-step notebook's solution, character for character, once the ``### BEGIN SOLUTION`` and
   ``### END SOLUTION`` marker lines are taken out of the latter.
2. The application's exercises do not redefine those building blocks.

With the classic cat / non-cat files present, the application notebook itself trains the two-layer
network (12288, 7, 1) with seed 3 and the four-layer network [12288, 20, 7, 5, 1] from the classic
exercise's initial draw (NumPy's legacy generator seeded with 1, W[l] scaled by 1/sqrt(n[l-1])), 2500
iterations at learning rate 0.0075; test_notebooks checks that it prints the classic 72 % and 80 %
test accuracy (100 % and 98.6 % on the training set).  Because of 1., that is the step-by-step
notebook's solution code too.
"""

import ast
import difflib

import pytest

from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, nbgrader_meta, solution_cells, source_text, strip_markers

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

STEP = COURSE_ROOT / "notebooks" / "week4_deep_network_step_by_step" / "deep_network_step_by_step.ipynb"
APPLICATION = COURSE_ROOT / "notebooks" / "week4_deep_network_application" / "deep_network_application.ipynb"
PROVIDED_ID = "building_blocks"
BUILDING_BLOCKS = (
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
)


def functions(source):
    """``{name: source text}`` of the top-level functions that ``source`` defines."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def step_solutions():
    found = {}
    for source in solution_cells(load(STEP)).values():
        found.update(functions(strip_markers(source)))
    return found


def provided_cell():
    cells = [c for c in load(APPLICATION)["cells"] if nbgrader_meta(c).get("grade_id") == PROVIDED_ID]
    assert len(cells) == 1, f"the application notebook should have one cell with grade_id {PROVIDED_ID!r}"
    return cells[0]


def test_provided_building_blocks_are_the_step_by_step_solutions():
    cell = provided_cell()
    meta = nbgrader_meta(cell)
    assert meta.get("locked") and not meta.get("grade") and not meta.get("solution"), (
        "the provided-code cell must be locked (read-only), not graded and not a solution cell"
    )
    source = source_text(cell)
    assert "### BEGIN SOLUTION" not in source and "### END SOLUTION" not in source
    provided, solutions = functions(source), step_solutions()
    assert sorted(provided) == sorted(BUILDING_BLOCKS), f"the provided cell defines {sorted(provided)}"
    for name in BUILDING_BLOCKS:
        assert name in solutions, f"{name} is not defined in an exercise cell of {STEP.name}"
        if provided[name] != solutions[name]:
            diff = "\n".join(
                difflib.unified_diff(
                    solutions[name].splitlines(), provided[name].splitlines(), STEP.name, APPLICATION.name, lineterm=""
                )
            )
            pytest.fail(f"{name} differs between the two notebooks:\n{diff}")


def test_application_exercises_do_not_redefine_building_blocks():
    for grade_id, source in solution_cells(load(APPLICATION)).items():
        redefined = set(functions(strip_markers(source))) & set(BUILDING_BLOCKS)
        assert not redefined, f"exercise cell {grade_id} redefines {sorted(redefined)}"
