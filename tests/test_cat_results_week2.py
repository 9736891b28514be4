"""Week 2's logistic regression reproduces the classic cat / non-cat result: 99.04 % train, 70 % test.

The known result holds for exactly this setup: zero initialisation, 2000 gradient-descent steps at
learning rate 0.005, pixels divided by 255.  The test runs the code of the source notebook's exercise
cells (nbgrader ``solution: true``) outside Jupyter, which takes about a second instead of a kernel
start and a full notebook run.  BLAS is held to one thread: these matrix-vector products gain nothing
from a second thread, and on a busy two-core machine a second thread makes them several times slower.
"""

import pytest
from threadpoolctl import threadpool_limits

from course_utils.datasets import cat_data_dir, load_cat_data
from course_utils.metrics import accuracy
from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import solution_namespace

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

NOTEBOOK = COURSE_ROOT / "notebooks" / "week2_logistic_regression" / "logistic_regression.ipynb"


def test_cat_accuracies_match_the_known_result():
    folder = cat_data_dir()
    if folder is None:
        pytest.skip("classic cat files not found in ../shared/data or $COURSE_CAT_DATA")
    ns = solution_namespace(NOTEBOOK)
    cats = load_cat_data(folder)
    X_train = ns["flatten_images"](cats.train_x) / 255
    X_test = ns["flatten_images"](cats.test_x) / 255

    with threadpool_limits(limits=1):
        result = ns["model"](X_train, cats.train_y, X_test, cats.test_y, num_iterations=2000, learning_rate=0.005)

    train = accuracy(result["Y_prediction_train"], cats.train_y)
    test = accuracy(result["Y_prediction_test"], cats.test_y)
    assert (round(train, 2), round(test, 2)) == (99.04, 70.0)
    assert len(result["costs"]) == 20
