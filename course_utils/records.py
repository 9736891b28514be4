"""Check records: what each check saw, emitted as notebook output so the grader can verify it.

Under grading a student's code runs in the same Python process as the tests, so it could hide a
failing test (a custom exception handler, a patched check).  To defend against that, every check
also *emits a record* of the value it checked, as a ``display_data`` output with a private MIME
type, when ``COURSE_CHECK_RECORDS=1``.  The grader then compares the records of each test cell,
outside the student's process, with those of the instructor's solution: a test cell earns its
points only if its records match, whatever the cell's other outputs say.  Students never see the
records: JupyterLab and the feedback HTML do not render this MIME type.
"""
import math
import os

import numpy as np

MIME = "application/vnd.nn-from-scratch.check+json"
ENV = "COURSE_CHECK_RECORDS"


def active():
    return os.environ.get(ENV) == "1"


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


def emit(label, value, rtol=0.0, atol=0.0):
    """Emit one record (only under grading, and only inside an IPython kernel).

    The tolerances travel with the record so that the solution's run stores them in the
    references; the grader uses those, never the ones a submission emits.
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
    display({MIME: {"label": label, "value": encode(value), "rtol": rtol, "atol": atol}}, raw=True)


def from_outputs(outputs):
    """The records found in a cell's outputs, in order, as ``(label, value, rtol, atol)``.

    A malformed record (which only a tampering submission could produce) is skipped.
    """
    found = []
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if MIME in data:
            try:
                record = data[MIME]
                found.append((str(record["label"]), decode(record["value"]),
                              float(record.get("rtol", 0.0)), float(record.get("atol", 0.0))))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
    return found
