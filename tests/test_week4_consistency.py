"""Week 4's two notebooks agree with each other, and reproduce the classic cat / non-cat results.

1. ``deep_network_application`` gives the building blocks of ``deep_network_step_by_step`` as
   provided code (one locked cell, grade_id ``building_blocks``). Each function there must be the
   step-by-step notebook's solution, character for character, once the ``### BEGIN SOLUTION`` and
   ``### END SOLUTION`` marker lines are taken out of the latter.
2. With the classic cat / non-cat files present, the solution code of both notebooks (the
   step-by-step notebook's exercise cells, then the application's) trains the two-layer network
   (12288, 7, 1) with seed 3 and the four-layer network [12288, 20, 7, 5, 1] from the classic
   exercise's initial draw (NumPy's legacy generator seeded with 1, W[l] scaled by 1/sqrt(n[l-1])),
   2500 iterations at learning rate 0.0075, and reproduces the classic 72 % and 80 % test accuracy.
   The code runs outside Jupyter with BLAS held to one thread (as in test_cat_results_week2: under
   ``pytest -n 2`` a second BLAS thread would compete with the other worker).
"""
import ast
import difflib

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from course_utils.datasets import cat_data_dir, load_cat_data
from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, nbgrader_meta, solution_cells, solution_namespace, source_text, strip_markers

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
    assert meta.get("locked") and not meta.get("grade") and not meta.get("solution"), \
        "the provided-code cell must be locked (read-only), not graded and not a solution cell"
    source = source_text(cell)
    assert "### BEGIN SOLUTION" not in source and "### END SOLUTION" not in source
    provided, solutions = functions(source), step_solutions()
    assert sorted(provided) == sorted(BUILDING_BLOCKS), f"the provided cell defines {sorted(provided)}"
    for name in BUILDING_BLOCKS:
        assert name in solutions, f"{name} is not defined in an exercise cell of {STEP.name}"
        if provided[name] != solutions[name]:
            diff = "\n".join(difflib.unified_diff(solutions[name].splitlines(), provided[name].splitlines(),
                                                  STEP.name, APPLICATION.name, lineterm=""))
            pytest.fail(f"{name} differs between the two notebooks:\n{diff}")


def test_application_exercises_do_not_redefine_building_blocks():
    for grade_id, source in solution_cells(load(APPLICATION)).items():
        redefined = set(functions(strip_markers(source))) & set(BUILDING_BLOCKS)
        assert not redefined, f"exercise cell {grade_id} redefines {sorted(redefined)}"


def classic_start(layer_dims):
    """The classic exercise's initial parameters: legacy generator, seed 1, W[l] / sqrt(n[l-1])."""
    legacy = np.random.RandomState(1)
    start = {}
    for l in range(1, len(layer_dims)):
        start[f"W{l}"] = legacy.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        start[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return start


def test_cat_accuracies_match_the_known_results():
    folder = cat_data_dir()
    if folder is None:
        pytest.skip("classic cat / non-cat files not found in data/, ../shared/data or $COURSE_CAT_DATA")
    ns = solution_namespace(STEP, APPLICATION)
    cats = load_cat_data(folder)
    X_train = cats.train_x.reshape(cats.train_x.shape[0], -1).T / 255
    X_test = cats.test_x.reshape(cats.test_x.shape[0], -1).T / 255
    four_layers = [12288, 20, 7, 5, 1]

    with threadpool_limits(limits=1):
        two, costs_two = ns["two_layer_model"](X_train, cats.train_y, (12288, 7, 1), learning_rate=0.0075,
                                               num_iterations=2500, seed=3)
        four, costs_four = ns["L_layer_model"](X_train, cats.train_y, four_layers, learning_rate=0.0075,
                                               num_iterations=2500, initial_parameters=classic_start(four_layers))

    def accuracy(parameters, X, Y):
        return round(100 * float(np.mean(ns["predict"](X, parameters) == Y)), 2)

    assert (accuracy(two, X_test, cats.test_y), accuracy(four, X_test, cats.test_y)) == (72.0, 80.0)
    assert (accuracy(two, X_train, cats.train_y), accuracy(four, X_train, cats.train_y)) == (100.0, 98.56)
    assert len(costs_two) == len(costs_four) == 25
    assert costs_two[-1] < costs_two[0] and costs_four[-1] < costs_four[0]
