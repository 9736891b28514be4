"""Feedback HTML per student: their code, the visible tests' messages, the grader's reasons and the points.

Configured in ``nbgrader_config.py`` so that ``make feedback``, ``nbgrader generate_feedback`` and
Formgrader produce the same page:

- nbgrader's ``ClearHiddenTests`` removes the hidden tests' source; :class:`HideTracebacks` trims
  any other traceback of a test cell to its final message (IPython's tracebacks quote the hidden
  line that failed); a check failure, which renders itself without the test's source, is kept.
- :class:`FeedbackExporter` writes formulas as MathML, which browsers render natively, instead of
  loading MathJax from the network: the page works offline and is a single self-contained file.  It
  also wraps long reasons, marks the error stream and names each test cell by its exercise in the summary.

nbgrader copies every other file of the autograded folder next to the page (the kernel's IPython
history among them, which holds every cell's source); :func:`generate` removes what is not HTML.
"""
import copy
import html
import re

from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors.base import NbGraderPreprocessor

from .course import NBGRADER_FILES

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
            formulas.append(mathml(match.group(1).strip(), display))
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
        return readable(output), resources


def _nbgrader_file(path):
    """One of nbgrader's small files at the folder's top (``NBGRADER_FILES``), which ``release_feedback`` reads."""
    return path.name in NBGRADER_FILES and not path.is_symlink() and path.stat().st_size < 256 and \
        path.read_bytes().strip().replace(b"-", b"").replace(b":", b"").replace(b" ", b"").replace(b".", b"").isalnum()


def remove_extras(folder):
    """Delete every file under a feedback folder but the HTML pages and nbgrader's own files; returns them."""
    extras = [p for p in sorted(folder.rglob("*"), reverse=True)
              if (p.is_file() or p.is_symlink()) and p.suffix != ".html" and not (p.parent == folder and _nbgrader_file(p))]
    for path in extras:
        path.unlink()
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return extras


def generate(course, assignments=None):
    """``nbgrader generate_feedback`` per assignment; returns ``{assignment: error text}`` for failures."""
    failures = {}
    for assignment in assignments or course.assignments():
        if not any((course.autograded / s / assignment).is_dir() for s in course.students()):
            continue
        result = course.nbgrader("generate_feedback", assignment, "--force")
        if result.returncode != 0:
            failures[assignment] = (result.stdout + result.stderr)[-2000:]
        for student in course.students():
            if (course.feedback_dir / student / assignment).is_dir():
                remove_extras(course.feedback_dir / student / assignment)
    return failures
