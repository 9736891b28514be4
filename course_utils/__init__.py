"""Helpers for the 'Neural networks from scratch' course.

One module per idea: ``activations``, ``datasets``, ``plotting``, ``diagrams``, ``checks``, ``references``,
``gradcheck``, ``runtime`` and ``paths``.  None of them holds the solution of a graded exercise.
"""
__version__ = "0.1.0"
