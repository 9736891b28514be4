import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_utils import activations as act
from course_utils.gradcheck import relative_difference

EXTREME = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
finite = st.floats(-1e3, 1e3, allow_nan=False)


@pytest.mark.parametrize("name", sorted(act.FORWARD))
def test_forward_is_warning_free_and_finite_on_extreme_inputs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A, _ = act.FORWARD[name](EXTREME.T @ np.ones((1, 3)))
    assert A.shape == (5, 3)
    assert np.all(np.isfinite(A))


def test_sigmoid_values_and_limits():
    A, _ = act.sigmoid(EXTREME)
    assert A[0, 0] == 0.0 and A[0, -1] == 1.0
    np.testing.assert_allclose(act.sigmoid(np.array([[0.0, 2.0]]))[0], [[0.5, 1 / (1 + np.exp(-2))]])


def test_softmax_columns_sum_to_one_for_large_logits():
    Z = np.array([[1000.0, 1.0], [1001.0, 2.0], [999.0, 3.0]])
    A, _ = act.softmax(Z)
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(A[:, 0], act.softmax(Z[:, :1] - 1000)[0][:, 0])


@given(arrays(float, (3, 4), elements=finite))
def test_softmax_is_shift_invariant(Z):
    np.testing.assert_allclose(act.softmax(Z)[0], act.softmax(Z + 7.5)[0], atol=1e-12)


@pytest.mark.parametrize("name", sorted(act.FORWARD))
def test_backward_matches_numerical_derivative(name):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 3)) * 3
    Z[np.abs(Z) < 1e-3] = 0.5  # keep clear of the kink of (leaky) ReLU
    dA = rng.normal(size=Z.shape)
    _, cache = act.FORWARD[name](Z)
    dZ = act.BACKWARD[name](dA, cache)
    assert dZ.shape == Z.shape
    eps = 1e-6
    numeric = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        plus, minus = Z.copy(), Z.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric[index] = np.sum(dA * (act.FORWARD[name](plus)[0] - act.FORWARD[name](minus)[0])) / (2 * eps)
    assert relative_difference(dZ, numeric) < 1e-7


def test_relu_and_leaky_relu_values():
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(act.relu(Z)[0], [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(act.leaky_relu(Z)[0], [[-0.02, 0.0, 3.0]])
    np.testing.assert_array_equal(act.relu_backward(np.ones_like(Z), Z), [[0.0, 0.0, 1.0]])


@pytest.mark.parametrize("name", sorted(act.FORWARD))
def test_every_cache_holds_the_logits_as_the_module_says(name):
    Z = np.array([[0.5, -1.0], [2.0, 0.0]])
    cache = act.FORWARD[name](Z)[1]
    np.testing.assert_array_equal(cache[0] if name == "leaky_relu" else cache, Z)
