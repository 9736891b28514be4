"""What the notebook is running under: a student's kernel, or nbgrader grading it."""
import os


def under_grading():
    """True while nbgrader autogrades or validates the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")


def budget(full, graded):
    """``full`` normally, ``graded`` under nbgrader: shortens demo training, never a graded exercise."""
    return graded if under_grading() else full
