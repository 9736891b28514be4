"""Check records are bounded before the grader decodes them (issue 17, attack 10: a decode bomb)."""

import json
import tracemalloc

import numpy as np
import pytest

from course_utils import records


def record_output(value, label="x [k]"):
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {records.MIME: {"label": label, "rtol": 0, "atol": 0, "value": value}},
    }


BOMB = {"ndarray": ["1"], "shape": [1], "dtype": "<U67108864"}  # 200 bytes that declare a 256 MiB string


def test_a_record_declaring_a_huge_dtype_is_skipped_without_allocating():
    tracemalloc.start()
    try:
        found = records.from_outputs([record_output(BOMB) for _ in range(4)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == []
    assert peak < 10 * 2**20, f"decoding four 200-byte records took {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    "value",
    [
        {"ndarray": ["1"], "shape": [1], "dtype": "|O"},
        {"ndarray": [1.0, 2.0], "shape": [3], "dtype": "<f8"},
        {"ndarray": [1.0], "shape": [-1], "dtype": "<f8"},
        {"ndarray": [1.0], "shape": [1], "dtype": "<V100000000"},
        {"ndarray": [1.0], "shape": [1], "dtype": "<U8"},
        {"ndarray": "abc", "shape": [3], "dtype": "<U1"},
        {"list": [{"list": []}] * 2, "extra": 1},
        {"shape": [1]},
        "not a value",
    ],
)
def test_malformed_records_are_skipped(value):
    assert records.from_outputs([record_output(value)]) == []


def test_deep_nesting_and_oversized_records_are_skipped():
    deep = {"int": 1}
    for _ in range(records.MAX_DEPTH + 2):
        deep = {"list": [deep]}
    big = {"str": "y" * (records.MAX_RECORD_BYTES + 1)}
    assert records.from_outputs([record_output(deep), record_output(big)]) == []


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([[True, False]]),
        np.array([["ab", "c"]]),
        np.arange(4, dtype=np.uint8),
        3.5,
        2,
        "text",
        (1, [2.0, {"k": np.ones((1, 2))}]),
        None,
        np.float64("nan"),
    ],
)
def test_what_encode_writes_still_decodes(value):
    (found,) = records.from_outputs([record_output(json.loads(json.dumps(records.encode(value))))])
    decoded = found.value
    assert repr(decoded) == repr(value) or (isinstance(value, float) and np.isnan(decoded))
