"""Each usual mistake, planted in a small function, is named in the failure message (visible checks)."""

import numpy as np
import pytest

from course_utils import activations
from course_utils.checks import CheckFailure, check_function

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5))  # 3 features, m = 5 examples
Y = (RNG.random((1, 5)) > 0.5).astype(float)
W = RNG.normal(size=(1, 3))
Z = RNG.normal(size=(4, 5))
DA = RNG.normal(size=(4, 5))


def message(func, args, expected, **kwargs):
    with pytest.raises(CheckFailure) as info:
        check_function(func, args, expected, **kwargs)
    return str(info.value).lower()


def gradient(W, X, Y):
    """dW = (A - Y) X^T / m with A = W X: shape (1, 3)."""
    return (W @ X - Y) @ X.T / X.shape[1]


def cost(A, Y):
    """Cross-entropy averaged over the m examples."""
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


A = 1 / (1 + np.exp(-(W @ X)))


def test_missing_one_over_m():
    text = message(lambda W, X, Y: (W @ X - Y) @ X.T, (W, X, Y), gradient(W, X, Y), name="dW")
    assert "looks like the 1/m factor is missing" in text and "5 times" in text and "m = 5 examples" in text


def test_extra_one_over_m():
    text = message(lambda W, X, Y: gradient(W, X, Y) / 5, (W, X, Y), gradient(W, X, Y), name="dW")
    assert "extra division by m" in text and "1/5 of" in text


def test_cost_summed_instead_of_averaged():
    text = message(
        lambda A, Y: float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))), (A, Y), cost(A, Y), name="compute_cost"
    )
    assert "cost is summed over the examples instead of averaged" in text and "m = 5" in text


def test_transposed_result():
    text = message(lambda W, X, Y: gradient(W, X, Y).T, (W, X, Y), gradient(W, X, Y), name="dW")
    assert "shape (3, 1) but expected (1, 3)" in text and "looks transposed" in text


def test_transposed_square_result():
    square = RNG.normal(size=(3, 3))
    text = message(lambda M: M.T @ np.diag([1.0, 2.0, 3.0]), (square,), np.diag([1.0, 2.0, 3.0]) @ square, name="f")
    assert "looks transposed" in text


def test_wrong_sign():
    text = message(lambda A, Y: Y - A, (A, Y), A - Y, name="dZ")
    assert "the sign is wrong" in text


def test_rank_1_instead_of_column():
    dZ = RNG.normal(size=(4, 5))
    text = message(lambda dZ: np.sum(dZ, axis=1) / 5, (dZ,), np.sum(dZ, axis=1, keepdims=True) / 5, name="db")
    assert "rank-1 array of shape (4,) where a column of shape (4, 1) was expected" in text


def test_derivative_of_the_wrong_activation_on_z():
    expected = activations.sigmoid_backward(DA, Z)
    text = message(lambda dA, Z: dA * (Z > 0), (DA, Z), expected, name="sigmoid_backward")
    assert "derivative of the wrong activation" in text and "relu" in text


def test_derivative_of_the_wrong_activation_without_da():
    s = 1 / (1 + np.exp(-Z))
    text = message(lambda z: 1 - np.tanh(z) ** 2, (Z,), s * (1 - s), name="sigmoid_derivative")
    assert "derivative of the wrong activation" in text and "tanh" in text


def test_tanh_derivative_written_as_one_minus_a():
    A1 = np.tanh(Z)
    text = message(lambda dA, A1: dA * (1 - A1), (DA, A1), DA * (1 - A1**2), name="dZ1")
    assert "1 - a, which is neither" in text


def test_no_diagnosis_for_an_unrelated_difference():
    text = message(lambda W, X, Y: gradient(W, X, Y) + 0.1, (W, X, Y), gradient(W, X, Y), name="dW")
    assert "values off" in text and "looks like" not in text.lower()


def test_diagnosis_comes_first():
    text = message(lambda A, Y: Y - A, (A, Y), A - Y, name="dZ", case="five examples")
    assert text.startswith("looks like the sign is wrong") and "in test case 'five examples'" in text


# ---- each diagnosed bug next to its look-alikes: the message names the cause only when it is the one explanation


def capture(func, args, expected, capsys, **kwargs):
    """``(failure message or "", printed text)`` of a visible check."""
    try:
        check_function(func, args, expected, **kwargs)
        failure = ""
    except CheckFailure as error:
        failure = str(error)
    return failure, capsys.readouterr().out


def l1_loss(yhat, y):
    return float(np.sum(np.abs(yhat - y)))


YHAT, LABELS = np.array([[0.8, 0.1, 0.6, 0.3]]), np.array([[1.0, 0.0, 1.0, 0.0]])


@pytest.mark.parametrize(
    "label, func, args, expected, says, never",
    [
        (
            "mean where a sum belongs",
            lambda yhat, y: float(np.mean(np.abs(yhat - y))),
            (YHAT, LABELS),
            1.0,
            ["extra division by m", "1/4 of"],
            ["twice", "summed"],
        ),
        (
            "a factor that is both m and the number of classes",
            lambda AL, Y: float(-np.mean(Y * np.log(AL))),
            (np.full((3, 3), 0.5), np.eye(3)),
            float(np.log(2)),
            ["1/3 of", "both the number of examples and another size"],
            ["looks like"],
        ),
        (
            "a gradient without 1/m is not a cost",
            lambda W, X, Y: {"db": float(np.sum(W @ X - Y))},
            (W, X, Y),
            {"db": float(np.sum(W @ X - Y)) / 5},
            ["1/m factor is missing", "the value is exactly 5 times"],
            ["cost"],
        ),
        (
            "a cost summed over the examples",
            lambda A, Y: float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))),
            (A, Y),
            cost(A, Y),
            ["1/m factor is missing", "5 times"],
            [],
        ),
        (
            "an unrelated difference",
            lambda W, X, Y: gradient(W, X, Y) + 0.1,
            (W, X, Y),
            gradient(W, X, Y),
            ["values off"],
            ["looks like"],
        ),
        (
            "exp overflow",
            lambda z: 1 / (1 + np.exp(-z)),
            (np.array([[-1000.0, 0.0]]),),
            np.array([[0.0, 0.5]]),
            ["overflow encountered in exp", "numerically stable formula"],
            [],
        ),
        (
            "a log of 0 from a diverging update",
            lambda A: float(-np.sum(np.log(A))),
            (np.array([[0.0, 1.0]]),),
            0.0,
            ["divide by zero encountered in log", "check the signs"],
            ["numerically stable"],
        ),
        (
            "elementwise where a matrix product belongs",
            lambda W, D: W.T * D,
            (np.ones((2, 3)), np.ones((2, 4))),
            np.full((3, 4), 2.0),
            ["`*` multiplies elementwise", "@"],
            [],
        ),
        (
            "Python's max on an array",
            lambda Z: max(0, Z),
            (np.array([[1.0, -1.0]]),),
            np.array([[1.0, 0.0]]),
            ["np.maximum"],
            [],
        ),
    ],
)
def test_each_diagnosis_fires_only_for_its_own_mistake(capsys, label, func, args, expected, says, never):
    failure, _ = capture(func, args, expected, capsys, name="f")
    assert failure, label
    for text in says:
        assert text.lower() in failure.lower(), (label, failure)
    for text in never:
        assert text.lower() not in failure.lower(), (label, failure)


def test_a_shape_that_differs_by_a_factor_is_no_cost():
    from course_utils.checks import check_value

    with pytest.raises(CheckFailure) as info:
        check_value({"A0": (10, 5)}, {"A0": (5, 10)}, name="shapes")
    assert "looks like" not in str(info.value).lower() and "cost" not in str(info.value)


def test_stderr_from_a_right_function_costs_nothing_and_is_shown(capsys):
    import logging
    import sys

    def noisy(yhat, y):
        print("debug: l1 =", l1_loss(yhat, y), file=sys.stderr)
        logging.warning("l1 loss computed")  # with no handler yet (a fresh kernel), logging creates one on stderr
        return l1_loss(yhat, y)

    root, kept = logging.getLogger(), logging.getLogger().handlers[:]
    root.handlers = []
    try:
        failure, shown = capture(noisy, (YHAT, LABELS), 1.0, capsys, name="l1_loss")
        assert not failure and "OK l1_loss" in shown
        assert "l1_loss wrote to stderr" in shown and "debug: l1 = 1.0" in shown and "l1 loss computed" in shown
        assert capsys.readouterr().err == ""
        assert [h.stream for h in root.handlers] == [sys.stderr]  # the handler made during the check is given back
    finally:
        root.handlers = kept


def test_in_place_nudges_undone_within_rounding_pass_and_real_changes_fail(capsys):
    def nudge(P):
        for index in np.ndindex(P.shape):
            P[index] += 1e-7
            P[index] -= 2e-7
            P[index] += 1e-7
        return float(np.sum(P))

    P = RNG.normal(size=(4, 3))
    assert capture(nudge, (P,), float(np.sum(P)), capsys, name="g")[0] == ""

    def update(P):
        P -= 0.01
        return 0.0

    assert "in place" in capture(update, (P.copy(),), 0.0, capsys, name="g")[0]


def test_a_known_mistake_of_an_exercise_is_named_and_look_alikes_are_not(capsys):
    def forgot_biases(dims):
        return sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))

    mistakes = {"looks like the biases are not counted": 15}
    failure, _ = capture(forgot_biases, ([4, 3, 1],), 19, capsys, name="count_parameters", mistakes=mistakes)
    assert failure.startswith("Looks like the biases are not counted") and "is 15 but expected 19" in failure
    failure, _ = capture(lambda dims: 20, ([4, 3, 1],), 19, capsys, name="count_parameters", mistakes=mistakes)
    assert "biases" not in failure and "is 20 but expected 19" in failure


def test_an_integer_count_is_never_given_a_float_tolerance(capsys):
    failure, _ = capture(lambda dims: 20, ([4, 3, 1],), 19, capsys, name="count_parameters")
    assert "tolerance" not in failure and "difference" not in failure
    failure, _ = capture(lambda x: 0.5, (1.0,), 0.25, capsys, name="f")
    assert "tolerance" in failure
