"""course_utils.runtime: demo budgets and quiet figures act under nbgrader only, never in a student's run."""

import json
import os
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import runtime
from course_utils.plotting import show_images

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

GRADING = "NBGRADER_EXECUTION"


@pytest.mark.parametrize(
    "mode, expected",
    [(None, "full"), ("", "full"), ("feedback", "full"), ("autograde", "graded"), ("validate", "graded")],
)
def test_budget_shortens_only_under_grading(monkeypatch, mode, expected):
    if mode is None:
        monkeypatch.delenv(GRADING, raising=False)
    else:
        monkeypatch.setenv(GRADING, mode)
    assert runtime.under_grading() == (expected == "graded")
    assert runtime.budget("full", "graded") == expected
    assert runtime.budget([1, 2, 3, 4, 5, 20, 50], [1, 50]) == (
        [1, 50] if expected == "graded" else [1, 2, 3, 4, 5, 20, 50]
    )


# A student's kernel imports pyplot and course_utils in either order; pyplot's backend here is "svg",
# so a switch to Agg shows.
PROBE = """
import json, sys
first, second = sys.argv[1:]
__import__(first); __import__(second)
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
layout = type(fig).tight_layout.__name__
plt.show()
print(json.dumps({"backend": plt.get_backend().lower(), "show": plt.show.__name__, "layout": layout,
                  "open_after_show": len(plt.get_fignums())}))
"""


def probe(mode, order):
    env = {k: v for k, v in os.environ.items() if k != GRADING}
    env["MPLBACKEND"] = "svg"
    if mode:
        env[GRADING] = mode
    result = subprocess.run([sys.executable, "-c", PROBE, *order], env=env, capture_output=True, text=True, check=True)
    assert result.stderr == "", result.stderr  # under grading, anything on stderr would cost points
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "mode, order", [(None, ("course_utils", "matplotlib.pyplot")), (None, ("matplotlib.pyplot", "course_utils"))]
)
def test_figures_untouched_in_a_students_run(mode, order):
    assert probe(mode, order) == {"backend": "svg", "show": "show", "layout": "tight_layout", "open_after_show": 1}


@pytest.mark.parametrize(
    "mode, order",
    [("autograde", ("matplotlib.pyplot", "course_utils")), ("validate", ("course_utils", "matplotlib.pyplot"))],
)
def test_figures_quiet_under_grading(mode, order):
    """pyplot imported before or after course_utils: Agg, no layout, show() closes the figures."""
    assert probe(mode, order) == {
        "backend": "agg",
        "show": "_close_figures",
        "layout": "_no_layout",
        "open_after_show": 0,
    }


def test_show_images_builds_one_axes_under_grading_only(monkeypatch):
    images = np.zeros((16, 8, 8))
    monkeypatch.delenv(GRADING, raising=False)
    assert show_images(images, np.zeros((1, 16))).size == 16
    monkeypatch.setenv(GRADING, "autograde")
    assert show_images(images, np.zeros((1, 16))).size == 1
    plt.close("all")
