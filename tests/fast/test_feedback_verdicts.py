"""The feedback's test cells show the grader's verdicts; nothing the kernel sent after the first hidden test."""

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.records import Record
from grading.plugins.feedback_page import DROPPED, GraderVerdicts
from grading.plugins.verification import VERDICTS, stop_reason

SECRET = "rng = np.random.default_rng(101)"


def graded_test(grade_id, source, *outputs):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 1}
    return cell


def printed(text):
    return new_output("stream", name="stdout", text=text)


def feedback(cells, verdicts):
    nb = new_notebook(cells=cells, metadata={VERDICTS: verdicts, "widgets": {"state": SECRET}})
    nb, _ = GraderVerdicts().preprocess(nb, {})
    return nb


def test_test_cells_show_the_verdicts_and_later_cells_nothing_the_kernel_sent():
    hidden = f"check(f)\n### BEGIN HIDDEN TESTS\n{SECRET}\n### END HIDDEN TESTS\n"
    before = new_code_cell("print(1)", outputs=[printed("1\n")])
    nb = feedback(
        [
            before,
            graded_test("test_f", hidden, printed(SECRET)),
            new_markdown_cell("notes"),
            new_code_cell("print(stolen)", outputs=[printed(SECRET)]),
            new_code_cell("x = 1"),
            graded_test(
                "test_g", "check(g)", printed(SECRET), new_output("error", ename="X", evalue=SECRET, traceback=[SECRET])
            ),
        ],
        {"test_f": {"passed": True, "reason": ""}, "test_g": {"passed": False, "reason": "g is off"}},
    )
    assert SECRET not in str([c.get("outputs") for c in nb.cells]) and "widgets" not in nb.metadata
    assert nb.cells[0].outputs == [printed("1\n")]  # ran before any hidden test: kept
    assert nb.cells[1].outputs[0]["text"].startswith("Passed")
    assert nb.cells[3].outputs == [printed(DROPPED)] and nb.cells[4].outputs == []
    [failure] = nb.cells[5].outputs
    assert failure["ename"] == "CheckFailure" and failure["evalue"] == "g is off"


def test_a_test_cell_without_a_recorded_verdict_does_not_pass():
    nb = feedback([graded_test("test_f", "check(f)", printed("OK f"))], {})
    assert nb.cells[0].outputs[0]["output_type"] == "error" and "no verdict" in nb.cells[0].outputs[0]["evalue"]


def error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[evalue])


EXPECTED = [Record("f(...) [one]", 1.0)]


def test_the_reason_for_a_kernel_error_repeats_none_of_its_text_but_known_forms():
    secret = f"f [one] raised ValueError: {SECRET}"
    assert (
        stop_reason([error("CheckFailure", secret)], EXPECTED, "check(f)")
        == "the test stopped at the check of f(...) [one]: your function raised ValueError"
    )
    assert SECRET not in stop_reason([error(SECRET.replace(" ", "_"), SECRET)], EXPECTED, "check(f)")
    assert SECRET not in stop_reason([error("CheckFailure", SECRET)], EXPECTED, "check(f)")
    named = stop_reason([error("NameError", "name 'f' is not defined")], EXPECTED, "check(f)")
    assert named.endswith("NameError: f is not defined (was its cell run, or the function renamed?)")
    assert "rng" not in stop_reason([error("NameError", "name 'rng' is not defined")], EXPECTED, "check(f)")
    assert "not implemented yet" in stop_reason(
        [error("CheckFailure", "f [one] is not implemented yet: x")], EXPECTED, "check(f)"
    )
