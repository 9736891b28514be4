"""The README (front page) and docs/ agree with the repository: syllabus, make targets, links."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_readme_syllabus_matches_notebooks():
    spec = importlib.util.spec_from_file_location("syllabus", ROOT / "tools" / "syllabus.py")
    syllabus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(syllabus)
    readme = (ROOT / "README.md").read_text()
    for row in syllabus.rows():
        assert row in readme, f"README syllabus is out of date; `python tools/syllabus.py` prints:\n{row}"
    assert syllabus.summary() in readme.replace("\n", " "), f"README points are out of date: {syllabus.summary()}"


def test_every_make_target_the_docs_name_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    for page in PAGES:
        named = set(re.findall(r"`make ([a-z][a-z-]*)", page.read_text()))
        assert named <= targets, f"{page.name} names make targets the Makefile lacks: {sorted(named - targets)}"
    front = (ROOT / "README.md").read_text()
    assert "make test" in front and "make lab" in front


def test_links_between_pages_resolve():
    for page in PAGES:
        for target, _ in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_the_front_page_stays_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 90, "move detail into docs/ and link to it"
