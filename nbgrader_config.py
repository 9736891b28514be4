"""nbgrader configuration of the course: notebooks/ is the source directory, one folder per assignment."""
from pathlib import Path

c = get_config()  # noqa: F821 (injected by nbgrader)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "nn-from-scratch"
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

# ---- The grading sandbox (grading/sandbox.py, README "Security").  Every kernel nbgrader starts to
# autograde (make autograde, `nbgrader autograde`, Formgrader's Autograde button) runs in it, whatever
# kernelspec the notebook names; without a working sandbox autograding refuses and says how to fix it.
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402

from grading.sandboxed_execute import SandboxedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.SandboxedExecute.max_output_mb = 16          # output accepted from one notebook's kernel; the rest is dropped
# Budgets of one notebook's kernel, all of its processes together where a cgroup is writable
# (else per process; see `python -m grading.launcher --probe` for what this machine enforces).
c.SandboxedKernelManager.memory_mb = 2048
c.SandboxedKernelManager.processes = 64
c.SandboxedKernelManager.cpus = 1.0
c.SandboxedKernelManager.cpu_seconds = 900
c.SandboxedKernelManager.wall_seconds = 900    # per notebook; each cell also has Execute.timeout
c.SandboxedKernelManager.tmp_mb = 256          # size of /tmp
c.SandboxedKernelManager.work_mb = 256         # size of the working copy and HOME
# Loud opt-in to grade WITHOUT isolation when the sandbox does not work (trusted submissions only):
c.SandboxedKernelManager.allow_unisolated = False
