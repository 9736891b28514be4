import numpy as np
import pytest

from course_utils.gradcheck import gradient_check, numerical_gradient, relative_difference


def quadratic(parameters):
    W, b = parameters["W"], parameters["b"]
    return float(np.sum((W @ np.array([[1.0], [2.0]]) + b) ** 2))


def analytic(parameters):
    W, b = parameters["W"], parameters["b"]
    residual = W @ np.array([[1.0], [2.0]]) + b
    return {"dW": 2 * residual @ np.array([[1.0, 2.0]]), "db": 2 * residual}


def params():
    return {"W": np.array([[0.5, -1.0], [2.0, 0.1], [0.0, 0.3]]), "b": np.array([[0.1], [0.2], [-0.3]])}


def test_numerical_gradient_matches_analytic_and_keeps_shapes():
    p = params()
    numeric = numerical_gradient(quadratic, p)
    assert numeric["W"].shape == (3, 2) and numeric["b"].shape == (3, 1)
    np.testing.assert_allclose(numeric["W"], analytic(p)["dW"], atol=1e-6)


def test_numerical_gradient_leaves_parameters_untouched():
    p = params()
    before = {k: v.copy() for k, v in p.items()}
    numerical_gradient(quadratic, p)
    for key in p:
        np.testing.assert_array_equal(p[key], before[key])


def test_gradient_check_passes_correct_and_names_wrong_gradient():
    p = params()
    differences = gradient_check(quadratic, p, analytic(p))
    assert max(differences.values()) < 1e-7
    wrong = analytic(p)
    wrong["db"] = wrong["db"] * 0.5
    with pytest.raises(AssertionError, match="'b'"):
        gradient_check(quadratic, p, wrong)


def test_gradient_check_rejects_wrong_shape():
    p = params()
    wrong = analytic(p)
    wrong["db"] = wrong["db"].ravel()
    with pytest.raises(AssertionError, match=r"shape \(3,\)"):
        gradient_check(quadratic, p, wrong)


def test_relative_difference_formula():
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_difference(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)


def test_notes_example_J_equals_3_a_plus_bc():
    def J(p):
        return 3 * (p["a"] + p["b"] * p["c"])

    p = {"a": np.array([[5.0]]), "b": np.array([[3.0]]), "c": np.array([[2.0]])}
    numeric = numerical_gradient(J, p)
    np.testing.assert_allclose([numeric[k][0, 0] for k in "abc"], [3.0, 6.0, 9.0], atol=1e-6)


def test_a_number_parameter_is_passed_as_a_float_that_adding_into_cannot_change():
    def cost(p):
        z = p["b"]
        for value in (1.0, 2.0):
            z += p["w"][0, 0] * value
        return z**2

    w, b = np.array([[0.5]]), 0.25
    z = b + 3 * w[0, 0]
    gradient_check(cost, {"w": w, "b": b}, {"dw": np.array([[6 * z]]), "db": 2 * z})
    assert b == 0.25 and w[0, 0] == 0.5


def test_float32_code_is_checked_at_the_precision_it_has():
    def cost32(p):
        return np.sum(np.tanh(p["W"].astype(np.float32)) ** 2)

    p = {"W": np.array([[0.3, -1.2], [0.7, 0.1]])}
    right = {"dW": (2 * np.tanh(p["W"]) * (1 - np.tanh(p["W"]) ** 2)).astype(np.float32)}
    differences = gradient_check(cost32, p, right)
    assert differences.agree and differences.threshold > 1e-6
    with pytest.raises(AssertionError, match="'W'"):
        gradient_check(cost32, p, {"dW": right["dW"] * 1.5})


def test_check_gradients_records_the_analytic_gradients_as_values(monkeypatch, capsys):
    from course_utils import gradcheck

    emitted = []
    monkeypatch.setattr(gradcheck.records, "emit", lambda *args, **kwargs: emitted.append((args, kwargs)))
    p = params()
    gradcheck.check_gradients(quadratic, p, analytic(p), name="quadratic", case="3 x 2")
    [((label, value, rtol, atol), kwargs)] = emitted
    assert label == "quadratic gradients [3 x 2]" and (rtol, atol) == (1e-6, 1e-8) and not kwargs["hidden"]
    assert sorted(value) == ["W", "b"] and np.array_equal(value["W"], analytic(p)["dW"])
    assert "OK quadratic gradients [3 x 2]" in capsys.readouterr().out


def test_check_gradients_fails_with_the_reason_as_a_check_failure():
    from course_utils.checks import CheckFailure
    from course_utils.gradcheck import check_gradients

    p = params()
    wrong = analytic(p)
    wrong["db"] = wrong["db"] / 2
    with pytest.raises(CheckFailure, match=r"quadratic gradients \[x\]: gradient of 'b' disagrees"):
        check_gradients(quadratic, p, wrong, name="quadratic", case="x")
    with pytest.raises(CheckFailure, match=r"quadratic gradients: no gradient for parameter 'W'"):
        check_gradients(quadratic, p, {"db": wrong["db"]}, name="quadratic")
