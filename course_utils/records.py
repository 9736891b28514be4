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

This module is the whole protocol both sides agree on: what a record holds (:class:`Record`), how its
label names a check and its case (:func:`label`, :func:`parse_label`), how values travel
(:func:`encode`, :func:`decode`), and the reference files ``references/<assignment>/<notebook>.json``
that keep the solution's records (:func:`write_reference`, :func:`read_reference`).
"""

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .paths import COURSE_ROOT

MIME = "application/vnd.nn-from-scratch.check+json"
MAX_INPUT_SIZE = 20000  # larger input arrays are not sent with a record (they only serve the diagnoses)
# Bounds a record must keep before the grader decodes it (the solutions' largest record is 46 KB, 3 000 values).
MAX_RECORD_BYTES = 4 * 2**20
MAX_DEPTH = 32
_DTYPE = re.compile(r"[<>|=]?(?:[fiu](?:1|2|4|8|16)|b1|U(?P<chars>[0-9]{1,4}))")
MAX_CHARS = 1024  # of one string in a "<U" array
REFERENCES = COURSE_ROOT / "references"
COMMAND = "make references"  # the one writer of reference files
_LABEL = re.compile(r"^(?P<name>.*?) \[(?P<case>.*)\]$")


@dataclass
class Record:
    """What one check saw: its ``label``, the decoded ``value``, and how closely another value must match it.

    ``inputs`` are the arguments of the checked call (for the diagnoses of usual mistakes; ``None`` when not
    sent); ``hidden`` marks the record of a hidden case.  In a reference file the tolerances are the
    solution's, and the grader uses those, never the ones a submission emits.
    """

    label: str
    value: Any
    rtol: float = 0.0
    atol: float = 0.0
    inputs: Any = None
    hidden: bool = False


def label(name: str, case: str = "") -> str:
    """The label of a check: ``name`` alone, or ``name [case]`` for one of several cases."""
    return f"{name} [{case}]" if case else name


def parse_label(text: str) -> tuple[str, str]:
    """Inverse of :func:`label`: ``(name, case)``, ``case`` empty when the label names none."""
    match = _LABEL.match(text)
    return (match.group("name"), match.group("case")) if match else (text, "")


def active() -> bool:
    """True in a kernel that nbgrader's autograde runs."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def encode(value: Any) -> Any:
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


def _dtype(text, payload):
    """The dtype an encoded array declares, if it is one :func:`encode` writes and small; else ValueError."""
    match = _DTYPE.fullmatch(text) if isinstance(text, str) else None
    if match is None or (match.group("chars") and int(match.group("chars")) > MAX_CHARS):
        raise ValueError(f"a record declares the dtype {str(text)[:40]!r}, which no check emits")
    if match.group("chars") and not all(isinstance(x, str) for x in payload):
        raise ValueError("a record's string array holds other values")
    return np.dtype(text)


def _shape(shape, size):
    if not (
        isinstance(shape, list)
        and len(shape) <= MAX_DEPTH
        and all(type(n) is int and n >= 0 for n in shape)
        and math.prod(shape) == size
    ):
        raise ValueError(f"a record's shape {str(shape)[:40]} does not fit its {size} values")
    return shape


def decode(data: Any, depth: int = 0) -> Any:
    """Inverse of :func:`encode`; raises ValueError for anything :func:`encode` does not write (a forged record).

    Bounded before anything is built: dtypes are those of checked values (no 256 MiB string items),
    shapes match the values, nesting is at most :data:`MAX_DEPTH` deep.
    """
    if depth > MAX_DEPTH or not isinstance(data, dict) or not data.keys() - {"shape", "dtype"}:
        raise ValueError("a record's value is not an encoded value")
    ((kind, payload),) = ((k, v) for k, v in data.items() if k not in ("shape", "dtype"))
    if kind == "ndarray":
        if not isinstance(payload, list):
            raise ValueError("a record's array holds no list of values")
        dtype, shape = _dtype(data.get("dtype"), payload), _shape(data.get("shape"), len(payload))
        if dtype.kind == "U":
            return np.array(payload, dtype=dtype).reshape(shape)
        return np.array([float(x) for x in payload], dtype=float).reshape(shape).astype(dtype)
    if kind == "float":
        return float(payload)
    if kind in ("bool", "int", "str"):
        return {"bool": bool, "int": int, "str": str}[kind](payload)
    if kind == "dict":
        return {str(k): decode(v, depth + 1) for k, v in payload}
    if kind in ("tuple", "list"):
        items = [decode(v, depth + 1) for v in payload]
        return tuple(items) if kind == "tuple" else items
    return None


def _number(x):
    return x if math.isfinite(x) else repr(x)


def emit(
    label: str, value: Any, rtol: float = 0.0, atol: float = 0.0, inputs: Any = None, hidden: bool = False
) -> None:
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


def bundle(
    label: str, value: Any, rtol: float = 0.0, atol: float = 0.0, inputs: Any = None, hidden: bool = False
) -> dict[str, dict[str, Any]]:
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


def from_outputs(outputs: list[dict[str, Any]]) -> list[Record]:
    """The records found in a cell's outputs, in order; values decoded.

    A malformed record (which only a tampering submission could produce) is skipped, and so is one
    larger than :data:`MAX_RECORD_BYTES` as JSON, before any of it is decoded.
    """
    found = []
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if MIME in data:
            try:
                record = data[MIME]
                if not isinstance(record, dict) or len(json.dumps(record)) > MAX_RECORD_BYTES:
                    continue
                found.append(
                    Record(
                        label=str(record["label"]),
                        value=decode(record["value"]),
                        rtol=float(record.get("rtol", 0.0)),
                        atol=float(record.get("atol", 0.0)),
                        inputs=decode(record["inputs"]) if "inputs" in record else None,
                        hidden=bool(record.get("hidden", False)),
                    )
                )
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError, MemoryError):
                continue
    return found


def reference_folder(assignment: str, root: str | Path | None = None) -> Path:
    """Folder of an assignment's reference files under ``root`` (default :data:`REFERENCES`, looked up at call time)."""
    return Path(REFERENCES if root is None else root) / assignment


def reference_path(assignment: str, notebook: str, root: str | Path | None = None) -> Path:
    """Reference file of one notebook (``notebook``: its file name or stem)."""
    return reference_folder(assignment, root) / f"{Path(notebook).stem}.json"


def write_reference(
    path: Path,
    assignment: str,
    notebook_name: str,
    source_checksum: str,
    found: dict[str, list[Record]],
    explained: dict[str, str] | None = None,
) -> Path:
    """Write one reference file: one line per record, so that a diff shows which check changed.

    ``found`` is ``{grade id: [record, ...]}``; ``explained`` (``{grade id: text}``, quizzes only) is
    stored as ``"explanations"``, one line per answer.  The inputs of hidden cases are not stored.
    """
    lines = [
        "{",
        f' "assignment": {json.dumps(assignment)},',
        f' "notebook": {json.dumps(Path(notebook_name).name)},',
        f' "source_checksum": {json.dumps(source_checksum)},',
        f' "written_by": {json.dumps(COMMAND)},',
        ' "cells": {',
    ]
    for k, (grade_id, items) in enumerate(found.items()):
        lines.append(f"  {json.dumps(grade_id)}: [")
        for j, item in enumerate(items):
            entry = {
                "label": item.label,
                "hidden": item.hidden,
                "rtol": item.rtol,
                "atol": item.atol,
                "value": encode(item.value),
            }
            lines.append("   " + json.dumps(entry) + ("," if j < len(items) - 1 else ""))
        lines.append("  ]" + ("," if k < len(found) - 1 else ""))
    lines.append(" }," if explained else " }")
    if explained:
        lines.append(' "explanations": {')
        lines += [
            f"  {json.dumps(g)}: {json.dumps(text)}" + ("," if k < len(explained) - 1 else "")
            for k, (g, text) in enumerate(explained.items())
        ]
        lines.append(" }")
    lines.append("}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_reference(path: str | Path) -> dict[str, Any]:
    """The content of a reference file, its ``"cells"`` as ``{grade id: [Record, ...]}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["cells"] = {
        grade_id: [
            Record(
                label=item["label"],
                value=decode(item["value"]),
                rtol=item["rtol"],
                atol=item["atol"],
                hidden=item.get("hidden", False),
            )
            for item in items
        ]
        for grade_id, items in data["cells"].items()
    }
    return data
