"""What the notebook is running under: a student's kernel, or nbgrader grading it.

Under grading (nbgrader's autograde or validate) nothing ungraded needs to be seen, so demo cells
do less work (:func:`budget`) and figures are built but never laid out or drawn
(:func:`quiet_figures`, applied when ``course_utils`` is imported).  Outside grading, both leave everything as it is.
"""

import importlib.abc
import importlib.util
import os
import sys

GRADING_MODES = ("autograde", "validate")
PYPLOT = "matplotlib.pyplot"


def under_grading():
    """True while nbgrader autogrades or validates the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return os.environ.get("NBGRADER_EXECUTION") in GRADING_MODES


def budget(full, graded):
    """``full`` normally, ``graded`` under nbgrader: shortens demo training, never a graded exercise."""
    return graded if under_grading() else full


def _close_figures(*args, **kwargs):
    """``plt.show`` under grading: nothing to look at, so the figures are closed instead of drawn."""
    sys.modules[PYPLOT].close("all")


def _no_layout(figure, *args, **kwargs):
    """``Figure.tight_layout`` under grading: laying out a figure nobody draws is wasted work."""


def _silence(pyplot):
    pyplot.switch_backend("agg")
    pyplot.rcParams["figure.max_open_warning"] = 0
    pyplot.show = _close_figures
    pyplot.Figure.tight_layout = _no_layout


class _SilenceOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; makes ``matplotlib.pyplot``, when it is first imported, quiet."""

    def find_spec(self, name, path=None, target=None):
        if name != PYPLOT:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _silence(module)

        spec.loader.exec_module = exec_module
        return spec


def quiet_figures():
    """Under grading only: pyplot draws nothing (the Agg backend), ``tight_layout`` does nothing and
    ``plt.show()`` closes the figures.

    Works whether pyplot is imported before or after this call; returns whether it acted.  A
    student's own run keeps its backend and figures.
    """
    if not under_grading():
        return False
    if PYPLOT in sys.modules:
        _silence(sys.modules[PYPLOT])
    elif not any(isinstance(finder, _SilenceOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SilenceOnImport())
    return True
