"""No test cell ends in an expression that returns a value: nbgrader's validator (JupyterLab's Validate) reads
such an output as a partial score and reports "partial credit" on correct work."""

import ast
import re

import pytest

from grading.course import REPO_ROOT
from grading.notebook_cells import is_test_cell, load, nbgrader_meta, source_text

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*/*.ipynb"))
RETURN_NOTHING = {"print", "display", "check_value", "check_true", "check_shapes", "check_reference", "check_gradients"}
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def value_left(source):
    """The name of the call whose value the cell would show, or None."""
    body = ast.parse(re.sub(r"(?m)^\s*[%!].*$", "", source)).body
    if body and isinstance(body[-1], ast.Expr) and isinstance(body[-1].value, ast.Call):
        function = body[-1].value.func
        name = getattr(function, "id", getattr(function, "attr", "?"))
        return None if name in RETURN_NOTHING else name
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_test_cells_end_without_a_value(path):
    left = []
    for cell in load(path)["cells"]:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            source = source_text(cell)
            for part, text in (("release", HIDDEN.sub("", source)), ("graded", source)):
                if value_left(text):
                    left.append((meta["grade_id"], part, value_left(text)))
    assert not left, f"test cells ending in a call whose value becomes the output (prefix it with `_ = `): {left}"


def test_the_check_sees_a_bare_call():
    assert value_left("x = 1\ncheck_function(f, (1,), 2)") == "check_function"
    assert value_left("_ = check_function(f, (1,), 2)") is None


def test_a_test_cell_is_a_graded_code_cell_the_student_does_not_write():
    def cell(kind, **nbgrader):
        return {"cell_type": kind, "metadata": {"nbgrader": nbgrader}, "source": ""}

    assert is_test_cell(cell("code", grade=True, solution=False, grade_id="t"))
    assert not is_test_cell(cell("code", grade=False, solution=True))  # an exercise
    assert not is_test_cell(cell("markdown", grade=True, solution=True))  # a written answer
    assert not is_test_cell(cell("code", locked=True))  # provided code
    assert not is_test_cell({"cell_type": "code", "metadata": {}, "source": ""})
