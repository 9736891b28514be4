"""Activation functions in layer form, numerically stable.

Every forward takes ``Z`` of shape ``(n, m)`` and returns ``(A, cache)`` with ``A`` of the
same shape; ``cache`` is ``Z`` (for leaky ReLU the pair ``(Z, slope)``).  Every backward takes
``(dA, cache)`` and returns ``dZ`` with the shape of ``Z``.  For softmax with the cross-entropy
cost the output-layer gradient is simply ``dZ = A - Y``; ``softmax_backward`` is the general
Jacobian-vector product, for a softmax followed by any other cost.

No forward here overflows or warns for inputs such as +-1000: a warning on stderr would cost
a student the points of an nbgrader test.
"""

import numpy as np


def _sigmoid(Z):
    # exp is only ever taken of a non-positive number, so it cannot overflow.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid(Z):
    """Logistic sigmoid 1 / (1 + exp(-Z)). Returns ``(A, cache)``."""
    Z = np.asarray(Z, dtype=float)
    return _sigmoid(Z), Z


def sigmoid_backward(dA, cache):
    """dZ = dA * s * (1 - s) with s = sigmoid(Z)."""
    s = _sigmoid(cache)
    return dA * s * (1.0 - s)


def tanh(Z):
    """Hyperbolic tangent. Returns ``(A, cache)``."""
    Z = np.asarray(Z, dtype=float)
    return np.tanh(Z), Z


def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)**2)."""
    return dA * (1.0 - np.tanh(cache) ** 2)


def relu(Z):
    """Rectified linear unit max(0, Z). Returns ``(A, cache)``."""
    Z = np.asarray(Z, dtype=float)
    return np.maximum(0.0, Z), Z


def relu_backward(dA, cache):
    """dZ = dA where Z > 0, else 0 (the subgradient at 0 is taken as 0)."""
    return np.where(cache > 0, dA, 0.0)


def leaky_relu(Z, slope=0.01):
    """max(slope * Z, Z). Returns ``(A, cache)`` with cache ``(Z, slope)``."""
    Z = np.asarray(Z, dtype=float)
    return np.where(Z > 0, Z, slope * Z), (Z, slope)


def leaky_relu_backward(dA, cache):
    """dZ = dA where Z > 0, else slope * dA."""
    Z, slope = cache
    return np.where(Z > 0, dA, slope * dA)


def softmax(Z):
    """Column-wise softmax: each column of ``Z`` (classes, m) becomes a probability vector.

    The column maximum is subtracted first, which leaves the result unchanged and keeps
    ``exp`` from overflowing for large logits.  Returns ``(A, cache)`` with cache ``Z``, like
    every other forward here (and like the softmax exercise of week 4).
    """
    Z = np.asarray(Z, dtype=float)
    return _softmax(Z), Z


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def softmax_backward(dA, cache):
    """Jacobian-vector product of softmax: dZ = A * (dA - sum(A * dA) over classes), A = softmax(Z)."""
    A = _softmax(cache)
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


FORWARD = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu, "softmax": softmax}
BACKWARD = {
    "sigmoid": sigmoid_backward,
    "tanh": tanh_backward,
    "relu": relu_backward,
    "leaky_relu": leaky_relu_backward,
    "softmax": softmax_backward,
}
