"""Numerical gradient checking with centred differences.

Works on any scalar function of a parameter dict, e.g. ``cost(parameters)`` with
``parameters = {"W1": ..., "b1": ...}``.  Analytic gradients may be keyed either like the
parameters (``"W1"``) or with the course's ``d`` prefix (``"dW1"``).
"""
import numpy as np


def _scalar(value):
    value = np.asarray(value, dtype=float)
    if value.size != 1:
        raise ValueError(f"the function to differentiate must return a scalar cost, got shape {value.shape}")
    return value.item()


def numerical_gradient(f, parameters, epsilon=1e-7):
    """Centred-difference gradient of the scalar ``f(parameters)``.

    Returns a dict with the keys and shapes of ``parameters``; each entry is
    ``(f(theta + eps) - f(theta - eps)) / (2 eps)`` taken one element at a time.
    The caller's arrays are restored before returning.
    """
    grads = {}
    for key, value in parameters.items():
        theta = np.asarray(value, dtype=float)
        probe = dict(parameters)
        probe[key] = theta.copy()
        grad = np.zeros_like(theta)
        for index in np.ndindex(theta.shape):
            original = theta[index]
            probe[key][index] = original + epsilon
            plus = _scalar(f(probe))
            probe[key][index] = original - epsilon
            minus = _scalar(f(probe))
            probe[key][index] = original
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


def gradient_check(f, parameters, grads, epsilon=1e-7, threshold=1e-6):
    """Compare analytic ``grads`` with numerical ones, parameter by parameter.

    Returns ``{parameter: relative difference}``.  Raises ``AssertionError`` naming the
    first parameter whose relative difference exceeds ``threshold`` (or whose gradient has
    the wrong shape).
    """
    numeric = numerical_gradient(f, parameters, epsilon)
    differences = {}
    for key, numgrad in numeric.items():
        grad = np.asarray(_lookup(grads, key))
        if grad.shape != numgrad.shape:
            raise AssertionError(
                f"gradient of {key!r} has shape {grad.shape} but {key!r} has shape {numgrad.shape}"
            )
        differences[key] = relative_difference(grad, numgrad)
        if not differences[key] <= threshold:
            raise AssertionError(
                f"gradient of {key!r} disagrees with the numerical gradient: relative difference "
                f"{differences[key]:.3g} > {threshold:g}; largest entry-wise gap "
                f"{np.max(np.abs(grad - numgrad)):.3g}"
            )
    return differences
