"""Format checks for quiz answers: a letter among the choices, or a number.

A quiz test cell's visible part validates only the *form* of an answer and returns it normalised
(``" B"`` becomes ``"b"``, ``12`` becomes ``12.0``), so that the hidden part can compare it with the
answer key through :func:`course_utils.references.check_reference`; whether an answer is right is
decided by the grader, never in the student's release.
"""

import math

import numpy as np

from .checks import CheckFailure


def choice(answer, choices, *, name):
    """Return a multiple-choice ``answer`` as one lower-case letter of ``choices`` (e.g. ``"abcd"``).

    Upper case, surrounding spaces and parentheses are accepted: ``"B"``, ``" b "`` and ``"(b)"``
    all give ``"b"``.
    """
    letters = ", ".join(f'"{c}"' for c in choices)
    if not isinstance(answer, str):
        raise CheckFailure(f"{name} should be a string, one of {letters} (with quotes), but is {answer!r}")
    letter = answer.strip().strip("()").strip().lower()
    if len(letter) != 1 or letter not in choices:
        raise CheckFailure(f"{name} should be one letter, one of {letters}, but is {answer!r}")
    print(f"OK {name}: {letter!r} is one of the choices; whether it is right is graded after you submit")
    return letter


def number(answer, *, name):
    """Return a numeric ``answer`` (an int or a float, not a string or a bool) as a float."""
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        hint = " (write the number without quotes)" if isinstance(answer, str) else ""
        raise CheckFailure(f"{name} should be a number (an int or a float) but is {answer!r}{hint}")
    value = float(answer)
    if not math.isfinite(value):
        raise CheckFailure(f"{name} should be a finite number but is {answer!r}")
    print(f"OK {name}: {answer!r} is a number; whether it is right is graded after you submit")
    return value
