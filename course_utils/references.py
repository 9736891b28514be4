"""Reference outputs for hidden tests, recorded from the instructor's solutions.

A hidden test calls :func:`check_reference` with the student's function and a few fixed input
cases.  When the environment sets ``COURSE_REFERENCE_MODE=record`` (``make references``, run on
the solution notebooks) the outputs are written to ``references/<assignment>.h5``; otherwise they
are read back and compared with :func:`course_utils.checks.check_value`.  Neither the reference
files nor the hidden tests are part of a student release.
"""
import os
from pathlib import Path

import h5py
import numpy as np

from . import records
from .checks import CheckFailure, call_checked, check_value
from .paths import COURSE_ROOT

MODE_VARIABLE = "COURSE_REFERENCE_MODE"
DIR_VARIABLE = "COURSE_REFERENCES_DIR"


def reference_dir():
    """Directory of the reference files: ``$COURSE_REFERENCES_DIR`` or ``<course>/references``."""
    return Path(os.environ.get(DIR_VARIABLE) or COURSE_ROOT / "references")


def reference_path(assignment):
    return reference_dir() / f"{assignment}.h5"


def recording():
    return os.environ.get(MODE_VARIABLE) == "record"


def write_value(group, name, value):
    """Store a nested result (dicts, tuples, lists, arrays, numbers, strings, None) under ``name``."""
    if name in group:
        del group[name]
    if isinstance(value, dict):
        sub = group.create_group(name, track_order=True)
        sub.attrs["kind"] = "dict"
        for key, item in value.items():
            write_value(sub, str(key), item)
    elif isinstance(value, (tuple, list)):
        sub = group.create_group(name)
        sub.attrs["kind"] = type(value).__name__
        sub.attrs["length"] = len(value)
        for i, item in enumerate(value):
            write_value(sub, str(i), item)
    elif value is None:
        group.create_group(name).attrs["kind"] = "None"
    else:
        kinds = ((np.ndarray, "ndarray"), ((bool, np.bool_), "bool"), ((int, np.integer), "int"),
                 ((float, np.floating), "float"), (str, "str"))
        for types, kind in kinds:
            if isinstance(value, types):
                group.create_dataset(name, data=value).attrs["kind"] = kind
                return
        raise TypeError(f"cannot store a {type(value).__name__} as a reference output")


def read_value(node):
    """Inverse of :func:`write_value`."""
    kind = node.attrs["kind"]
    if kind == "dict":
        return {key: read_value(node[key]) for key in node}
    if kind in ("tuple", "list"):
        items = [read_value(node[str(i)]) for i in range(int(node.attrs["length"]))]
        return tuple(items) if kind == "tuple" else items
    if kind == "None":
        return None
    data = node[()]
    if kind == "ndarray":
        return np.asarray(data)
    if kind == "str":
        return data.decode() if isinstance(data, bytes) else str(data)
    return {"bool": bool, "int": int, "float": float}[kind](data)


def check_reference(assignment, exercise, func, cases, *, rtol=1e-6, atol=1e-8):
    """Check ``func`` on each named case of ``cases`` (``{case: args tuple}``) against the reference.

    In record mode, store the outputs instead (the function is then the instructor's solution).
    Under grading with check records (see :mod:`course_utils.records`) the outputs are also emitted
    for the grader, which compares them outside the student's process, so the reference file may be
    out of the kernel's reach.
    """
    path = reference_path(assignment)
    outputs = {case: call_checked(func, *args, name=exercise, case=case) for case, args in cases.items()}
    for case, output in outputs.items():
        records.emit(f"{exercise} [{case}]", output, rtol, atol)
    if recording():
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "a") as store:
            group = store.require_group(exercise)
            for case, output in outputs.items():
                write_value(group, case, output)
        print(f"recorded {exercise}: {len(cases)} cases")
        return
    if not path.exists():
        if records.active():
            print(f"OK {exercise}: {len(cases)} hidden cases, checked by the grader")
            return
        raise CheckFailure(f"reference file {path} is missing: run `make references`")
    with h5py.File(path, "r") as store:
        if exercise not in store:
            raise CheckFailure(f"{path} has no outputs for {exercise!r}: run `make references`")
        expected = {case: read_value(store[exercise][case]) for case in cases}
    for case, output in outputs.items():
        check_value(output, expected[case], name=f"{exercise}(...)", case=case, rtol=rtol, atol=atol,
                    quiet=True, record=False)
    print(f"OK {exercise}: {len(cases)} hidden cases")
