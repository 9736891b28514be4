"""nbgrader preprocessor: nothing a submission brings is active where an instructor or a student views it.

Formgrader renders the autograded notebook, and the feedback page the same, as HTML in the
instructor's (or the student's) browser.  Markdown with raw HTML, ``text/html``, ``text/markdown``
and SVG outputs, ``application/javascript``, widget views and state, and HTML raw cells would all run
as script there.  :class:`SanitizeSubmission` runs when a submission enters autograde (before the
notebook is stored in ``autograded/``), after execution, and again for the feedback:

- markdown cells are rendered with nbconvert's own markdown renderer and stored as the HTML that
  ``nh3`` (the ammonia sanitizer) keeps: no script, event handler, ``javascript:`` link, SVG or style;
- ``text/html`` and ``text/markdown`` outputs become cleaned ``text/html``; images must be base64
  PNG, JPEG or GIF; every other rich type is dropped (the plain text stays, or a note says what went);
- attachments keep only such images; raw cells lose their HTML format; widget state is removed.

A cell whose nbgrader checksum still matches is the instructor's own (or a written answer left blank,
which nbgrader scores 0 by that checksum) and is kept as it is.
"""

import html
import re
from typing import Any

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode, from_dict
from nbgrader.preprocessors.base import NbGraderPreprocessor
from nbgrader.utils import compute_checksum

from course_utils.records import MIME as RECORD

IMAGES = ("image/png", "image/jpeg", "image/gif")
KEPT = {"text/plain", "text/html", RECORD, *IMAGES}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=]*")
SCHEMES = {"http", "https", "mailto", "attachment", "data"}
_ONE_BLOCK = re.compile(r"<div>[^\n]*</div>")  # what clean_markdown returns: cleaned again, not wrapped again


def _attribute(element, attribute, value):
    """nh3's filter: a ``data:`` URL only as an image's source, and only a base64 PNG, JPEG or GIF."""
    if value.strip().lower().startswith("data:"):
        return value if element == "img" and attribute == "src" and _DATA_IMAGE.fullmatch(value.strip()) else None
    return value


def clean_html(text):
    """``text`` (HTML) with only inert tags and attributes left (nh3's allow-list, safe URL schemes)."""
    return nh3.clean(str(text), url_schemes=SCHEMES, attribute_filter=_attribute)


def clean_markdown(source, attachments=None):
    """The markdown ``source`` as sanitized HTML in one line (a single HTML block for any markdown renderer);
    ``attachments`` (already cleaned) are embedded as images."""
    if _ONE_BLOCK.fullmatch(str(source)):
        return clean_html(source).replace("\n", "&#10;")
    try:
        rendered = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})).render(
            str(source)
        )
    except Exception:  # the renderer raises several types for broken input (a missing attachment...)
        rendered = f"<pre>{html.escape(str(source))}</pre>"
    return "<div>" + clean_html(rendered).replace("\n", "&#10;") + "</div>"


def _image(data):
    return isinstance(data, str) and _BASE64.fullmatch(data) is not None


def clean_output(output):
    """The output with only inert content; returns it (changed in place)."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output
    data, kept = output.get("data", {}), {}
    for mime, value in data.items():
        if mime == "text/html":
            kept[mime] = clean_html("".join(value) if isinstance(value, list) else value)
        elif mime == "text/markdown":
            kept.setdefault("text/html", clean_markdown("".join(value) if isinstance(value, list) else value))
        elif mime in IMAGES and _image(value) or mime in ("text/plain", RECORD):
            kept[mime] = value
    if not kept.keys() & {"text/plain", "text/html", *IMAGES} and data.keys() - {RECORD}:
        kept["text/plain"] = f"[output of type {', '.join(sorted(data.keys() - {RECORD}))} removed by the grader]"
    output["data"], output["metadata"] = kept, {}
    output.pop("transient", None)
    return output


class SanitizeSubmission(NbGraderPreprocessor):
    """Make every cell and output of a notebook inert for an HTML view (Formgrader, feedback)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        checksum = cell.metadata.get("nbgrader", {}).get("checksum")
        if checksum and compute_checksum(from_dict(cell)) == checksum:  # cells nbgrader put back are plain dicts
            return cell, resources  # exactly the instructor's cell (nbgrader scores an unchanged answer 0)
        if cell.cell_type == "markdown":
            attachments = {
                name: {m: d for m, d in bundle.items() if m in IMAGES and _image(d)}
                for name, bundle in (cell.get("attachments") or {}).items()
                if isinstance(bundle, dict)
            }
            cell.source = clean_markdown(cell.source, attachments)
            cell.pop("attachments", None)  # embedded in the source
        elif cell.cell_type == "raw":
            for key in ("format", "raw_mimetype"):
                cell.metadata.pop(key, None)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                clean_output(output)
        return cell, resources
