import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from course_utils import activations
from course_utils.checks import CheckFailure, check_function, check_shapes, check_true, check_value, first_problem


def fail_message(got, expected, **kwargs):
    with pytest.raises(CheckFailure) as info:
        check_value(got, expected, **kwargs)
    return str(info.value)


def test_pass_prints_one_short_line(capsys):
    check_value(np.ones((2, 1)), np.ones((2, 1)), name="w", case="zeros")
    assert capsys.readouterr().out == "OK w [zeros]\n"


def test_type_problem_comes_first():
    message = fail_message([[1.0]], np.array([[np.nan, 2.0]]), name="dw")
    assert "dw should be a NumPy array of shape (1, 2) but is a list" in message


def test_float_versus_array():
    assert "should be a float but is a NumPy array" in fail_message(np.array([[1.0]]), 1.0, name="cost")


def test_shape_before_values_with_rank_1_hint():
    message = fail_message(np.zeros(3), np.ones((3, 1)), name="dw", case="small")
    assert "shape (3,) but expected (3, 1)" in message and "rank-1" in message and "small" in message


def test_transposed_hint():
    assert "transposed" in fail_message(np.zeros((2, 3)), np.zeros((3, 2)))


def test_dtype_problem():
    assert "dtype int64" in fail_message(np.array([[1, 2]]), np.array([[1.0, 2.0]]))


def test_nan_problem_before_values():
    message = fail_message(np.array([[1.0, np.nan]]), np.array([[5.0, 2.0]]), name="A")
    assert "contains nan at index (0, 1)" in message


def test_value_problem_names_largest_difference_and_tolerance():
    message = fail_message(np.array([[1.0, 2.5, 3.0]]), np.array([[1.0, 2.0, 3.0]]), name="Z", rtol=0, atol=1e-3)
    assert "1 of 3 values off" in message and "index (0, 1)" in message and "tolerance 0.001" in message


def test_nested_dict_keys_and_paths():
    expected = ({"dw": np.zeros((2, 1)), "db": 0.0}, 1.0)
    assert "missing ['db']" in fail_message(({"dw": np.zeros((2, 1))}, 1.0), expected, name="propagate")
    message = fail_message(({"dw": np.zeros((2, 1)), "db": 0.5}, 1.0), expected, name="propagate")
    assert "propagate[0]['db'] is 0.5 but expected 0" in message


def test_python_float_accepts_numpy_float64_and_int():
    assert first_problem(np.float64(2.0), 2.0) is None
    assert first_problem(2, 2.0) is None


@given(arrays(float, array_shapes(min_dims=2, max_dims=2), elements=st.floats(-1e6, 1e6)))
def test_any_array_matches_itself(x):
    assert first_problem(x.copy(), x) is None


@given(arrays(float, (3, 2), elements=st.floats(-1e3, 1e3)), st.floats(1e-3, 10))
def test_shifted_array_is_reported_with_its_difference(x, shift):
    problem = first_problem(x + shift, x, rtol=0, atol=shift / 10)
    assert problem is not None and "largest difference" in problem


def test_check_function_reports_not_implemented():
    def propagate(w):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="propagate is not implemented yet"):
        check_function(propagate, (1,), 1.0)


def test_check_function_reports_exceptions_with_case():
    def f(x):
        return x["missing"]

    with pytest.raises(CheckFailure, match=r"f \[tiny\] raised KeyError"):
        check_function(f, ({},), 1.0, case="tiny")


def test_check_function_turns_warnings_into_failures():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    with pytest.raises(CheckFailure, match="RuntimeWarning"):
        check_function(sigmoid, (np.array([[-1000.0]]),), np.array([[0.0]]))


def test_check_function_detects_in_place_modification():
    def scale(x):
        x *= 2
        return x

    with pytest.raises(CheckFailure, match="in place"):
        check_function(scale, (np.ones((2, 1)),), 2 * np.ones((2, 1)))


def test_check_function_refuses_course_utils_implementation():
    with pytest.raises(CheckFailure, match="course_utils"):
        check_function(activations.sigmoid, (np.zeros((1, 1)),), (np.full((1, 1), 0.5), np.zeros((1, 1))))


def test_check_function_passes_and_returns_result(capsys):
    result = check_function(lambda x: 2 * x, (np.ones((1, 2)),), 2 * np.ones((1, 2)), name="double", case="ones")
    assert result.shape == (1, 2)
    assert capsys.readouterr().out == "OK double [ones]\n"


def test_check_shapes_and_check_true():
    check_shapes({"W1": np.zeros((4, 2))}, {"W1": (4, 2)})
    with pytest.raises(CheckFailure, match=r"'b1'"):
        check_shapes({"W1": np.zeros((4, 2))}, {"b1": (4, 1)})
    with pytest.raises(CheckFailure, match="rows differ"):
        check_true(False, "rows differ", name="symmetry")


def test_failing_check_renders_only_its_message():
    with pytest.raises(CheckFailure) as info:
        check_value(np.zeros((2, 1)), np.ones((2, 1)), name="w", case="ones")
    rendered = info.value._render_traceback_()
    assert rendered == [f"CheckFailure: {info.value}"]


def test_student_error_keeps_only_the_students_frames():
    def helper(x):
        return x["missing"]

    def propagate(x):
        return helper(x)

    with pytest.raises(CheckFailure) as info:
        check_function(propagate, ({},), 1.0)
    rendered = "\n".join(info.value._render_traceback_())
    assert "in propagate" in rendered and "in helper" in rendered and "KeyError: 'missing'" in rendered
    assert "course_utils" not in rendered and rendered.endswith(f"CheckFailure: {info.value}")
