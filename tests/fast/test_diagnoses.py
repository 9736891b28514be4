"""Each usual mistake, planted in a small function, is named in the failure message (visible checks)."""
import numpy as np
import pytest

from course_utils import activations
from course_utils.checks import CheckFailure, check_function

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5))            # 3 features, m = 5 examples
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
    assert "extra 1/m factor" in text


def test_cost_summed_instead_of_averaged():
    text = message(lambda A, Y: float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))), (A, Y), cost(A, Y),
                   name="compute_cost")
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
    text = message(lambda dA, A1: dA * (1 - A1), (DA, A1), DA * (1 - A1 ** 2), name="dZ1")
    assert "1 - a, which is neither" in text


def test_no_diagnosis_for_an_unrelated_difference():
    text = message(lambda W, X, Y: gradient(W, X, Y) + 0.1, (W, X, Y), gradient(W, X, Y), name="dW")
    assert "values off" in text and "looks like" not in text.lower()


def test_diagnosis_comes_after_the_case():
    text = message(lambda A, Y: Y - A, (A, Y), A - Y, name="dZ", case="five examples")
    assert text.index("in test case 'five examples'") < text.index("looks like the sign is wrong")
