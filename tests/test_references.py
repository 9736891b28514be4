"""check_reference outside grading compares with the JSON references; under grading it only emits records."""

import numpy as np
import pytest

from course_utils import records
from course_utils.checks import CheckFailure
from course_utils.records import Record, write_reference
from course_utils.references import check_reference


def propagate(w, b):
    return {"dw": w * 2, "db": float(b)}, 1.5, (w, None, [1, 2])


CASES = {"small": (np.ones((2, 1)), 3), "other": (np.arange(3.0).reshape(3, 1), -1)}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A reference file holding the solution's outputs of CASES, as `make references` writes it."""
    monkeypatch.setattr(records, "REFERENCES", tmp_path)
    items = [
        Record(records.label("propagate", case), propagate(*args), 1e-6, 1e-8, hidden=True)
        for case, args in CASES.items()
    ]
    write_reference(tmp_path / "demo" / "nb.json", "demo", "nb.ipynb", "sha256:x", {"test_propagate": items})
    return tmp_path


def test_solution_passes(store, capsys):
    check_reference("demo", "propagate", propagate, CASES)
    assert "OK propagate: 2 hidden cases" in capsys.readouterr().out


def test_compare_names_case_and_problem(store):
    def buggy(w, b):
        grads, cost, cache = propagate(w, b)
        return grads, cost / 2, cache

    with pytest.raises(CheckFailure, match=r"propagate\(\.\.\.\)\[1\] is 0.75 but expected 1.5.*'small'"):
        check_reference("demo", "propagate", buggy, CASES)


def test_missing_reference_says_how_to_make_it(store):
    with pytest.raises(CheckFailure, match="make references ASSIGNMENTS=nothing"):
        check_reference("nothing", "f", propagate, {"a": (np.ones((1, 1)), 1)})


def test_under_grading_nothing_is_compared_or_written(store, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    before = sorted(p.stat().st_mtime_ns for p in store.rglob("*"))
    check_reference("nothing", "f", lambda w, b: w, {"a": (np.ones((1, 1)), 1)})
    assert "the grader compares them" in capsys.readouterr().out
    assert sorted(p.stat().st_mtime_ns for p in store.rglob("*")) == before
