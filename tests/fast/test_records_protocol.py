"""The check protocol in one module: labels parse back, and reference files read and write back unchanged."""

from pathlib import Path

import pytest

from course_utils import records

REFERENCE_FILES = sorted(Path(records.REFERENCES).rglob("*.json"))


@pytest.mark.parametrize(
    ("name", "case"),
    [
        ("propagate", ""),
        ("propagate", "4 features, 7 examples"),
        ("linear_backward gradients", "3 -> 2, m = 4"),
        ("f(...)", "a [nested] case"),
        ("shapes: weights", ""),
    ],
)
def test_parse_label_inverts_label(name, case):
    assert records.parse_label(records.label(name, case)) == (name, case)


def test_a_label_without_a_case_is_its_name():
    assert records.parse_label("propagate: gradients match") == ("propagate: gradients match", "")


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.stem)
def test_every_reference_file_reads_and_writes_back_byte_identical(path, tmp_path):
    data = records.read_reference(path)
    assert all(isinstance(r, records.Record) for items in data["cells"].values() for r in items)
    again = records.write_reference(
        tmp_path / path.name,
        data["assignment"],
        data["notebook"],
        data["source_checksum"],
        data["cells"],
        data.get("explanations"),
    )
    assert again.read_bytes() == path.read_bytes()
