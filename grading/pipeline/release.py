"""Generate the student release of every assignment and pack the student bundle into dist/."""

import shutil
from pathlib import Path

from grading.course import REPO_ROOT

BUNDLE_NAME = "nn-from-scratch-student"
BUNDLE_FILES = ("pyproject.toml", "setup.py", "environment.yml")


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


def generate(course, assignments=None):
    """``nbgrader generate_assignment``; returns the release folders.

    The whole course is one nbgrader process (nbgrader reads its assignment id as a glob, ``*``), which saves an
    nbgrader start (about 3 CPU s) per assignment; a chosen few are generated one by one.
    """
    everything = course.assignments()
    chosen = list(assignments or everything)
    for pattern in ["*"] if sorted(chosen) == everything else chosen:
        result = course.nbgrader("generate_assignment", pattern, "--force")
        if result.returncode != 0:
            raise ReleaseError(
                f"nbgrader could not generate {', '.join(chosen) if pattern == '*' else pattern}:\n"
                f"{result.stdout}{result.stderr}"
            )
    return [course.release_dir / assignment for assignment in chosen]


def bundle(course, dist=REPO_ROOT / "dist", repo=REPO_ROOT):
    """Pack release notebooks, course_utils, data, the environment files and the student README.

    Returns the path of the zip file; the unpacked folder stays next to it.
    """
    dist = Path(dist)
    folder = dist / BUNDLE_NAME
    if folder.exists():
        shutil.rmtree(folder)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(course.release_dir, folder / "notebooks", ignore=junk)
    shutil.copytree(repo / "course_utils", folder / "course_utils", ignore=junk)
    shutil.copytree(repo / "data", folder / "data", ignore=shutil.ignore_patterns("*catvnoncat*"))
    for name in BUNDLE_FILES:
        shutil.copy2(repo / name, folder / name)
    shutil.copy2(repo / "docs" / "student_README.md", folder / "README.md")
    archive = shutil.make_archive(str(dist / BUNDLE_NAME), "zip", root_dir=dist, base_dir=BUNDLE_NAME)
    return Path(archive)
