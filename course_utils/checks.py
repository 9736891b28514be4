"""Checks shared by the notebooks' visible tests, the hidden tests and pytest.

A check takes the student's function (or value) and what was expected, and either prints one
short line or raises :class:`CheckFailure` naming the function, the test case and the first
problem found, looked for in this order: type, shape, dtype, NaN/inf, values.  When the
difference is a usual mistake (a missing 1/m, a transposed result, ...) the message names it
(:mod:`course_utils.diagnoses`).

In a notebook a failing check shows only its message, not a traceback through this package; when
the student's own code raised, the traceback is kept, trimmed to the student's frames.
"""

import contextlib
import copy
import io
import logging
import sys
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import diagnoses, records

PACKAGE = str(Path(__file__).resolve().parent)
HINT = "\n"  # separates a problem from its diagnosis until :func:`with_case` words the sentence


def with_case(problem: str, where: str) -> str:
    """``problem`` with the test case ``where`` (e.g. " in test case 'small'"), its diagnosis first: the
    diagnosis says what to change, the rest where it was seen."""
    head, _, hint = problem.partition(HINT)
    return (f"{hint[0].upper()}{hint[1:]}. " if hint else "") + f"{head}{where}"


class CheckFailure(AssertionError):
    """A check found a problem; the message says which and where."""

    def _render_traceback_(self):
        """What IPython shows for this exception: the message, after the student's frames if any."""
        lines = []
        cause = self.__cause__
        if cause is not None and not isinstance(cause, CheckFailure):
            frames = [f for f in traceback.extract_tb(cause.__traceback__) if not f.filename.startswith(PACKAGE)]
            if frames:
                lines += ["Traceback of your code (most recent call last):"]
                lines += [text.rstrip("\n") for text in traceback.format_list(frames)]
                lines += [f"{type(cause).__name__}: {cause}", ""]
        return lines + [f"CheckFailure: {self}"]


def _kind(value):
    """Coarse type used to compare a result with what was expected."""
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (tuple, list)):
        return "sequence"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "None"
    return type(value).__name__


_KIND_NAMES = {
    "array": "a NumPy array",
    "bool": "a bool",
    "int": "an int",
    "float": "a float",
    "dict": "a dict",
    "sequence": "a tuple",
    "str": "a string",
    "None": "None",
}


def _describe(value):
    kind = _kind(value)
    if kind == "array":
        return f"a NumPy array of shape {value.shape}"
    if kind == "sequence":
        return f"a {type(value).__name__} of length {len(value)}"
    return _KIND_NAMES.get(kind, f"a {type(value).__name__}")


def _leaves(got, expected, path, echo=True):
    """Pair up the leaves of two nested results; structural mismatches are type problems.

    ``echo=False`` never quotes a text of ``got`` (a key), which the grader must not pass on."""
    kind = _kind(expected)
    if kind == "array" and expected.ndim == 0:
        kind = "float"
    got_kind = _kind(got)
    if kind == "float" and got_kind == "int":
        got_kind = "float"
    if got_kind != kind:
        raise CheckFailure(f"{path} should be {_describe(expected)} but is {_describe(got)}")
    if kind == "dict":
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            raise CheckFailure(
                f"{path} should have the keys {list(expected)}"
                + (f"; missing {missing}" if missing else "")
                + ((f"; unexpected {extra}" if echo else f"; {len(extra)} unexpected") if extra else "")
            )
        for key in expected:
            yield from _leaves(got[key], expected[key], f"{path}[{key!r}]", echo)
    elif kind == "sequence":
        if len(got) != len(expected):
            raise CheckFailure(f"{path} should have length {len(expected)} but has length {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            yield from _leaves(g, e, f"{path}[{i}]", echo)
    else:
        yield path, got, expected


_DTYPE_KINDS = {"f": "floating-point", "i": "integer", "u": "integer", "b": "boolean"}


def _shape_problem(path, got, expected):
    if isinstance(expected, np.ndarray) and expected.ndim > 0 and got.shape != expected.shape:
        hint = diagnoses.shape_diagnosis(got, expected)
        return f"{path} has shape {got.shape} but expected {expected.shape}" + (f"{HINT}{hint}" if hint else "")
    return None


def _dtype_problem(path, got, expected):
    if isinstance(expected, np.ndarray):
        want = _DTYPE_KINDS.get(expected.dtype.kind, expected.dtype.kind)
        have = _DTYPE_KINDS.get(got.dtype.kind, str(got.dtype))
        if want != have:
            return f"{path} has dtype {got.dtype} ({have}) but expected {want} values"
    return None


def _finite_problem(path, got, expected):
    if _kind(expected) in ("array", "float"):
        got_arr = np.asarray(got, dtype=float)
        exp_arr = np.asarray(expected, dtype=float)
        bad = ~np.isfinite(got_arr) & np.isfinite(exp_arr)
        if np.any(bad):
            where = np.argwhere(bad)[0] if got_arr.ndim else ()
            value = got_arr[tuple(where)] if got_arr.ndim else float(got_arr)
            return f"{path} contains {value} at index {tuple(int(i) for i in where)}; expected finite values"
    return None


def _integral(value):
    """An int (or integer NumPy scalar or 0-d array), not a bool."""
    return (
        isinstance(value, (int, np.integer))
        and not isinstance(value, (bool, np.bool_))
        or isinstance(value, np.ndarray)
        and value.ndim == 0
        and value.dtype.kind in "iu"
    )


def _value_problem(path, got, expected, rtol, atol, reveal=True, inputs=None, echo=True):
    """The values stage; ``reveal=False`` (hidden cases) says only how many values are off: no expected value,
    gap, sign or tolerance, nothing that narrows the expected value down."""
    kind = _kind(expected)
    if isinstance(expected, np.ndarray) and expected.dtype.kind in "fiub" or kind in ("float", "int", "bool"):
        got_arr = np.asarray(got, dtype=float)
        exp_arr = np.asarray(expected, dtype=float)
        if exp_arr.size == 0:
            return None
        close = np.isclose(got_arr, exp_arr, rtol=rtol, atol=atol, equal_nan=True)
        if np.all(close):
            return None
        with np.errstate(invalid="ignore"):
            gap = np.abs(got_arr - exp_arr)
        allowed = atol + rtol * np.abs(exp_arr)
        hint = diagnoses.value_diagnosis(got_arr, exp_arr, name=path, inputs=inputs, reveal=reveal)
        hint = f"{HINT}{hint}" if hint else ""
        if exp_arr.ndim == 0:
            if not reveal:  # no gap, sign or tolerance (which scales with the expected value): nothing narrows it
                return f"{path} is not within the tolerance of the expected value{hint}"
            if _integral(expected) and _integral(got):  # a count: no tolerance to speak of
                return f"{path} is {int(got_arr)} but expected {int(exp_arr)}{hint}"
            return (
                f"{path} is {float(got_arr):.8g} but expected {float(exp_arr):.8g} "
                f"(difference {float(gap):.3g}, tolerance {float(allowed):.3g}){hint}"
            )
        worst = np.unravel_index(
            np.argmax(np.where(close, -np.inf, np.nan_to_num(gap - allowed, nan=np.inf))), gap.shape
        )
        wrong = int(np.sum(~close))
        if not reveal:
            first = tuple(int(i) for i in np.argwhere(~close)[0])
            return f"{path} has {wrong} of {exp_arr.size} values off, the first at index {first}{hint}"
        where = f"largest difference {gap[worst]:.3g} at index {tuple(int(i) for i in worst)}"
        return (
            f"{path} has {wrong} of {exp_arr.size} values off; {where} "
            f"(got {got_arr[worst]:.8g}, expected {exp_arr[worst]:.8g}, tolerance {allowed[worst]:.3g}){hint}"
        )
    if isinstance(expected, np.ndarray):
        if not np.array_equal(got, expected):
            return f"{path} differs from the expected array"
        return None
    if got != expected:
        if reveal and echo:
            return f"{path} is {got!r} but expected {expected!r}"
        return f"{path} differs from the expected value" + (f" {expected!r}" if reveal else "")
    return None


def first_problem(
    got: Any,
    expected: Any,
    *,
    name: str = "result",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    reveal: bool = True,
    inputs: Any = None,
    echo: bool = True,
    mistakes: Mapping[str, Any] | None = None,
) -> str | None:
    """Return a sentence describing the first problem with ``got``, or ``None`` if it matches.

    ``reveal=False`` words it without the expected values (for hidden cases); ``inputs`` (the
    function's arguments) let the diagnoses recognise more mistakes; ``echo=False`` quotes no text
    of ``got`` (the grader's wording: a result's strings could carry anything to the feedback).
    ``mistakes`` is ``{what to change: the result that mistake gives}``, computed by a test for the known
    mistakes of one exercise: a result equal to one of them is told that sentence instead of a general diagnosis.
    """
    problem = _first_problem(got, expected, name, rtol, atol, reveal, inputs, echo)
    if problem and mistakes:
        known = next(
            (
                advice
                for advice, wrong in mistakes.items()
                if _first_problem(got, wrong, name, rtol, atol, reveal, None, echo) is None
            ),
            None,
        )
        if known:
            problem = problem.partition(HINT)[0] + HINT + known
    return problem


def _first_problem(got, expected, name, rtol, atol, reveal, inputs, echo):
    try:
        leaves = list(_leaves(got, expected, name, echo))
    except CheckFailure as failure:
        return str(failure)
    stages = (
        _shape_problem,
        _dtype_problem,
        _finite_problem,
        lambda p, g, e: _value_problem(p, g, e, rtol, atol, reveal, inputs, echo),
    )
    for stage in stages:
        for path, g, e in leaves:
            problem = stage(path, g, e)
            if problem:
                return problem
    return None


def check_value(
    got: Any,
    expected: Any,
    *,
    name: str = "result",
    case: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    quiet: bool = False,
    record: bool = True,
    inputs: Any = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Assert that ``got`` matches ``expected`` in type, shape, dtype, finiteness and value.

    ``record=False`` skips the grader's record (for a value already recorded by the caller);
    ``inputs`` are the arguments that produced ``got``, for the diagnoses; ``mistakes`` see :func:`first_problem`.
    """
    if record:
        records.emit(records.label(name, case), got, rtol, atol, inputs=inputs)  # inputs: the grader's diagnoses
    problem = first_problem(got, expected, name=name, rtol=rtol, atol=atol, inputs=inputs, mistakes=mistakes)
    if problem:
        raise CheckFailure(with_case(problem, f" in test case '{case}'" if case else ""))
    if not quiet:
        print(f"OK {records.label(name, case)}")


def _warning_advice(caught):
    """Why a warning fails the test and what to look at: a stable formula only for an overflow of ``exp``."""
    message = str(caught.message)
    if "overflow encountered in exp" in message:
        return "use a numerically stable formula (one that never takes exp of a large positive number)"
    if "encountered in log" in message:
        return (
            "np.log received 0 or a negative number: an activation reached exactly 0 or 1, which happens when "
            "the parameters move the wrong way (check the signs of your gradients and updates) or grow without "
            "bound; find where, rather than hiding it"
        )
    return "find the operation that produced it"


def _exception_advice(exc):
    """What usually causes an exception raised by NumPy on arrays, or ""."""
    text = str(exc)
    if "truth value of an array" in text:
        return (
            ". Python's max, min, `if` or `and` on an array ask for one True/False: use np.maximum, np.minimum, "
            "np.where or &, which work elementwise"
        )
    if "could not be broadcast" in text:
        return ". `*` multiplies elementwise: a matrix product is `@` (or np.dot); check the shapes of both operands"
    return ""


def _where(caught):
    """ " (line N of your code)" when the warning comes from the student's code, else ""."""
    filename = str(getattr(caught, "filename", ""))
    if filename.startswith(PACKAGE) or "site-packages" in filename or not getattr(caught, "lineno", None):
        return ""
    return f" (line {caught.lineno} of your code)"


class _ErrorStream(io.StringIO):
    """Collects what a student's function writes to stderr (print(file=sys.stderr), logging) during a check."""


_TRAP = _ErrorStream()  # one object for the whole session: a logging handler created during a check keeps it


@contextlib.contextmanager
def _trap_stderr():
    """Route stderr and the logging handlers writing to it into :data:`_TRAP`; yields the collected text."""
    real = sys.stderr
    _TRAP.seek(0)
    _TRAP.truncate()
    handlers = [h for h in _stream_handlers() if h.stream in (real, sys.__stderr__, _TRAP)]
    for handler in handlers:
        handler.setStream(_TRAP)
    collected = []
    try:
        with contextlib.redirect_stderr(_TRAP):
            yield collected
    finally:
        for handler in _stream_handlers():
            if handler.stream is _TRAP:
                handler.setStream(real)
        collected.append(_TRAP.getvalue())


def _stream_handlers():
    loggers = [logging.getLogger()] + [
        v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)
    ]
    return [h for logger in loggers for h in logger.handlers if isinstance(h, logging.StreamHandler)]


def _show_stderr(label, text):
    """Show (on stdout) what the function wrote to stderr: it costs nothing, but the student should see it."""
    if text.strip():
        lines = text.rstrip("\n").splitlines()
        shown = "\n".join(f"    {line}" for line in lines[:5]) + ("\n    ..." if len(lines) > 5 else "")
        print(f"Note: {label} wrote to stderr (shown here, it costs no points; remove it when you are done):\n{shown}")


def call_checked(func: Callable[..., Any], *args: Any, name: str | None = None, case: str = "", **kwargs: Any) -> Any:
    """Call a student's function and turn anything that would hide a bug into a clear failure.

    Fails if ``func`` is not a function of the notebook, raises, emits a warning (which nbgrader
    would count against the test), or modifies its array arguments in place (beyond one rounding:
    nudging an entry by +eps, -2 eps, +eps is fine).  What the function writes to stderr (a debugging
    print, ``logging``) is caught and shown as a note: nbgrader would score the cell 0 for it.
    """
    name = name or getattr(func, "__name__", "function")
    label = records.label(name, case)
    if not callable(func):
        raise CheckFailure(f"{name} should be a function but is {_describe(func)}")
    if str(getattr(func, "__module__", "")).startswith("course_utils"):
        raise CheckFailure(f"{name} comes from course_utils: write your own implementation in the notebook")
    originals = copy.deepcopy((args, kwargs))
    with warnings.catch_warnings(record=True) as caught, _trap_stderr() as written:
        warnings.simplefilter("always")
        try:
            result = func(*args, **kwargs)
        except NotImplementedError as exc:
            raise CheckFailure(f"{label} is not implemented yet: replace `raise NotImplementedError()`") from exc
        except Exception as exc:
            raise CheckFailure(f"{label} raised {type(exc).__name__}: {exc}{_exception_advice(exc)}") from exc
    _show_stderr(label, written[0] if written else "")
    if caught:
        first = caught[0]
        raise CheckFailure(
            f"{label} emitted {first.category.__name__}: {first.message}{_where(first)}. Under grading any warning "
            f"counts as a failure: {_warning_advice(first)}"
        )
    if first_problem((args, kwargs), originals, name="arguments", rtol=1e-12, atol=1e-15):
        raise CheckFailure(f"{label} modified one of its input arrays in place: work on a copy instead")
    return result


def check_function(
    func: Callable[..., Any],
    args: Sequence[Any],
    expected: Any,
    *,
    kwargs: Mapping[str, Any] | None = None,
    name: str | None = None,
    case: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    mistakes: Mapping[str, Any] | None = None,
) -> Any:
    """Call ``func(*args, **kwargs)`` and check the result against ``expected`` (``mistakes``: see
    :func:`first_problem`)."""
    name = name or getattr(func, "__name__", "function")
    result = call_checked(func, *args, name=name, case=case, **(kwargs or {}))
    check_value(
        result,
        expected,
        name=f"{name}(...)",
        case=case,
        rtol=rtol,
        atol=atol,
        quiet=True,
        inputs=(args, kwargs or {}),
        mistakes=mistakes,
    )
    print(f"OK {records.label(name, case)}")
    return result


def check_shapes(
    values: Mapping[str, Any], shapes: Mapping[str, Sequence[int]], *, name: str = "result", case: str = ""
) -> None:
    """Assert each array in the dict ``values`` has the shape given in ``shapes``."""
    where = records.label(name, case)
    records.emit(where, {key: list(np.shape(value)) for key, value in values.items()})
    for key, shape in shapes.items():
        if key not in values:
            raise CheckFailure(f"{where}: missing {key!r}; got keys {sorted(values)}")
        value = values[key]
        if not isinstance(value, np.ndarray):
            raise CheckFailure(f"{where}: {key!r} should be a NumPy array but is {_describe(value)}")
        if value.shape != tuple(shape):
            raise CheckFailure(f"{where}: {key!r} has shape {value.shape} but expected {tuple(shape)}")
    print(f"OK {where}: shapes")


def check_true(condition: Any, message: str, *, name: str = "check") -> None:
    """Assert a property that has no single expected value (e.g. 'rows of W1 differ')."""
    records.emit(name, bool(condition))
    if not condition:
        raise CheckFailure(f"{name}: {message}")
    print(f"OK {name}")
