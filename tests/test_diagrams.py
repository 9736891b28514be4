import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from course_utils import diagrams  # noqa: E402


def teardown_function():
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_network_draws_each_unit_and_labels_weights_with_shapes():
    ax = diagrams.draw_network([3, 4, 1])
    assert sum(isinstance(p, Circle) for p in ax.patches) == 8
    assert len(ax.lines) == 3 * 4 + 4 * 1
    joined = "\n".join(texts(ax))
    assert "W[1] (4, 3)\nb[1] (4, 1)" in joined and "W[2] (1, 4)" in joined
    assert "n[0] = 3" in joined and "layer 2 (output)" in joined


def test_wide_layer_is_abbreviated_with_an_ellipsis():
    ax = diagrams.draw_network([20, 2, 1], max_units=6, activations=["relu", "sigmoid"])
    assert sum(isinstance(p, Circle) for p in ax.patches) == 5 + 2 + 1
    assert "⋮" in texts(ax)
    assert any("n[0] = 20" in t for t in texts(ax)) and any("sigmoid" in t for t in texts(ax))


@pytest.mark.parametrize("bad", [[3], [3, 0, 1], [2.5, 1]])
def test_network_rejects_bad_layer_dims(bad):
    with pytest.raises(ValueError, match="layer_dims"):
        diagrams.draw_network(bad)


def test_example_graph_shows_forward_values_and_derivatives():
    ax = diagrams.draw_computation_graph("example", a=5, b=3, c=2)
    shown = texts(ax)
    for expected in ["u = bc\n= 6", "v = a + u\n= 11", "J = 3v\n= 33", "dJ/db = 3c = 6", "dJ/dc = 3b = 9", "dJ/dv = 3"]:
        assert expected in shown
    red = {t.get_text() for t in ax.texts if t.get_color() == diagrams.BACKWARD_COLOR}
    assert "dJ/da = 3" in red and "v = 11" not in red


def test_logistic_graph_derivatives_follow_the_values():
    ax = diagrams.draw_computation_graph("logistic", x1=2.0, x2=0.0, w1=0.0, w2=1.0, b=0.0, y=0.0)
    shown = texts(ax)
    assert "a = σ(z)\n= 0.5" in shown  # z = 0
    assert "dz = a - y\n= 0.5" in shown and "dw1 = x1 dz = 1" in shown and "db = dz = 0.5" in shown


def test_graph_rejects_unknown_kind_and_values():
    with pytest.raises(ValueError, match="kind"):
        diagrams.draw_computation_graph("softmax")
    with pytest.raises(ValueError, match="unknown value"):
        diagrams.draw_computation_graph("example", d=1)


def test_block_chain_has_a_cache_and_gradients_per_layer():
    fig, ax = plt.subplots()
    assert diagrams.draw_block_chain(3, ax=ax) is ax
    shown = "\n".join(texts(ax))
    for l in (1, 2, 3):
        assert f"caches[{l - 1}]\nA[{l - 1}], W[{l}],\nb[{l}], Z[{l}]" in shown
        assert f"dW[{l}], db[{l}]" in shown
    assert "layer 3\nsigmoid" in shown and "layer 2\nReLU" in shown and "dA[3]" in shown
    with pytest.raises(ValueError, match="positive integer"):
        diagrams.draw_block_chain(0)


def test_network_with_unit_names_and_hand_wired_edges():
    wiring = [np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]), np.ones((1, 3))]
    names = [["size", "bedrooms", "zip score", "wealth"], ["family size", "walkability", "school quality"], ["price"]]
    ax = diagrams.draw_network([4, 3, 1], unit_names=names, connections=wiring)
    assert len(ax.lines) == 5 + 3
    shown = texts(ax)
    for name in names[0] + names[1] + names[2]:
        assert name in shown
    with pytest.raises(ValueError, match="unit_names"):
        diagrams.draw_network([4, 3, 1], unit_names=[["a"], None, None])
    with pytest.raises(ValueError, match="connections"):
        diagrams.draw_network([4, 3, 1], connections=[np.ones((4, 3)), np.ones((1, 3))])


def test_mini_batches_are_cut_with_a_shorter_last_one():
    shown = "\n".join(texts(diagrams.draw_mini_batches(8192, 64)))
    assert "X{1}\n(n_x, 64)" in shown and "X{128}\n(n_x, 64)" in shown and "…" in shown
    assert "128 mini-batches of 64:" in shown
    shown = "\n".join(texts(diagrams.draw_mini_batches(10, 4)))
    assert "X{3}\n(n_x, 2)" in shown and "the last holds the remaining 2" in shown
    with pytest.raises(ValueError, match="positive integers"):
        diagrams.draw_mini_batches(10, 0)
