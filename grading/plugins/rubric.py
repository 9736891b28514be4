"""nbgrader preprocessors: the grader sees each written answer's model answer and rubric; nobody else does.

The model answer and the rubric of a written answer live in the solution region of its cell in the source
notebook (``notebooks/<assignment>/``); the release replaces them by "YOUR ANSWER HERE" and the student's
text replaces that.  :class:`InsertRubrics` (an autograde step) puts a read-only markdown cell holding them
right before each written-answer cell of the autograded notebook, so Formgrader's manual-grading view shows
them just above that answer's score box.  The cell is locked and not graded, and its grade id
(``rubric_<answer's grade id>``) is in no gradebook.  A cell of the submission that looks like one (a
student's forgery) is removed first.  :class:`DropRubrics` (the first feedback step) removes these cells again,
so the feedback, the only page a student gets from the autograded notebook, never contains them.
"""

from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors.base import NbGraderPreprocessor

from grading.notebook_cells import SOLUTION_REGION, nbgrader_meta, source_text

MARK = "nn_from_scratch_rubric"  # cell metadata: the written answer's grade id
PREFIX = "rubric_"
HEADING = "**For the grader: model answer and rubric of `{}`** (never shown to students)\n\n"


def written_answers(notebook):
    """``{grade_id: model answer and rubric}`` of a source notebook's graded markdown answers."""
    found = {}
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            found[meta["grade_id"]] = "\n".join(r.strip() for r in SOLUTION_REGION.findall(source_text(cell)))
    return found


def is_rubric(cell):
    """A cell this module inserted, or one of a submission pretending to be one."""
    return MARK in cell.get("metadata", {}) or str(nbgrader_meta(cell).get("grade_id", "")).startswith(PREFIX)


def rubric_cell(grade_id, text):
    cell = new_markdown_cell(HEADING.format(grade_id) + text)
    cell.metadata[MARK] = grade_id
    cell.metadata["nbgrader"] = {
        "grade": False,
        "solution": False,
        "locked": True,
        "task": False,
        "grade_id": PREFIX + grade_id,
        "schema_version": 3,
    }
    return cell


class InsertRubrics(NbGraderPreprocessor):
    """Before each written-answer cell, a locked cell with that answer's model answer and rubric."""

    def source_notebook(self, assignment: str, notebook_id: str) -> NotebookNode | None:
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook_id}.ipynb"
        return nbformat.read(path, as_version=4) if path.is_file() else None

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        source = self.source_notebook(info["assignment"], info["notebook"])
        answers = written_answers(source) if source is not None else {}
        cells = []
        for cell in nb.cells:
            if is_rubric(cell):
                continue
            grade_id = nbgrader_meta(cell).get("grade_id")
            if cell.cell_type == "markdown" and grade_id in answers:
                cells.append(rubric_cell(grade_id, answers[grade_id]))
            cells.append(cell)
        nb.cells = cells
        return nb, resources


class DropRubrics(NbGraderPreprocessor):
    """Remove the cells :class:`InsertRubrics` inserted (for the feedback)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        nb.cells = [cell for cell in nb.cells if not is_rubric(cell)]
        return nb, resources
