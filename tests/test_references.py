import numpy as np
import pytest

from course_utils.checks import CheckFailure
from course_utils.references import check_reference


def propagate(w, b):
    return {"dw": w * 2, "db": float(b)}, 1.5, (w, None, [1, 2])


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_REFERENCES_DIR", str(tmp_path))
    return tmp_path


def test_record_then_compare_round_trip(store, monkeypatch, capsys):
    cases = {"small": (np.ones((2, 1)), 3), "other": (np.arange(3.0).reshape(3, 1), -1)}
    monkeypatch.setenv("COURSE_REFERENCE_MODE", "record")
    check_reference("demo", "propagate", propagate, cases)
    assert (store / "demo.h5").is_file()
    monkeypatch.delenv("COURSE_REFERENCE_MODE")
    check_reference("demo", "propagate", propagate, cases)
    assert "OK propagate: 2 hidden cases" in capsys.readouterr().out


def test_compare_names_case_and_problem(store, monkeypatch):
    cases = {"small": (np.ones((2, 1)), 3)}
    monkeypatch.setenv("COURSE_REFERENCE_MODE", "record")
    check_reference("demo", "propagate", propagate, cases)
    monkeypatch.delenv("COURSE_REFERENCE_MODE")

    def buggy(w, b):
        grads, cost, cache = propagate(w, b)
        return grads, cost / 2, cache

    with pytest.raises(CheckFailure, match=r"propagate\(\.\.\.\)\[1\] is 0.75 but expected 1.5.*'small'"):
        check_reference("demo", "propagate", buggy, cases)


def test_missing_reference_says_how_to_make_it(store):
    with pytest.raises(CheckFailure, match="make references"):
        check_reference("nothing", "f", propagate, {"a": (np.ones((1, 1)), 1)})
