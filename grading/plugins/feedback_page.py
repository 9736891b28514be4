"""Feedback HTML per student: their code, the visible tests' messages, the grader's reasons and the points.

Configured in ``nbgrader_config.py`` so that ``make feedback``, ``nbgrader generate_feedback`` and
Formgrader produce the same page:

- nbgrader's ``ClearHiddenTests`` removes the hidden tests' source.  :class:`GraderVerdicts`
  replaces every test cell's outputs by the grader's own verdict (recorded by
  :class:`grading.plugins.verification.VerifyChecks`) and drops the outputs of every other cell run after
  the first hidden test: from then on the kernel had the hidden tests' source, and anything it
  printed, displayed or rewrote may carry it, plain or encoded.  :class:`HideTracebacks` trims any
  remaining traceback of a test cell to its final message.
- :class:`FeedbackExporter` writes formulas as MathML, which browsers render natively, instead of
  loading MathJax from the network: the page works offline and is a single self-contained file.  It
  also wraps long reasons, marks the error stream and names each test cell by its exercise in the summary.
- :class:`LateAndPending` reads from the gradebook what waits for manual grading and how late the submission
  was; the page then shows a pending answer as "not graded yet" (never as 0) and states the lateness and the
  late policy's penalty.

:mod:`grading.pipeline.feedback` runs ``nbgrader generate_feedback`` and removes what is not HTML.
"""

import copy
import html
import math
import re
from typing import Any

from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors.base import NbGraderPreprocessor

from grading import explanations
from grading.notebook_cells import HIDDEN_REGION, is_test_cell, nbgrader_meta, source_text
from grading.plugins.late import LatePolicy
from grading.plugins.verification import VERDICTS, failure_output

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$")
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_TOKEN = "mathformula{}endformula"
_TEST_LINK = re.compile(r'(<a href="#test_(?P<exercise>[\w-]+)">)Test cell(</a>)')
# Reasons wrap at the page's width (a diagnosis at the end of one long line sat behind a scrollbar), and the
# error stream is marked as such, in both nbconvert page layouts.
STYLE = """<style>
.output_error pre, .output_stderr pre, .jp-RenderedText pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.output_stderr, [data-mime-type="application/vnd.jupyter.stderr"] {
  background: #fff1f0; border-left: 4px solid #c0392b; padding-left: 6px; }
.output_stderr::before, [data-mime-type="application/vnd.jupyter.stderr"]::before {
  content: "stderr (the error stream):"; display: block; font-weight: bold; color: #c0392b; }
</style>
"""


def readable(page):
    """The page with wrapped reasons, a marked error stream, and each test cell named by its exercise."""
    page = _TEST_LINK.sub(lambda m: f"{m.group(1)}Test of {m.group('exercise')}{m.group(3)}", page)
    return page.replace("</head>", STYLE + "</head>", 1)


class HideTracebacks(NbGraderPreprocessor):
    """In graded test cells, replace error tracebacks by ``ExceptionName: message``, except a check's own."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                rendered = output.get("ename") == "CheckFailure" and not any(
                    "\x1b[" in line for line in output.get("traceback", [])
                )
                if not rendered:  # IPython's own (coloured) traceback quotes the test cell's source
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class GraderVerdicts(NbGraderPreprocessor):
    """Test cells show the grader's verdict, not the kernel's outputs; later cells show no outputs."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        verdicts = nb.metadata.get(VERDICTS, {})
        nb.metadata.pop("widgets", None)  # widget state the kernel sent is rendered into the page
        hidden = [k for k, c in enumerate(nb.cells) if c.cell_type == "code" and HIDDEN_REGION.search(source_text(c))]
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if is_test_cell(cell):
                verdict = verdicts.get(nbgrader_meta(cell).get("grade_id"))
                explanation = (verdict or {}).get("explanation")
                cell.outputs = [verdict_output(verdict)] + ([explanations.output(explanation)] if explanation else [])
            elif hidden and k > hidden[0] and cell.outputs:
                cell.outputs = [new_output("stream", name="stdout", text=DROPPED)]
        return nb, resources


DROPPED = "[outputs not shown in the feedback: this cell ran after the hidden tests; run your notebook to see them]\n"


def verdict_output(verdict):
    """The output a test cell shows in the feedback for the grader's ``verdict`` (None: none was recorded)."""
    if verdict is None:
        return failure_output("the grader recorded no verdict for this test cell: ask your instructor to regrade")
    if verdict.get("passed") is True:
        return new_output("stream", name="stdout", text="Passed: the grader found every check of this cell right.\n")
    return failure_output(str(verdict.get("reason") or "failed"))


class LateAndPending(NbGraderPreprocessor):
    """Put in ``resources["nbgrader"]`` the written answers that wait for manual grading (``pending``) and a
    sentence on the submission's lateness and penalty (``lateness``, empty when on time)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            submission = gradebook.find_submission(info["assignment"], info["student"])
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            info["pending"] = [g.name for g in notebook.grades if g.needs_manual_grade]
            info["lateness"] = lateness(submission, notebook.late_submission_penalty, LatePolicy(parent=self))
        return nb, resources


def lateness(submission, penalty, policy):
    """The feedback's sentence on lateness: when it was submitted, how late, the policy and the points taken."""
    late = submission.total_seconds_late
    if not late:
        return ""
    days, rest = divmod(int(late), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    # Under a minute late read "0 day(s) 0 h 0 min" between two equal minutes: the seconds show it.
    how_late = f"{days} day(s) {hours} h {minutes} min" if late >= 60 else f"{math.ceil(late)} s"
    extension = " (with your extension)" if submission.extension else ""
    return (
        f"Submitted {submission.timestamp:%Y-%m-%d %H:%M:%S} UTC, {how_late} after the due "
        f"date {submission.duedate:%Y-%m-%d %H:%M:%S} UTC{extension}. Late policy: {policy.describe()}. "
        f"Late penalty: -{penalty or 0:g} points."
    )


def mark_pending(page, resources):
    """The page with each pending written answer's score shown as "not graded yet", the header saying how many
    wait, and the lateness sentence under the header."""
    info = resources.get("nbgrader", {})
    for grade_id in info.get("pending", []):
        gid = re.escape(html.escape(grade_id))
        page = re.sub(rf'(<a href="#{gid}">[^<]*</a> \(Score: )[0-9.]+( / )', r"\1not graded yet\2", page)
        page = re.sub(
            rf'(<a name="{gid}"></a>.*?Score: )[0-9.]+( / )', r"\1not graded yet\2", page, count=1, flags=re.S
        )
    notes = []
    if info.get("pending"):
        notes.append(
            f"{len(info['pending'])} written answer(s) are not graded yet: the score above is a partial score."
        )
    if info.get("lateness"):
        notes.append(info["lateness"])
    if notes:
        block = "".join(f'<p class="nbgrader-note">{html.escape(n)}</p>' for n in notes)
        page = re.sub(r"(</h4>)", lambda m: m.group(1) + block, page, count=1)
    return page


def mathml(latex, display):
    """MathML for a LaTeX formula; the formula's text in ``<code>`` when it cannot be converted."""
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises several types for LaTeX it does not know
        return f"<code>{html.escape(latex)}</code>"


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with formulas as MathML and no MathJax (no network needed)."""

    def from_notebook_node(
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        formulas = []

        def keep(match, display):
            formulas.append(mathml(html.unescape(match.group(1)).strip(), display))  # sanitized cells: HTML text
            return _TOKEN.format(len(formulas) - 1)

        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                text = _DISPLAY_MATH.sub(lambda m: keep(m, True), cell.source)
                cell.source = _INLINE_MATH.sub(lambda m: keep(m, False), text)
        output, resources = super().from_notebook_node(nb, resources, **kw)
        output = _MATHJAX.sub("", output)
        for k, formula in enumerate(formulas):
            output = output.replace(_TOKEN.format(k), formula)
        return readable(mark_pending(output, resources)), resources
