"""Feedback HTML per student: their code, the visible tests' messages and the points.

nbgrader's ``ClearHiddenTests`` (enabled in nbgrader_config.py) removes the hidden tests' source;
:class:`HideTracebacks` also trims the traceback of a failing test cell to its final message, which
otherwise quotes the hidden line that failed.
"""
from nbgrader.preprocessors.base import NbGraderPreprocessor


class HideTracebacks(NbGraderPreprocessor):
    """In graded test cells, replace error tracebacks by ``ExceptionName: message``."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def generate(course, assignments=None):
    """``nbgrader generate_feedback`` per assignment; returns ``{assignment: error text}`` for failures."""
    failures = {}
    for assignment in assignments or course.assignments():
        if not any((course.autograded / s / assignment).is_dir() for s in course.students()):
            continue
        result = course.nbgrader("generate_feedback", assignment, "--force")
        if result.returncode != 0:
            failures[assignment] = (result.stdout + result.stderr)[-2000:]
    return failures
