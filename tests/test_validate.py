"""JupyterLab's Validate (nbgrader's validator) agrees with grading: a solved notebook validates with no failure,
the release as handed out fails exactly its test cells.

A test cell that leaves a value as its output (a bare call returning a number) is read by the validator as a
partial score, so "partial credit" would be reported on correct work.
"""

import json

import pytest
from nbgrader.validator import Validator
from traitlets.config import Config

from grading.course import REPO_ROOT, copy_course
from grading.notebook_cells import is_test_cell, load, nbgrader_meta, source_text
from grading.pipeline import release, submissions

# one worker releases the course once (13 nbgrader runs) rather than each worker that takes one of these tests
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("validate")]  # starts kernels and nbgrader

NOTEBOOKS = sorted(p.relative_to(REPO_ROOT / "notebooks") for p in (REPO_ROOT / "notebooks").glob("*/*.ipynb"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    made = copy_course(tmp_path_factory.mktemp("validate") / "course")
    release.generate(made, sorted({p.parts[0] for p in NOTEBOOKS}))
    return made


def course_config():
    """The course's nbgrader configuration, as JupyterLab's Validate reads it: its cell time limits (300 s a
    cell, 60 s for the last outputs), not the validator's own 30 s and 4 s, which a busy machine overruns."""
    config = Config()
    path = REPO_ROOT / "nbgrader_config.py"
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config, "__file__": str(path)})
    return config


def validate(notebook, folder, name):
    path = folder / name
    path.write_text(json.dumps(notebook))
    return Validator(config=course_config()).validate(str(path))


# Solved notebooks whose test cells once left a value as output; every solved notebook is also checked with the
# validator's own rule in tests/test_notebooks.py, on the run that test makes anyway.
SOLVED = [p for p in NOTEBOOKS if p.parts[0] in ("week5_regularization", "week5_optimization")]


@pytest.mark.parametrize("notebook", SOLVED, ids=str)
def test_validate_passes_a_solved_notebook(course, notebook, tmp_path):
    release_nb = load(course.release_dir / notebook)
    source_nb = load(course.source / notebook)
    found = validate(submissions.solved(release_nb, source_nb), tmp_path, "solved_" + notebook.name)
    assert not found.get("failed") and not found.get("changed"), found.get("failed") or found.get("changed")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_validate_fails_every_test_of_the_release(course, notebook, tmp_path):
    """The release fails exactly its test cells, and its written answers left as handed out."""
    release_nb = load(course.release_dir / notebook)
    tests = {source_text(c).strip() for c in release_nb["cells"] if is_test_cell(c)}
    tests |= {
        source_text(c).strip()
        for c in release_nb["cells"]
        if c["cell_type"] == "markdown" and nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
    }
    found = validate(release_nb, tmp_path, notebook.name)
    assert {f["source"].strip() for f in found.get("failed", [])} == tests
