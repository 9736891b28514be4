"""Feedback HTML per student: their code, the visible tests' messages, the grader's reasons and the points.

Configured in ``nbgrader_config.py`` so that ``make feedback``, ``nbgrader generate_feedback`` and
Formgrader produce the same page:

- nbgrader's ``ClearHiddenTests`` removes the hidden tests' source; :class:`HideTracebacks` trims
  any other traceback of a test cell to its final message (IPython's tracebacks quote the hidden
  line that failed); a check failure, which renders itself without the test's source, is kept.
- :class:`FeedbackExporter` writes formulas as MathML, which browsers render natively, instead of
  loading MathJax from the network: the page works offline and is a single self-contained file.

:mod:`grading.pipeline.feedback` runs ``nbgrader generate_feedback`` and removes what is not HTML.
"""
import copy
import html
import re

from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors.base import NbGraderPreprocessor

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$")
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_TOKEN = "mathformula{}endformula"


class HideTracebacks(NbGraderPreprocessor):
    """In graded test cells, replace error tracebacks by ``ExceptionName: message``, except a check's own."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                rendered = output.get("ename") == "CheckFailure" and not any("\x1b[" in line for line in output.get("traceback", []))
                if not rendered:  # IPython's own (coloured) traceback quotes the test cell's source
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def mathml(latex, display):
    """MathML for a LaTeX formula; the formula's text in ``<code>`` when it cannot be converted."""
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises several types for LaTeX it does not know
        return f"<code>{html.escape(latex)}</code>"


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with formulas as MathML and no MathJax (no network needed)."""

    def from_notebook_node(self, nb, resources=None, **kw):
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
        return output, resources
