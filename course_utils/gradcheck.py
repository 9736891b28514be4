"""Numerical gradient checking with centred differences.

Works on any scalar function of a parameter dict, e.g. ``cost(parameters)`` with
``parameters = {"W1": ..., "b1": ...}``.  Analytic gradients may be keyed either like the
parameters (``"W1"``) or with the course's ``d`` prefix (``"dW1"``).

The function under test gets fresh float64 copies at every call (a number stays a Python float), so
code that adds into its arguments cannot disturb the differences.  When the student's code computes
in a lower precision (a float32 cost or gradient), no nudge of 1e-7 can be resolved: the check then
takes the step and the threshold that precision allows, instead of blaming a right gradient.

A test cell checks gradients with :func:`check_gradients`: it fails with :func:`gradient_check`'s
reason and records the analytic gradients as values, which the grader compares with the solution's.
"""

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import records
from .checks import CheckFailure


def _scalar(value):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"the function to differentiate must return a scalar cost, got shape {value.shape}")
    return float(value.item())


def _fresh(parameters, key=None, index=None, step=0.0):
    """A new dict of float64 copies of ``parameters``, entry ``index`` of ``key`` moved by ``step``."""
    probe = {}
    for name, value in parameters.items():
        array = np.array(value, dtype=np.float64)
        if name == key:
            array[index] += step
        probe[name] = array.item() if np.ndim(value) == 0 else array
    return probe


def numerical_gradient(f, parameters, epsilon=1e-7):
    """Centred-difference gradient of the scalar ``f(parameters)``.

    Returns a dict with the keys and shapes of ``parameters``; each entry is
    ``(f(theta + eps) - f(theta - eps)) / (2 eps)`` taken one element at a time, in float64.
    ``f`` gets new copies at every call: the caller's arrays are never touched.
    """
    grads = {}
    for key, value in parameters.items():
        grad = np.zeros(np.shape(value), dtype=np.float64)
        for index in np.ndindex(grad.shape):
            plus = _scalar(f(_fresh(parameters, key, index, epsilon)))
            minus = _scalar(f(_fresh(parameters, key, index, -epsilon)))
            grad[index] = (plus - minus) / (2 * epsilon)
        grads[key] = grad
    return grads


def relative_difference(grad, numgrad):
    """||grad - numgrad|| / (||grad|| + ||numgrad||), 0 when both are zero."""
    grad = np.ravel(np.asarray(grad, dtype=float))
    numgrad = np.ravel(np.asarray(numgrad, dtype=float))
    denominator = np.linalg.norm(grad) + np.linalg.norm(numgrad)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - numgrad) / denominator)


def _lookup(grads, key):
    for name in (f"d{key}", key):
        if name in grads:
            return grads[name]
    raise KeyError(f"no gradient for parameter {key!r}: expected a key 'd{key}' or '{key}', got {sorted(grads)}")


def resolution(*values):
    """Machine epsilon of the lowest floating-point precision among ``values`` (float64's when none is lower)."""
    found = np.finfo(np.float64).eps
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind == "f":
            found = max(found, float(np.finfo(dtype).eps))
    return found


class Differences(dict):
    """``{parameter: relative difference}``, with the ``threshold`` they were held to."""

    def __init__(self, items, threshold):
        super().__init__(items)
        self.threshold = threshold

    @property
    def agree(self):
        return all(value <= self.threshold for value in self.values())


def gradient_check(f, parameters, grads, epsilon=1e-7, threshold=1e-6):
    """Compare analytic ``grads`` with numerical ones, parameter by parameter.

    Returns :class:`Differences`.  Raises ``AssertionError`` naming the first parameter whose relative
    difference exceeds the threshold (or whose gradient has the wrong shape).  When the cost or the
    gradients are in a lower precision than float64, the step and the threshold are those that
    precision can meet (for float32: a step of about 5e-3 and a threshold of about 1e-3).
    """
    analytic = {key: _lookup(grads, key) for key in parameters}
    precision = resolution(np.asarray(f(_fresh(parameters))), *analytic.values())
    if precision > np.finfo(np.float64).eps:
        epsilon, threshold = max(epsilon, precision ** (1 / 3)), max(threshold, 1e4 * precision)
    numeric = numerical_gradient(f, parameters, epsilon)
    differences = Differences({}, threshold)
    for key, numgrad in numeric.items():
        grad = np.asarray(analytic[key])
        if grad.shape != numgrad.shape:
            raise AssertionError(f"gradient of {key!r} has shape {grad.shape} but {key!r} has shape {numgrad.shape}")
        differences[key] = relative_difference(grad, numgrad)
        if not differences[key] <= threshold:
            raise AssertionError(
                f"gradient of {key!r} disagrees with the numerical gradient: relative difference "
                f"{differences[key]:.3g} > {threshold:g}; largest entry-wise gap "
                f"{np.max(np.abs(grad - numgrad)):.3g}"
            )
    return differences


def check_gradients(
    f: Callable[[dict[str, Any]], Any],
    parameters: Mapping[str, Any],
    grads: Mapping[str, Any],
    *,
    name: str,
    case: str = "",
    threshold: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hidden: bool = False,
) -> Differences:
    """Check the analytic ``grads`` of the scalar ``f(parameters)`` against centred differences, in a test cell.

    Records the analytic gradients ``{parameter: gradient}`` as a value labelled ``<name> gradients [<case>]``
    (compared with the solution's within ``rtol``/``atol``, like any checked value: a record of the relative
    differences would fail honest code whose differences are merely smaller than the solution's), then raises
    :class:`CheckFailure` with :func:`gradient_check`'s reason when they disagree (``threshold``: its own).
    ``hidden`` marks the record of a hidden case, whose values a failure's reason never shows.
    Returns the relative differences, for a test that prints them.
    """
    where = records.label(f"{name} gradients", case)
    try:
        analytic = {key: _lookup(grads, key) for key in parameters}
    except KeyError as missing:
        raise CheckFailure(f"{where}: {missing.args[0]}") from None
    records.emit(where, analytic, rtol, atol, hidden=hidden)
    try:
        differences = gradient_check(f, dict(parameters), analytic, threshold=threshold)
    except AssertionError as failure:
        raise CheckFailure(f"{where}: {failure}") from None
    print(f"OK {where}: agree with numerical gradients")
    return differences
