"""The verification preprocessor on small in-memory notebooks: verdicts, reasons, refusals."""

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade
from traitlets.config import Config

from course_utils import records
from grading import recording
from grading.course import Course
from grading.plugins.verification import VerifyChecks, cell_problem

X = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0]])  # 2 features, m = 4 examples
DW = np.array([[0.25, -0.5]])
SECRET = 0.123456789


def graded_cell(grade_id, *record_outputs, error=None):
    cell = new_code_cell("check_reference(ASSIGNMENT, 'grad', grad, cases)", outputs=list(record_outputs))
    if error:
        cell.outputs.append(new_output("error", ename="CheckFailure", evalue=error, traceback=[error]))
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 2,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    return cell


def record(label, value, hidden=True, inputs=None):
    return new_output("display_data", data=records.bundle(label, value, 1e-6, 1e-8, inputs, hidden))


def solution_records():
    return {
        "test_grad": [
            records.Record("grad(...) [visible]", DW, 1e-6, 1e-8, hidden=False),
            records.Record("grad [four examples]", DW, 1e-6, 1e-8, hidden=True),
            records.Record("cost [four examples]", SECRET, 1e-6, 1e-8, hidden=True),
        ]
    }


@pytest.fixture
def verify(tmp_path):
    """Run VerifyChecks on a notebook against a reference written in tmp_path; returns the test cell."""
    records.write_reference(tmp_path / "demo" / "nb.json", "demo", "nb.ipynb", "sha256:none", solution_records())

    def run(cell, reveal="kind"):
        config = Config()
        config.VerifyChecks.references_directory = str(tmp_path)
        config.VerifyChecks.reveal = reveal
        config.CourseDirectory.root = str(tmp_path / "course")  # no source notebook there: checksum not compared
        nb = new_notebook(cells=[cell])
        nb, _ = VerifyChecks(config=config).preprocess(nb, {"nbgrader": {"assignment": "demo", "notebook": "nb"}})
        return nb.cells[0]

    return run


def errors(cell):
    return [o["evalue"] for o in cell.outputs if o["output_type"] == "error"]


def honest_outputs(dw=DW, cost=SECRET):
    return [
        record("grad(...) [visible]", DW, hidden=False),
        record("grad [four examples]", dw, inputs=(X,)),
        record("cost [four examples]", cost, inputs=(X,)),
    ]


def test_matching_records_keep_the_points(verify):
    cell = verify(graded_cell("test_grad", *honest_outputs()))
    assert errors(cell) == [] and determine_grade(cell) == (2, 2)


def test_hidden_mismatch_scores_zero_with_case_and_kind(verify):
    cell = verify(graded_cell("test_grad", *honest_outputs(dw=np.array([[0.25, 0.5]]))))
    [reason] = errors(cell)
    assert determine_grade(cell) == (0, 2)
    assert "hidden test case 'four examples'" in reason and "grad(...) has 1 of 2 values off" in reason
    assert "index (0, 1)" in reason
    assert "-0.5" not in reason and "difference" not in reason and "tolerance 1" not in reason, reason


@pytest.mark.parametrize("cost", [SECRET * 4, -SECRET, SECRET + 0.5, SECRET - 0.5, 0.0])
def test_hidden_reason_never_narrows_the_expected_value(verify, cost):
    """No gap, sign, tolerance (it scales with the expected value) or factor: the reason is the same sentence
    whatever the expected value is, so it says nothing about where that value lies."""
    cell = verify(graded_cell("test_grad", *honest_outputs(cost=cost)))
    [reason] = errors(cell)
    assert reason == "cost(...) is not within the tolerance of the expected value in hidden test case 'four examples'"
    visible = cell_problem(
        records.from_outputs([record("cost [x]", cost, hidden=False)]),
        [records.Record("cost [x]", SECRET, 1e-6, 1e-8)],
    )
    assert "expected 0.12345679" in visible and "difference" in visible  # visible cases keep their detail


def test_reveal_values_setting_quotes_them(verify):
    cell = verify(graded_cell("test_grad", *honest_outputs(cost=1.0)), reveal="values")
    [reason] = errors(cell)
    assert "expected 0.12345679" in reason


def test_kind_problems_in_the_visible_order(verify):
    wrong_type = verify(graded_cell("test_grad", *honest_outputs(dw=[[0.25, -0.5]])))
    assert "should be a NumPy array of shape (1, 2) but is a list" in errors(wrong_type)[0]
    wrong_shape = verify(graded_cell("test_grad", *honest_outputs(dw=DW.ravel())))
    assert "shape (2,) but expected (1, 2)" in errors(wrong_shape)[0] and "rank-1" in errors(wrong_shape)[0]
    wrong_dtype = verify(graded_cell("test_grad", *honest_outputs(dw=np.array([[0, 1]]))))
    assert "dtype int64" in errors(wrong_dtype)[0]
    nan = verify(graded_cell("test_grad", *honest_outputs(dw=np.array([[np.nan, -0.5]]))))
    assert "contains nan at index (0, 0)" in errors(nan)[0]


def test_missing_records_fail_even_without_an_error(verify):
    cell = verify(graded_cell("test_grad", record("grad(...) [visible]", DW, hidden=False)))
    [reason] = errors(cell)
    assert "grad [four examples] did not run to the end" in reason and determine_grade(cell) == (0, 2)


def test_a_bypassed_visible_check_is_caught(verify):
    outputs = honest_outputs()
    outputs[0] = record("grad(...) [visible]", DW * 2, hidden=False)
    cell = verify(graded_cell("test_grad", *outputs))
    assert "test case 'visible'" in errors(cell)[0] and determine_grade(cell) == (0, 2)


def test_an_existing_failure_is_left_as_it_is(verify):
    cell = verify(graded_cell("test_grad", error="grad is not implemented yet"))
    assert errors(cell) == ["grad is not implemented yet"]


def test_failure_goes_before_a_result_that_would_give_partial_credit(verify):
    cell = graded_cell("test_grad", *honest_outputs(dw=DW * 3))
    cell.outputs.append(new_output("execute_result", data={"text/plain": "2"}, execution_count=1))
    assert determine_grade(verify(cell)) == (0, 2)


def test_missing_reference_refuses(tmp_path):
    config = Config()
    config.VerifyChecks.references_directory = str(tmp_path)
    with pytest.raises(RuntimeError, match="make references ASSIGNMENTS=demo"):
        VerifyChecks(config=config).preprocess(new_notebook(), {"nbgrader": {"assignment": "demo", "notebook": "nb"}})


def test_cell_problem_ignores_extra_records():
    found = records.from_outputs([record("other", 1.0)] + honest_outputs())
    assert cell_problem(found, solution_records()["test_grad"]) == ""


def small_course(tmp_path):
    folder = tmp_path / "course" / "notebooks" / "demo"
    folder.mkdir(parents=True)
    notebook = new_notebook(cells=[graded_cell("test_grad")])

    nbformat.write(notebook, folder / "nb.ipynb")
    return Course(tmp_path / "course"), notebook


def test_freshness_check_names_the_command(tmp_path):
    course, notebook = small_course(tmp_path)
    root = tmp_path / "refs"
    [missing] = recording.problems(course, root=root)
    assert "is missing" in missing and "make references ASSIGNMENTS=demo" in missing
    records.write_reference(
        root / "demo" / "nb.json", "demo", "nb.ipynb", recording.checksum(notebook), solution_records()
    )
    assert recording.problems(course, root=root) == []
    notebook.cells[0].source += "\n# edited"

    nbformat.write(notebook, course.source / "demo" / "nb.ipynb")
    [stale] = recording.problems(course, root=root)
    assert "another version" in stale
    with pytest.raises(recording.StaleReferences, match="make references ASSIGNMENTS=demo"):
        recording.require_current(course, root=root)


def test_reference_file_is_text_with_one_line_per_record(tmp_path):
    path = records.write_reference(tmp_path / "nb.json", "demo", "nb.ipynb", "sha256:x", solution_records())
    text = path.read_text()
    assert text.count('"label"') == 3 and len(text.splitlines()) == 3 + 10
    back = records.read_reference(path)["cells"]["test_grad"]
    assert np.array_equal(back[0].value, DW) and back[2].value == SECRET
