import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_utils import plotting  # noqa: E402


def teardown_function():
    plt.close("all")


def test_plot_costs_single_and_several_runs():
    ax = plotting.plot_costs([3.0, 2.0, 1.0], every=100)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 100, 200])
    ax = plotting.plot_costs({"lr 0.1": [1, 0.5], "lr 0.01": [1, 0.9]})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr 0.1", "lr 0.01"]


def test_show_images_marks_wrong_predictions_in_red():
    images = np.zeros((3, 8, 8, 1), dtype=np.uint8)
    axes = plotting.show_images(images, np.array([[0, 1, 1]]), np.array([[0, 0, 1]]), classes=["odd", "even"], ncols=3)
    titles = [ax.title for ax in axes.flat]
    assert titles[0].get_text() == "true odd\npred odd"
    assert titles[1].get_color() == "red" and titles[0].get_color() == "black"


def test_decision_boundary_calls_predict_with_column_points():
    seen = {}

    def predict(points):
        seen["shape"] = points.shape
        return (points[0:1] > 0).astype(int)

    X = np.array([[-1.0, 1.0], [0.0, 1.0]])
    plotting.plot_decision_boundary(predict, X, np.array([[0, 1]]), resolution=20)
    assert seen["shape"] == (2, 400)


def test_decision_boundary_under_grading_asks_predict_for_a_coarse_grid(monkeypatch):
    seen = []
    X = np.array([[-1.0, 1.0], [0.0, 1.0]])
    for mode in (None, "autograde"):
        if mode:
            monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        else:
            monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
        plotting.plot_decision_boundary(
            lambda P: seen.append(P.shape) or (P[0:1] > 0).astype(int), X, np.array([[0, 1]])
        )
    assert seen == [(2, 300 * 300), (2, 30 * 30)]


def test_plot_confusion_matrix_writes_every_count():
    matrix = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    ax = plotting.plot_confusion_matrix(matrix, ["a", "b", "c"])
    assert len(ax.texts) == 9


def test_points_have_a_legend_for_the_two_labels():
    X, Y = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 0.5]]), np.array([[0, 1, 1]])
    ax = plotting.plot_points(X, Y)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = 0", "y = 1"]
    ax = plotting.plot_decision_boundary(lambda P: (P[0:1] > 1).astype(int), X, Y, resolution=10)
    assert ax.get_legend() is not None
    assert plotting.plot_points(X, Y, legend=False).get_legend() is None


def test_a_constant_prediction_is_shaded_with_its_own_class_colour():
    """XOR's logistic unit answers 0 everywhere: its region must be red like class 0 elsewhere."""
    X, Y = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]), np.array([[0, 1, 1, 0]])
    zero = plotting.plot_decision_boundary(lambda P: np.zeros((1, P.shape[1]), dtype=int), X, Y, resolution=10)
    mixed = plotting.plot_decision_boundary(lambda P: (P[0:1] > 0.5).astype(int), X, Y, resolution=10)
    zero_colour = zero.collections[0].get_facecolor()[0] if zero.collections else None
    assert zero_colour is not None
    assert np.allclose(zero_colour[:3], mixed.collections[0].get_facecolor()[0][:3])
    assert np.allclose(zero_colour[:3], plt.cm.RdBu(0.0)[:3], atol=0.05)
    points = [c for c in zero.collections if len(c.get_offsets()) == 4]
    assert points and points[0].get_sizes()[0] >= 100, "four points are drawn large enough to see"
