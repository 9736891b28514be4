"""Week 2's logistic regression reproduces the classic cat / non-cat result: 99.04 % train, 70 % test.

The known result holds for exactly this setup: zero initialisation, 2000 gradient-descent steps at
learning rate 0.005, pixels divided by 255.  The test runs the code of the source notebook's exercise
cells (nbgrader ``solution: true``) outside Jupyter, which takes about a second instead of a kernel
start and a full notebook run.  BLAS is held to one thread: these matrix-vector products gain nothing
from a second thread, and on a busy two-core machine a second thread makes them several times slower.
"""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from course_utils.datasets import cat_data_dir, load_cat_data
from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, solution_cells

NOTEBOOK = COURSE_ROOT / "notebooks" / "week2_logistic_regression" / "logistic_regression.ipynb"


def exercise_namespace(path):
    """Execute the exercise cells of a source notebook and return the names they define."""
    namespace = {"np": np}
    for grade_id, source in solution_cells(load(path)).items():
        exec(compile(source, f"{path.name}[{grade_id}]", "exec"), namespace)
    return namespace


def test_cat_accuracies_match_the_known_result():
    folder = cat_data_dir()
    if folder is None:
        pytest.skip("classic cat files not found in ../shared/data or $COURSE_CAT_DATA")
    ns = exercise_namespace(NOTEBOOK)
    cats = load_cat_data(folder)
    X_train = ns["flatten_images"](cats.train_x) / 255
    X_test = ns["flatten_images"](cats.test_x) / 255

    with threadpool_limits(limits=1):
        result = ns["model"](X_train, cats.train_y, X_test, cats.test_y, num_iterations=2000, learning_rate=0.005)

    train = 100 - np.mean(np.abs(result["Y_prediction_train"] - cats.train_y)) * 100
    test = 100 - np.mean(np.abs(result["Y_prediction_test"] - cats.test_y)) * 100
    assert (round(train, 2), round(test, 2)) == (99.04, 70.0)
    assert len(result["costs"]) == 20
