"""Week 5's notebooks give week 4's building blocks as provided code, unchanged.

Both ``week5_regularization`` and ``week5_optimization`` hold one locked, ungraded cell with grade_id
``building_blocks`` that tools/provide.py writes (tests/fast/test_provided_cells.py checks it is current);
no exercise cell of week 5 may redefine one of them.
"""

import pytest
from test_week4_consistency import BUILDING_BLOCKS, functions, provide

from grading.notebook_cells import load, solution_cells, strip_markers

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

WEEK5 = {name: path for name, path in provide.PROVIDED.items() if name.startswith("week5_")}


@pytest.mark.parametrize("assignment", sorted(WEEK5))
def test_exercises_do_not_redefine_building_blocks(assignment):
    for grade_id, source in solution_cells(load(WEEK5[assignment])).items():
        redefined = set(functions(strip_markers(source))) & set(BUILDING_BLOCKS)
        assert not redefined, f"exercise cell {grade_id} of {assignment} redefines {sorted(redefined)}"
