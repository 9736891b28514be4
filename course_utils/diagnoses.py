"""Name the usual mistakes when a result differs from the expected one in a recognisable way.

A student learns more from "looks like the 1/m factor is missing" than from "values differ".  Each
diagnosis compares only the result, the expected result and (when known) the inputs, so it works
the same for a visible test in the notebook and for a hidden case judged by the grader; it never
quotes an expected value, and for a hidden case it says nothing that would pin one down.
"""

import numpy as np


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


# Elementwise functions of one input that a student writes in place of the right derivative.
DERIVATIVES = (
    ("the derivative of sigmoid, s * (1 - s) with s = sigmoid(Z)", lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    ("the derivative of tanh, 1 - tanh(Z)**2", lambda z: 1 - np.tanh(z) ** 2),
    ("the derivative of ReLU, 1 where Z > 0 and 0 elsewhere", lambda z: (z > 0).astype(float)),
    ("sigmoid's derivative written on an activation A, A * (1 - A)", lambda a: a * (1 - a)),
    ("tanh's derivative written on an activation A, 1 - A**2", lambda a: 1 - a**2),
    ("1 - A, which is neither tanh's derivative 1 - A**2 nor sigmoid's A * (1 - A)", lambda a: 1 - a),
)


def _close(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def _as_float(value):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if np.all(np.isfinite(array)) else None


def input_arrays(inputs):
    """The array leaves (2-D or more, or 1-D) of nested ``inputs``, as float arrays."""
    found = []
    if isinstance(inputs, np.ndarray):
        if inputs.dtype.kind in "fiub" and inputs.ndim >= 1:
            found.append(inputs.astype(float))
    elif isinstance(inputs, dict):
        for item in inputs.values():
            found += input_arrays(item)
    elif isinstance(inputs, (tuple, list)):
        for item in inputs:
            found += input_arrays(item)
    return found


def _examples(inputs):
    """Candidate numbers of examples m: the column counts of the 2-D inputs."""
    return {a.shape[-1] for a in input_arrays(inputs) if a.ndim == 2 and a.shape[-1] > 1}


def shape_diagnosis(got, expected):
    """Why the shapes differ, when it is a usual mistake, or ``""``."""
    if got.ndim == 1 and expected.ndim == 2 and 1 in expected.shape and got.size == expected.size:
        return (
            f"a rank-1 array of shape {got.shape} where a {'column' if expected.shape[1] == 1 else 'row'} "
            f"of shape {expected.shape} was expected: keep 2-D shapes with keepdims=True or reshape"
        )
    if got.ndim == 1 or expected.ndim == 1:
        return "rank-1 arrays cause this: keep 2-D shapes such as (n, 1) with keepdims=True or reshape"
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        return "looks transposed: the rows and columns are swapped"
    return ""


def value_diagnosis(got, expected, *, name="", inputs=None, reveal=True):
    """Why the values differ, when it is a usual mistake, or ``""``.

    ``got`` and ``expected`` are numbers or arrays of the same shape; ``inputs`` are the
    function's arguments when known (they reveal m and the pre-activations).  ``reveal=False``
    (hidden cases) keeps only the diagnoses that describe the result alone: a wrong sign, a
    transpose or a factor k would give the expected value away.
    """
    g, e = _as_float(got), _as_float(expected)
    if g is None or e is None or g.shape != e.shape or g.size == 0:
        return ""
    if not reveal:
        return _derivative_diagnosis(g, e, inputs)
    if np.any(e != 0) and _close(g, -e):
        return "looks like the sign is wrong: the result is the negative of the expected one"
    if g.ndim == 2 and g.shape[0] == g.shape[1] > 1 and _close(g.T, e):
        return "looks transposed: the result is the transpose of the expected one"
    factor = _factor(g, e)
    if factor and inputs is not None:
        hint = _factor_diagnosis(*factor, name, g.ndim, inputs)
        if hint:
            return hint
    return _derivative_diagnosis(g, e, inputs)


def _derivative_diagnosis(g, e, inputs):
    """The result is the derivative of another activation than the expected one, or ``""``."""
    for x in input_arrays(inputs) if inputs is not None else []:
        if x.shape != g.shape:
            continue
        for description, derivative in DERIVATIVES:
            with np.errstate(all="ignore"):
                candidate = derivative(x)
                if _close(g, candidate) and not _close(e, candidate):
                    return f"looks like the derivative of the wrong activation: the result is {description}"
                for d in input_arrays(inputs):
                    if d is not x and d.shape == g.shape and _close(g, d * candidate) and not _close(e, d * candidate):
                        return (
                            f"looks like the derivative of the wrong activation: the result is dA times {description}"
                        )
    return ""


def _factor_diagnosis(k, larger, name, ndim, inputs):
    """What an exact factor k between result and expected value means, said only when m is its one explanation.

    k must be the number of examples m (a column count of the inputs); when k is also another size of the
    inputs (the number of classes, of units), the factor is stated without a cause.
    """
    arrays = [a for a in input_arrays(inputs) if a.ndim == 2]
    if k not in _examples(inputs):
        return ""
    if any(k == a.shape[0] for a in arrays):
        relation = f"{k} times" if larger else f"1/{k} of"
        return (
            f"every value is exactly {relation} the expected one; {k} is both the number of examples and another "
            "size of the inputs here, so check each sum, mean and division"
        )
    m = f"m = {k} examples here"
    cost = any(word in name.lower() for word in ("cost", "loss"))
    if larger:
        if cost:
            return (
                f"looks like the cost is summed over the examples instead of averaged: it is exactly {k} times "
                f"the expected value ({m}): divide by m"
            )
        what = "the value is" if ndim == 0 else "every value is"
        return f"looks like the 1/m factor is missing: {what} exactly {k} times the expected one ({m})"
    return (
        f"looks like an extra division by m: the result is exactly 1/{k} of the expected one ({m}); np.mean "
        "divides by m, so it does not belong where a sum is asked or where m was already divided out"
    )


def _factor(g, e):
    """``(k, True)`` when ``g`` is exactly k times ``e`` (k an integer >= 2), ``(k, False)`` for 1/k."""
    nonzero = np.abs(e) > 1e-12
    if not np.any(nonzero) or np.any(np.abs(g[~nonzero]) > 1e-12):
        return None
    ratios = g[nonzero] / e[nonzero]
    ratio = float(np.median(ratios))
    if ratio == 0 or not np.allclose(ratios, ratio, rtol=1e-6, atol=0):
        return None
    for value, larger in ((ratio, True), (1.0 / ratio, False)):
        k = round(value)
        if k >= 2 and abs(value - k) <= 1e-6 * k:
            return k, larger
    return None
