"""Helpers for the 'Neural networks from scratch' course.

One module per idea: ``activations``, ``datasets``, ``plotting``, ``diagrams``, ``checks``, ``references``,
``gradcheck``, ``runtime`` and ``paths``.  Some hold, for later weeks, the functions that earlier exercises
build (``sigmoid``, ``softmax``...): these *twins* refuse to stand in for the exercise they solve while that
exercise is graded (:mod:`grading.plugins.delegation`).
Importing the package under grading makes figures quiet (:func:`course_utils.runtime.quiet_figures`).
"""

from .runtime import quiet_figures as _quiet_figures

__version__ = "0.1.0"

_quiet_figures()
