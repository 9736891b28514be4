"""Check records: what each check saw, emitted as notebook output so the grader can verify it.

Under grading a student's code runs in the same Python process as the tests, so it could hide a
failing test (a custom exception handler, a patched check).  To defend against that, every check
also *emits a record* of the value it checked, as a ``display_data`` output with a private MIME
type, while nbgrader autogrades (it sets ``NBGRADER_EXECUTION=autograde`` for the kernel).  The
grader's preprocessor (:mod:`grading.plugins.verification`) then compares the records of each test cell,
outside the student's process, with those of the instructor's solution: a test cell earns its
points only if its records match, whatever the cell's other outputs say.  Code in the kernel can
only switch records off, which costs it the points.  Students never see the records: JupyterLab
and the feedback HTML do not render this MIME type.
"""
import math
import os

import numpy as np

MIME = "application/vnd.nn-from-scratch.check+json"
MAX_INPUT_SIZE = 20000  # larger input arrays are not sent with a record (they only serve the diagnoses)


def active():
    """True in a kernel that nbgrader's autograde runs."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def encode(value):
    """JSON-safe form of a nested result; NaN and infinities survive as strings."""
    if isinstance(value, np.ndarray):
        data = value.astype(float) if value.dtype.kind in "fiub" else value.astype(str)
        flat = [_number(x) for x in data.ravel().tolist()] if value.dtype.kind in "fiub" else data.ravel().tolist()
        return {"ndarray": flat, "shape": list(value.shape), "dtype": value.dtype.str}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"int": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"float": _number(float(value))}
    if isinstance(value, dict):
        return {"dict": [[str(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [encode(v) for v in value]}
    if value is None:
        return {"None": None}
    return {"str": str(value)}


def decode(data):
    """Inverse of :func:`encode`."""
    (kind, payload), = ((k, v) for k, v in data.items() if k not in ("shape", "dtype"))
    if kind == "ndarray":
        values = np.array([float(x) for x in payload], dtype=float).reshape(data["shape"])
        dtype = np.dtype(data["dtype"])
        return values.astype(dtype) if dtype.kind in "fiub" else np.array(payload, dtype=dtype).reshape(data["shape"])
    if kind == "float":
        return float(payload)
    if kind in ("bool", "int", "str"):
        return {"bool": bool, "int": int, "str": str}[kind](payload)
    if kind == "dict":
        return {k: decode(v) for k, v in payload}
    if kind in ("tuple", "list"):
        items = [decode(v) for v in payload]
        return tuple(items) if kind == "tuple" else items
    return None


def _number(x):
    return x if math.isfinite(x) else repr(x)


def emit(label, value, rtol=0.0, atol=0.0, inputs=None, hidden=False):
    """Emit one record (only under grading, and only inside an IPython kernel).

    The tolerances travel with the record so that the solution's run stores them in the
    references; the grader uses those, never the ones a submission emits.  ``inputs`` (the
    arguments of a hidden case) let the grader name the usual mistakes; ``hidden`` marks the record
    of a hidden case (the references keep that mark from the solution's run).
    """
    if not active():
        return
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display(bundle(label, value, rtol, atol, inputs, hidden), raw=True)


def bundle(label, value, rtol=0.0, atol=0.0, inputs=None, hidden=False):
    """The MIME bundle of one record (what :func:`emit` displays)."""
    record = {"label": label, "value": encode(value), "rtol": rtol, "atol": atol}
    if hidden:
        record["hidden"] = True
    if inputs is not None:
        record["inputs"] = encode(_small(inputs))
    return {MIME: record}


def _small(value):
    """``value`` with arrays above :data:`MAX_INPUT_SIZE` entries replaced by None."""
    if isinstance(value, np.ndarray):
        return value if value.size <= MAX_INPUT_SIZE else None
    if isinstance(value, dict):
        return {k: _small(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_small(v) for v in value)
    return value if isinstance(value, (bool, int, float, str, np.generic)) or value is None else None


def from_outputs(outputs):
    """The records found in a cell's outputs, in order, as dicts with ``label``, ``value``, ``rtol``,
    ``atol`` and ``inputs`` (``None`` when not sent); values decoded.

    A malformed record (which only a tampering submission could produce) is skipped.
    """
    found = []
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if MIME in data:
            try:
                record = data[MIME]
                found.append({"label": str(record["label"]), "value": decode(record["value"]),
                              "rtol": float(record.get("rtol", 0.0)), "atol": float(record.get("atol", 0.0)),
                              "inputs": decode(record["inputs"]) if "inputs" in record else None,
                              "hidden": bool(record.get("hidden", False))})
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
    return found
