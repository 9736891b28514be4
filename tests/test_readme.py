"""The README shows the test command and a syllabus that matches the notebooks."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_syllabus_matches_notebooks():
    spec = importlib.util.spec_from_file_location("syllabus", ROOT / "tools" / "syllabus.py")
    syllabus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(syllabus)
    readme = (ROOT / "README.md").read_text()
    for row in syllabus.rows():
        assert row in readme, f"README syllabus is out of date; `python tools/syllabus.py` prints:\n{row}"
    assert syllabus.summary() in readme.replace("\n", " "), f"README points are out of date: {syllabus.summary()}"


def test_readme_commands_exist_in_makefile():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "demo", "release", "autograde", "feedback", "grades", "references", "data"):
        assert f"\n{target}:" in makefile
        assert f"make {target}" in (ROOT / "README.md").read_text()
