import numpy as np
import pytest

from course_utils.metrics import accuracy, confusion_matrix


def test_accuracy_is_a_percentage_float():
    value = accuracy(np.array([[1, 0, 1, 1]]), np.array([[1, 1, 1, 1]]))
    assert isinstance(value, float) and value == 75.0


def test_accuracy_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(4,\).*\(1, 4\)"):
        accuracy(np.array([1, 0, 1, 1]), np.array([[1, 1, 1, 1]]))


def test_confusion_matrix_counts():
    matrix = confusion_matrix(np.array([[0, 1, 1, 2]]), np.array([[0, 1, 2, 2]]), 3)
    np.testing.assert_array_equal(matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
