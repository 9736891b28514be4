"""Week 4's two notebooks agree with each other, and reproduce the classic cat / non-cat results.

1. ``deep_network_application`` gives the building blocks of ``deep_network_step_by_step`` as
   provided code (one locked cell, grade_id ``building_blocks``) that tools/provide.py writes from the
   step-by-step solutions; tests/fast/test_provided_cells.py checks it is current.
2. The application's exercises do not redefine those building blocks.

With the classic cat / non-cat files present, the application notebook itself trains the two-layer
network (12288, 7, 1) with seed 3 and the four-layer network [12288, 20, 7, 5, 1] from the classic
exercise's initial draw (NumPy's legacy generator seeded with 1, W[l] scaled by 1/sqrt(n[l-1])), 2500
iterations at learning rate 0.0075; test_notebooks checks that it prints the classic 72 % and 80 %
test accuracy (100 % and 98.6 % on the training set).  Because of 1., that is the step-by-step
notebook's solution code too.
"""

import importlib.util

import pytest

from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, solution_cells, strip_markers

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

spec = importlib.util.spec_from_file_location("provide", COURSE_ROOT / "tools" / "provide.py")
provide = importlib.util.module_from_spec(spec)
spec.loader.exec_module(provide)
APPLICATION = provide.PROVIDED["week4_deep_network_application"]
BUILDING_BLOCKS, functions = provide.BUILDING_BLOCKS, provide.functions


def test_application_exercises_do_not_redefine_building_blocks():
    for grade_id, source in solution_cells(load(APPLICATION)).items():
        redefined = set(functions(strip_markers(source))) & set(BUILDING_BLOCKS)
        assert not redefined, f"exercise cell {grade_id} redefines {sorted(redefined)}"
