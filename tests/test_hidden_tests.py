"""No hidden test carries a secret: every hidden-test region of every source notebook holds inputs only.

The kernel that runs a hidden test runs the student's code too, which can read the test's source
(an IPython hook, ``In``, ``inspect``).  So a hidden test may hold the inputs of its cases, never an
expected value, an answer key or an explanation: the expected values stay in ``references/``, outside
the sandbox, and the grader writes the explanation.  This test reads every region between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` and fails on

- a number written in it that equals (to 6 significant digits) a value its cell's hidden cases
  must produce; round numbers (integers, and numbers of one or two significant digits such as 0.5)
  are left out: they are sizes, seeds and inputs as often as results (an identity maps 0.5 to 0.5);
- a text that names an answer or key, or that is a sentence (five words or more) anywhere but as a
  case's label (a dictionary key, which the grader's reasons name anyway).
"""

import ast
import json

import numpy as np
import pytest

from course_utils.records import read_reference, reference_path
from grading.course import REPO_ROOT
from grading.notebook_cells import HIDDEN_REGION, load, nbgrader_meta, source_text

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*/*.ipynb"))


def regions(notebook):
    """``[(grade_id, hidden source)]`` of a notebook's cells."""
    return [
        (nbgrader_meta(c).get("grade_id"), region)
        for c in notebook["cells"]
        for region in HIDDEN_REGION.findall(source_text(c))
    ]


def numbers(value):
    """The non-integer numbers of a (nested) reference value."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return [float(x) for x in value.ravel() if np.isfinite(x) and x != round(x)]
    if isinstance(value, float):
        return [value] if np.isfinite(value) and value != round(value) else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in numbers(item)]
    return []


def round_number(x):
    """An integer, or a number of at most two significant digits (0.5, -3.5, 0.25)."""
    return x == round(x) or len(f"{abs(x):.15g}".replace(".", "").lstrip("0").split("e")[0]) <= 2


def literals(tree):
    """``(numbers, texts)``: numbers written in the code (with their sign) and texts, each with whether it is a
    case label (a dict key or a subscript)."""
    found_numbers, texts, keys = [], [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys |= {id(k) for k in node.keys if k is not None}
        elif isinstance(node, ast.Subscript):  # cases["label"] = ...
            keys.add(id(node.slice))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            found_numbers += [node.value, -node.value]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append((node.value, id(node) in keys))
    return found_numbers, texts


def secrets(path):
    """What the hidden tests of the notebook at ``path`` give away: ``[(grade_id, what)]``."""
    notebook = load(path)
    reference = reference_path(path.parent.name, path.name)
    expected = read_reference(reference)["cells"] if reference.is_file() else {}
    found = []
    for grade_id, region in regions(notebook):
        written, texts = literals(ast.parse(region))
        results = [x for record in expected.get(grade_id, []) if record.hidden for x in numbers(record.value)]
        for number in {float(n) for n in written if isinstance(n, float) and not round_number(n)}:
            if any(np.isclose(number, x, rtol=1e-6, atol=0) for x in results):
                found.append((grade_id, f"the expected value {number!r} is written in the hidden test"))
        for text, is_label in texts:
            if "answer key" in text.lower() or "key:" in text.lower():
                found.append((grade_id, f"an answer key: {text[:60]!r}"))
            elif len(text.split()) >= 5 and not is_label:
                found.append((grade_id, f"an explanation: {text[:60]!r}"))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_hidden_tests_hold_inputs_only(path):
    assert regions(load(path)) or "quiz" not in path.name, "a quiz without hidden tests"
    assert secrets(path) == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """An expected value, an answer key and an explanation written into a hidden test are each found."""
    path = REPO_ROOT / "notebooks" / "week2_numpy_basics" / "numpy_basics.ipynb"
    notebook = load(path)
    cell = next(c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == "test_softmax")
    hidden = [
        r for r in read_reference(reference_path(path.parent.name, path.name))["cells"]["test_softmax"] if r.hidden
    ]
    value = float(hidden[0].value.ravel()[1])
    cell["source"] = source_text(cell).replace(
        "### END HIDDEN TESTS",
        f"expected = np.array([[{value:.8g}]])\nprint('Answer key: b.')\n"
        "note = 'each row of the result must sum to one'\n### END HIDDEN TESTS",
    )
    copy = tmp_path / path.parent.name / path.name
    copy.parent.mkdir()
    copy.write_text(json.dumps(notebook))
    assert secrets(path) == []
    found = [what for _, what in secrets(copy)]
    assert sorted(what.split(" ")[1] for what in found) == ["answer", "expected", "explanation:"], found
