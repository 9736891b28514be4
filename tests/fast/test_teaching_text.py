"""What the notebooks' prose claims, checked against what can be computed (teaching review, section 2.3).

Each test guards one correction: a number stated in the text agrees with an independent computation, a
threshold is stated the way the code applies it, an initialization claim matches what the code does.
"""

import re
from math import erf, sqrt

import numpy as np
import pytest

from course_utils.paths import COURSE_ROOT
from grading.notebook_cells import load, nbgrader_meta, source_text

NOTEBOOKS = COURSE_ROOT / "notebooks"
REGULARIZATION = NOTEBOOKS / "week5_regularization" / "regularization.ipynb"
OPTIMIZATION = NOTEBOOKS / "week5_optimization" / "optimization.ipynb"
STEP_BY_STEP = NOTEBOOKS / "week4_deep_network_step_by_step" / "deep_network_step_by_step.ipynb"


def markdown(path):
    return "\n".join(source_text(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")


def bayes_accuracy(noise, samples=1_000_000, seed=0):
    """Monte Carlo accuracy of the true curve x2 = 0.5 sin(pi x1) on the wavy sets (tools/build_data.py)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, size=(samples, 2))
    height = points[:, 1] - 0.5 * np.sin(np.pi * points[:, 0])
    labels = height + rng.normal(0, noise, samples) > 0
    return 100 * np.mean((height > 0) == labels)


@pytest.mark.parametrize("name, noise", [("wavy_small", 0.25), ("wavy_large", 0.1)])
def test_bayes_accuracy_stated_and_right(name, noise):
    text = markdown(REGULARIZATION)
    stated = re.findall(rf"Bayes accuracy of `{name}` is about (\d+\.\d) %", text) or re.findall(
        rf"for `{name}` \(noise {noise}\) it is about (\d+\.\d) %", text
    )
    assert stated, f"the regularization notebook should state the Bayes accuracy of {name}"
    assert abs(float(stated[0]) - bayes_accuracy(noise)) < 0.2, (stated[0], bayes_accuracy(noise))


def test_bayes_accuracy_by_integration_agrees():
    """The notebook integrates on a grid; the same formula, independently, by Monte Carlo."""
    grid = np.linspace(-1, 1, 401)
    x1, x2 = np.meshgrid(grid, grid)
    height = np.abs(x2 - 0.5 * np.sin(np.pi * x1))
    integrated = 100 * np.mean(np.vectorize(lambda t: 0.5 * (1 + erf(t / sqrt(2))))(height / 0.25))
    assert abs(integrated - bayes_accuracy(0.25)) < 0.2


def test_test_set_noise_is_stated():
    text = markdown(REGULARIZATION)
    assert "within noise" in text
    standard_error = 100 * sqrt(0.90 * 0.10 / 200)
    assert re.search(rf"\\approx {standard_error:.1f}\$? percentage points", text), standard_error


def gradient_check_thresholds():
    cell = next(c for c in load(REGULARIZATION)["cells"] if nbgrader_meta(c).get("grade_id") == "gradient_check_n")
    return [float(t) for t in re.findall(r"difference < (1e-\d+)", source_text(cell))]


def test_gradient_check_thresholds_stated_as_the_code_applies_them():
    thresholds = gradient_check_thresholds()
    assert thresholds == [1e-7, 1e-5]
    text = markdown(REGULARIZATION)
    exponents = {int(e) for e in re.findall(r"\*\*(?:below|between|)\s*\$10\^\{(-\d+)\}", text)}
    exponents |= {int(e) for e in re.findall(r"and \$10\^\{(-\d+)\}\$\*\*", text)}
    assert exponents == {-7, -5}, exponents
    summary = text[text.index("## Summary") :]
    assert "10^{-3}" not in summary, "the summary should not state a third threshold"


def test_no_wrong_momentum_claims():
    text = markdown(OPTIMIZATION)
    assert "adds up" not in text, "with the (1 - beta) form the average of a constant gradient is that gradient"
    assert "rescaled by\n$1/(1-\\beta)$" not in text
    assert "multiplied** by $1 - \\beta$" in text


def test_relu_with_one_over_root_n_is_not_said_to_keep_the_signal():
    text = markdown(STEP_BY_STEP)
    assert "whatever the width: signals and\n  gradients keep their size" not in text
    assert "1/\\sqrt 2" in text


def test_optimization_trains_relu_networks_with_he():
    cells = {nbgrader_meta(c).get("grade_id"): source_text(c) for c in load(OPTIMIZATION)["cells"]}
    assert "initialize_parameters_he(layer_dims, seed)" in cells["model"]
    assert "initialize_parameters_deep(" not in cells["model"]


EXERCISE_NOTEBOOKS = sorted(path for path in NOTEBOOKS.glob("week*/*.ipynb") if "quiz" not in path.parent.name)


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=[path.parent.name for path in EXERCISE_NOTEBOOKS])
def test_every_expected_output_shows_values(path):
    """Each Expected output block prints values to compare (a line with a number that is not an OK line)."""
    blocks = [
        source_text(c)
        for c in load(path)["cells"]
        if c["cell_type"] == "markdown" and source_text(c).startswith("**Expected output**")
    ]
    assert blocks, f"{path.name} has no Expected output block"
    for block in blocks:
        body = block.split("```")[1]
        values = [line for line in body.splitlines() if not line.startswith("OK") and re.search(r"\d", line)]
        assert values, f"{path.name}: an Expected output block shows no value to compare:\n{body}"


SHALLOW = NOTEBOOKS / "week3_shallow_network" / "shallow_network.ipynb"


def test_dz1_is_derived_before_it_is_given_and_checked_numerically():
    """Review section 4: students derive dZ1 on paper, then the gradient checker holds their formula to it."""
    cells = load(SHALLOW)["cells"]
    ids = [nbgrader_meta(c).get("grade_id") for c in cells]
    derivation = next(i for i, c in enumerate(cells) if source_text(c).startswith("### 5.5 Deriving $dZ^{[1]}$"))
    assert derivation < ids.index("dZ1_derived") < ids.index("test_dZ1_derived") < ids.index("backward_propagation")
    steps = source_text(cells[derivation])
    assert steps.count(r"\_\_\_\_") >= 6, "the derivation leaves its steps for the student to fill in"
    visible = source_text(cells[ids.index("test_dZ1_derived")]).split("### BEGIN HIDDEN TESTS")[0]
    assert visible.count("check_gradients(") == 1, "one call of the course's gradient checker, in the visible test"


def test_dev_set_chooses_and_the_test_set_is_used_once():
    """Review section 4 / M2: a sweep of lambda and keep_prob on the dev set, then one test accuracy."""
    cells = load(REGULARIZATION)["cells"]
    demo = [source_text(c) for c in cells if c["cell_type"] == "code" and not nbgrader_meta(c)]
    assert sum(text.count("predict(test_X") for text in demo) == 1, "the test set is evaluated once, for the choice"
    sweep = next(text for text in demo if "chosen = max(settings, key=dev_accuracy.get)" in text)
    assert "lambdas = budget([0.0," in sweep and "keep_probs = budget([1.0," in sweep
    stated = re.search(
        r"The dev set picks `keep_prob` = (0\.\d+).*?test accuracy of (\d+\.\d) %", markdown(REGULARIZATION), re.S
    )
    assert stated, "the notebook states the dev set's choice and its one test accuracy"


EXPLORED = {
    SHALLOW: ("n_h", "learning_rate"),
    STEP_BY_STEP: ("layer_dims", "learning_rate"),
    REGULARIZATION: ("lambd", "keep_prob"),
}


@pytest.mark.parametrize("path", EXPLORED, ids=[path.parent.name for path in EXPLORED])
def test_each_week_3_to_5_has_an_exploration(path):
    calls = [source_text(c) for c in load(path)["cells"] if "exploration = explore(" in source_text(c)]
    assert len(calls) == 1, f"{path.name}: one interactive exploration"
    for slider in EXPLORED[path]:
        assert f'"{slider}": [' in calls[0], f"{path.name}: a slider over {slider}"
