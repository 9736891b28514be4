"""nbgrader configuration of the course: notebooks/ is the source directory, one folder per assignment.

The course id and the exchange root are set here and nowhere else: `make publish`, `make collect`,
`make return-feedback`, `make status` and the hub deployment (deploy/) read them from this file.
Students need the same two values; on the hub, deploy/ writes them into the environment's global
nbgrader_config.py. COURSE_EXCHANGE overrides the exchange root (e.g. for a test).
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (injected by nbgrader)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "nn-from-scratch"
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or "/srv/nbgrader/exchange"
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A deleted or retyped test cell is put back from the source at autograde instead of being skipped.
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

# Feedback shows what the student wrote and the visible tests, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grading.feedback.HideTracebacks",
]
