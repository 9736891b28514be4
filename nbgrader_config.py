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
# Hidden files and folders (".ipython" holds a kernel's history: every cell's source, hidden tests
# included) are never copied from one step's folder to the next (submitted -> autograded -> feedback).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A deleted or retyped test cell is put back from the source at autograde instead of being skipped.
c.OverwriteCells.add_missing_cells = True

# --- Grading settings (apply to `make autograde`, `nbgrader autograde` and Formgrader alike) ---
# Seconds each cell may run; after that nbgrader interrupts the kernel and goes on with the next cell.
c.Execute.timeout = 300
# Seconds to drain a cell's remaining output after its reply (nbclient's 4 s failed a flood on a busy machine;
# what is drained past the output cap is dropped as it arrives).
c.Execute.iopub_timeout = 60
c.Execute.interrupt_on_timeout = True

# One verdict per test cell, decided inside nbgrader: right after execution, VerifyChecks compares
# each test cell's check records with the solution's (references/<assignment>/<notebook>.json) and
# turns a mismatch into an error output in that cell, which nbgrader then scores (0 points), stores
# and renders. InsertRubrics puts each written answer's model answer and rubric (from the source notebook) in a
# locked cell just above it, for Formgrader's manual grading; the feedback drops it first (grading/plugins/rubric.py).
# The other entries are nbgrader 0.9.6's defaults, in their order.
# Execute is replaced by the sandboxed one (see "The grading sandbox" below).
c.Autograde.autograde_preprocessors = [
    "grading.plugins.execute.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "grading.plugins.verification.VerifyChecks",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grading.plugins.rubric.InsertRubrics",
    "grading.plugins.sanitize.SanitizeSubmission",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# The late policy (grading/plugins/late.py), applied by AssignLatePenalties above: nbgrader measures lateness from
# the submission's time (timestamp.txt: the exchange's, or an LMS download's) against the due date in schedule.toml
# plus the student's extension (`make extend`). "per_day": percent_per_day of the score per started day late, all
# of it after cutoff_days; "zero": nothing up to cutoff_days days late, then all of it (cutoff_days = 0: any lateness).
c.AssignLatePenalties.plugin_class = "grading.plugins.late.LatePolicy"
c.LatePolicy.method = "per_day"
c.LatePolicy.percent_per_day = 10.0
c.LatePolicy.cutoff_days = 7.0
# Nothing a submission brings is active in an HTML view (Formgrader, feedback): markdown is stored as the
# HTML nh3 keeps, active outputs are cleaned or dropped (grading/plugins/sanitize.py). It runs as the submission enters
# autograde (the first notebook nbgrader stores), after execution (above) and again for the feedback (below).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
    "grading.plugins.sanitize.SanitizeSubmission",
]
# What the reason for a failing hidden case reveals: by default the exercise, the case label, the kind of
# problem, how many values are off and the largest difference, and the usual mistake it looks like, never an
# expected value; "values" also quotes the returned and expected value where they differ most:
# c.VerifyChecks.reveal = "values"

# Feedback shows what the student wrote, the visible tests and the grader's verdicts, never the hidden
# tests' source: test cells show the verdict VerifyChecks recorded, not what the kernel printed, and cells
# run after the first hidden test show no outputs (the kernel had that source by then). Formulas are
# written as MathML (rendered offline, no MathJax from the network).
c.GenerateFeedback.exporter_class = "grading.plugins.feedback_page.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "grading.plugins.rubric.DropRubrics",
    "grading.plugins.sanitize.SanitizeSubmission",
    "nbgrader.preprocessors.GetGrades",
    "grading.plugins.feedback_page.LateAndPending",
    "grading.plugins.feedback_page.GraderVerdicts",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grading.plugins.feedback_page.HideTracebacks",
]

# ---- The grading sandbox (grading/sandbox/bwrap.py, README "Security").  Every kernel nbgrader starts to
# autograde (make autograde, `nbgrader autograde`, Formgrader's Autograde button) runs in it, whatever
# kernelspec the notebook names; without a working sandbox autograding refuses and says how to fix it.
# The budgets of one notebook's kernel (SandboxedKernelManager: memory_mb, processes, cpus, cpu_seconds,
# wall_seconds, tmp_mb, work_mb; all its processes together where a cgroup is writable, else per process) keep
# their defaults, set once in grading/sandbox/budgets.py (Budget), and so does the output cap
# (SandboxedExecute.max_output_mb); docs/security.md lists them, and `python -I -m grading.sandbox.launcher
# --probe` shows what this machine enforces. Override one here, e.g. c.SandboxedKernelManager.memory_mb = 4096.
# Loud opt-in to grade WITHOUT isolation when the sandbox does not work (trusted submissions only):
# c.SandboxedKernelManager.allow_unisolated = True
