"""What a submission shows in Formgrader and the feedback is inert (issue 17, attack 2), and oversized notebooks
are refused before grading (attack 11)."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from grading.pipeline.autograde import bounds_problem
from grading.plugins.sanitize import SanitizeSubmission, clean_markdown

PAYLOAD = (
    '<img src=x onerror="alert(1)"> <script>alert(2)</script> [l](javascript:alert(3)) '
    '<svg onload=alert(4)></svg> <iframe src=x></iframe> <a href="data:text/html,x">d</a>'
)


def sanitized(*cells, **metadata):
    nb = new_notebook(cells=list(cells), metadata=metadata)
    nb, _ = SanitizeSubmission().preprocess(nb, {})
    return nb


def test_markdown_keeps_its_text_and_loses_every_active_part():
    cell = sanitized(new_markdown_cell("**bold** `a<b` $x<y$\n\n" + PAYLOAD)).cells[0]
    for gone in ("onerror", "<script", "javascript:", "<svg", "onload", "<iframe", "data:text"):
        assert gone not in cell.source, (gone, cell.source)
    assert "<strong>bold</strong>" in cell.source and "<code>a&lt;b</code>" in cell.source and "$x&lt;y$" in cell.source
    assert "\n" not in cell.source and clean_markdown(cell.source) == cell.source  # one HTML block, stable


def test_outputs_keep_plain_text_and_images_and_lose_active_types():
    outputs = [
        new_output("display_data", {"text/html": "<b>b</b><script>alert(1)</script>", "text/plain": "t"}),
        new_output("display_data", {"application/javascript": "alert(2)"}),
        new_output("display_data", {"image/svg+xml": "<svg onload='alert(3)'/>", "image/png": "iVBORw0KGgo="}),
        new_output("display_data", {"image/png": '"><script>alert(4)</script>'}),
        new_output("display_data", {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}}),
    ]
    cell = sanitized(new_code_cell("x", outputs=outputs), widgets={"state": {"m": {}}})
    data = [o["data"] for o in cell.cells[0].outputs]
    assert data[0] == {"text/html": "<b>b</b>", "text/plain": "t"}
    assert data[1] == {"text/plain": "[output of type application/javascript removed by the grader]"}
    assert data[2] == {"image/png": "iVBORw0KGgo="}
    assert data[3] == {"text/plain": "[output of type image/png removed by the grader]"}
    assert data[4] == {"text/plain": "[output of type application/vnd.jupyter.widget-view+json removed by the grader]"}
    assert "widgets" not in cell.metadata


def test_raw_html_cells_and_instructor_cells():
    raw = new_raw_cell("<script>alert(1)</script>", metadata={"raw_mimetype": "text/html", "format": "text/html"})
    assert sanitized(raw).cells[0].metadata == {}
    from nbgrader.utils import compute_checksum

    mine = new_markdown_cell(
        "YOUR ANSWER HERE", metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": "q", "points": 1}}
    )
    mine.metadata.nbgrader["checksum"] = compute_checksum(mine)
    assert sanitized(mine).cells[0].source == "YOUR ANSWER HERE"  # unchanged: nbgrader still scores it blank


def test_a_notebook_of_too_many_cells_or_bytes_is_refused_before_it_is_read(tmp_path):
    source = tmp_path / "source.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("a") for _ in range(10)]), source)
    many = tmp_path / "many.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("x") for _ in range(200)]), many)
    assert "200 cells, more than the 130" in bounds_problem(many, source)
    assert bounds_problem(source, source) == ""
