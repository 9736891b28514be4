"""The feedback page names each test cell by its exercise, wraps long reasons and marks the error stream."""

from grading.plugins.feedback_page import STYLE, readable

PAGE = """<html><head><title>x</title></head><body><ul>
<li><a href="#test_l1_loss">Test cell</a> (Score: 0.0 / 1.0)</li>
<li><a href="#test_sigmoid_derivative">Test cell</a> (Score: 1.0 / 1.0)</li>
<li><a href="#sigmoid">Coding free-response</a></li></ul></body></html>"""


def test_the_summary_names_each_test_cell_by_its_exercise():
    page = readable(PAGE)
    assert '<a href="#test_l1_loss">Test of l1_loss</a>' in page
    assert '<a href="#test_sigmoid_derivative">Test of sigmoid_derivative</a>' in page
    assert "Test cell" not in page and "Coding free-response" in page


def test_reasons_wrap_and_the_error_stream_is_marked():
    page = readable(PAGE)
    assert page.index(STYLE) < page.index("</head>")
    assert "white-space: pre-wrap" in STYLE and "stderr (the error stream)" in STYLE
