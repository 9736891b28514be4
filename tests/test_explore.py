"""course_utils.explore: nothing under grading, a static figure everywhere, sliders that redraw it."""

import builtins

import pytest

from course_utils import explore as explore_module
from course_utils.explore import WIDGET_VIEW, explore

PNG = b"\x89PNG"
CHOICES = {"n_h": [1, 4, 20], "learning_rate": [0.1, 1.2]}
START = {"n_h": 4, "learning_rate": 1.2}


@pytest.fixture
def shown(monkeypatch):
    """Every call of the module's ``display``: (object, keyword arguments)."""
    calls = []
    monkeypatch.setattr(explore_module, "display", lambda obj, **kwargs: calls.append((obj, kwargs)))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return calls


def drawing(seen):
    """A draw function that records its values and draws a line whose height is n_h."""

    def draw(figure, n_h, learning_rate):
        seen.append({"n_h": n_h, "learning_rate": learning_rate})
        figure.subplots().plot([0, 1], [0, n_h])

    return draw


@pytest.mark.parametrize("mode", ["autograde", "validate"])
def test_draws_nothing_under_grading(monkeypatch, shown, capsys, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    seen = []
    assert explore(drawing(seen), CHOICES, START) is None
    assert seen == [] and shown == []
    assert "not run while grading" in capsys.readouterr().out  # what the feedback page shows instead


def test_static_figure_first_then_sliders_redraw_it(shown):
    seen = []
    exploration = explore(drawing(seen), CHOICES, START)
    assert seen == [START]
    (controls, controls_kwargs), (image, image_kwargs) = shown
    assert controls_kwargs == {"raw": True} and WIDGET_VIEW in controls
    assert "n_h = 4, learning_rate = 1.2" in controls["text/plain"]  # what a static page shows instead of sliders
    assert image.data.startswith(PNG) and image_kwargs["display_id"] == exploration.display_id
    first = image.data

    exploration.sliders["n_h"].value = 20  # what moving the slider in the browser does
    assert seen[-1] == {"n_h": 20, "learning_rate": 1.2}
    redrawn, kwargs = shown[-1]
    assert kwargs == {"display_id": exploration.display_id, "update": True}
    assert redrawn.data.startswith(PNG) and redrawn.data != first
    assert exploration.status.value == "showing n_h = 20, learning_rate = 1.2"


def test_without_ipywidgets_only_the_static_figure(monkeypatch, shown, capsys):
    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError("no ipywidgets")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    seen = []
    assert explore(drawing(seen), CHOICES, START) is None
    assert seen == [START] and len(shown) == 1 and shown[0][0].data.startswith(PNG)
    assert "n_h = 4, learning_rate = 1.2" in capsys.readouterr().out


def test_a_start_value_outside_the_choices_is_named(shown):
    with pytest.raises(ValueError, match="learning_rate = 5"):
        explore(drawing([]), CHOICES, {"n_h": 4, "learning_rate": 5})
    with pytest.raises(ValueError, match="learning_rate"):
        explore(drawing([]), CHOICES, {"n_h": 4})
