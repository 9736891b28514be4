"""The LMS exports keep a student-chosen name that looks like a formula as text."""

from grading.pipeline.lms import _text


def test_a_name_that_starts_like_a_formula_stays_text():
    assert _text('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    assert [_text(v) for v in ("+1", "-2", "@SUM(A1)")] == ["'+1", "'-2", "'@SUM(A1)"]
    assert _text("Ada Lovelace") == "Ada Lovelace" and _text("") == ""
