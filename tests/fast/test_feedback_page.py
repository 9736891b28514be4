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


# ---- pending written answers and lateness (issue 20) ----
WRITTEN = """<html><head></head><body><h4>quiz.ipynb (Score: 2.25 / 4.25)</h4><ol>
<li><a href="#written_1">Written response</a> (Score: 0.0 / 1.0)</li>
<li><a href="#q1">Test cell</a> (Score: 0.25 / 0.25)</li></ol>
<a name="written_1"></a><div class="panel-heading"><span class="pull-right">Score: 0.0 / 1.0 <a href="#top">(Top)</a>
</span></div><a name="q1"></a><div class="panel-heading"><span>Score: 0.25 / 0.25</span></div></body></html>"""


def test_a_pending_answer_reads_not_graded_yet_and_lateness_is_stated():
    from grading.plugins.feedback_page import mark_pending

    info = {"pending": ["written_1"], "lateness": "Submitted 2026-10-20 10:00 UTC, <late> ..."}
    page = mark_pending(WRITTEN, {"nbgrader": info})
    assert page.count("not graded yet / 1.0") == 2 and "Score: 0.25 / 0.25" in page
    assert "1 written answer(s) are not graded yet" in page and "&lt;late&gt;" in page
    assert mark_pending(WRITTEN, {"nbgrader": {"pending": [], "lateness": ""}}) == WRITTEN
