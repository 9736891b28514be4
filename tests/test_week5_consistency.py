"""Week 5's notebooks give week 4's building blocks as provided code, unchanged.

Both ``week5_regularization`` and ``week5_optimization`` hold one locked, ungraded cell with grade_id
``building_blocks``; each function there must be the step-by-step notebook's solution, character for
character (as ``test_week4_consistency`` checks for the week 4 application notebook), and no exercise
cell of week 5 may redefine one of them.
"""

import difflib

import pytest
from test_week4_consistency import BUILDING_BLOCKS, PROVIDED_ID, STEP, functions, step_solutions

from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, nbgrader_meta, solution_cells, source_text, strip_markers

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

WEEK5 = {
    "week5_regularization": COURSE_ROOT / "notebooks" / "week5_regularization" / "regularization.ipynb",
    "week5_optimization": COURSE_ROOT / "notebooks" / "week5_optimization" / "optimization.ipynb",
}


@pytest.mark.parametrize("assignment", sorted(WEEK5))
def test_provided_building_blocks_are_the_step_by_step_solutions(assignment):
    notebook = load(WEEK5[assignment])
    cells = [c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == PROVIDED_ID]
    assert len(cells) == 1, f"{assignment} should have one cell with grade_id {PROVIDED_ID!r}"
    meta = nbgrader_meta(cells[0])
    assert meta.get("locked") and not meta.get("grade") and not meta.get("solution")
    provided, solutions = functions(source_text(cells[0])), step_solutions()
    assert sorted(provided) == sorted(BUILDING_BLOCKS), f"the provided cell defines {sorted(provided)}"
    for name in BUILDING_BLOCKS:
        if provided[name] != solutions[name]:
            diff = "\n".join(
                difflib.unified_diff(
                    solutions[name].splitlines(),
                    provided[name].splitlines(),
                    STEP.name,
                    WEEK5[assignment].name,
                    lineterm="",
                )
            )
            pytest.fail(f"{name} differs between {STEP.name} and {assignment}:\n{diff}")


@pytest.mark.parametrize("assignment", sorted(WEEK5))
def test_exercises_do_not_redefine_building_blocks(assignment):
    for grade_id, source in solution_cells(load(WEEK5[assignment])).items():
        redefined = set(functions(strip_markers(source))) & set(BUILDING_BLOCKS)
        assert not redefined, f"exercise cell {grade_id} of {assignment} redefines {sorted(redefined)}"
