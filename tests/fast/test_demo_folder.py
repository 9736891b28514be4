"""`demo --where` never deletes a folder the demo did not create."""

import pytest

from grading.__main__ import main
from grading.pipeline import demo


def test_an_existing_foreign_folder_is_refused_and_kept(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("years of work")
    assert main(["demo", "--where", str(tmp_path)]) == 2
    assert "was not created by the demo" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "years of work"


def test_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(demo.DemoError, match="is a file"):
        demo.prepare(tmp_path / "file")


def test_a_new_or_empty_or_earlier_demo_folder_is_used(tmp_path):
    course = demo.prepare(tmp_path / "new")
    assert (course.root / demo.MARKER).is_file() and (course.root / "nbgrader_config.py").is_file()
    (course.root / "leftover").write_text("from the last demo")
    again = demo.prepare(tmp_path / "new")
    assert not (again.root / "leftover").exists()
    (tmp_path / "empty").mkdir()
    assert (demo.prepare(tmp_path / "empty").root / demo.MARKER).is_file()
