"""Interactive explorations: sliders that retrain a small network and redraw its figure in place.

``explore(draw, choices, start)`` first shows ``draw(figure, **start)`` as an ordinary image output, so
a page where no widget front end runs (nbconvert, the feedback pages) still has a static figure; then
one slider per entry of ``choices``, whose moves redraw that same image.  Under grading it draws nothing
(nobody looks, and the training behind each figure would only cost grading time) and prints one line, which
is what the feedback page, made from the graded run, shows in its place.
"""

import io

from IPython.display import Image, display
from matplotlib.figure import Figure

from .plotting import plot_costs, plot_decision_boundary
from .runtime import under_grading

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def render(draw, values, figsize=(11, 4)):
    """PNG bytes of ``draw(figure, **values)`` on a new figure kept outside pyplot (nothing else shows it)."""
    figure = Figure(figsize=figsize)
    draw(figure, **values)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def boundary_and_cost(figure, predict, costs, X, Y, *, every=100, title=""):
    """The figure every exploration draws: the decision boundary of ``predict`` (left), the cost (right)."""
    left, right = figure.subplots(1, 2)
    plot_decision_boundary(predict, X, Y, ax=left, title=title, resolution=150)
    plot_costs(costs, every=every, ax=right, title="cost during training")
    return left, right


def _describe(values):
    return ", ".join(f"{name} = {value}" for name, value in values.items())


class Exploration:
    """The sliders and the image they redraw; ``sliders`` maps each choice's name to its slider."""

    def __init__(self, draw, choices, start, figsize, widgets):
        self.draw, self.figsize, self.values = draw, figsize, dict(start)
        self.display_id = f"exploration-{id(self)}"
        self.sliders = {
            name: widgets.SelectionSlider(
                options=list(options), value=start[name], description=name, continuous_update=False
            )
            for name, options in choices.items()
        }
        self.status = widgets.Label(value=f"showing {_describe(self.values)}")
        self.controls = widgets.HBox([*self.sliders.values(), self.status])
        for slider in self.sliders.values():
            slider.observe(self.redraw, names="value")

    def show(self):
        """The sliders (a note where no widget front end draws them), then the figure at the start values."""
        names = ", ".join(self.sliders)
        note = f"[sliders for {names}: they move in JupyterLab; the figure shows {_describe(self.values)}]"
        view = {"version_major": 2, "version_minor": 0, "model_id": self.controls.model_id}
        display({WIDGET_VIEW: view, "text/plain": note}, raw=True)
        display(Image(render(self.draw, self.values, self.figsize)), display_id=self.display_id)

    def redraw(self, change=None):
        """Draw again with the sliders' values and replace the image."""
        self.values = {name: slider.value for name, slider in self.sliders.items()}
        self.status.value = f"drawing {_describe(self.values)} ..."
        png = render(self.draw, self.values, self.figsize)
        display(Image(png), display_id=self.display_id, update=True)
        self.status.value = f"showing {_describe(self.values)}"


def explore(draw, choices, start, *, figsize=(11, 4)):
    """Sliders over ``choices`` (``{name: [values]}``) redrawing ``draw(figure, **values)``.

    ``start`` gives each slider's first value, the one the static figure shows.  Returns the
    :class:`Exploration`, or ``None`` under grading (nothing drawn, a one-line note printed) and where
    ipywidgets is missing (the static figure only).
    """
    if under_grading():
        print(f"[exploration of {', '.join(choices)}: not run while grading; open the notebook in JupyterLab]")
        return None
    unknown = set(start) ^ set(choices)
    if unknown:
        raise ValueError(f"start must give one value per slider; differs in {sorted(unknown)}")
    for name, value in start.items():
        if value not in choices[name]:
            raise ValueError(f"start value {name} = {value!r} is not one of the choices {list(choices[name])}")
    try:
        import ipywidgets
    except ImportError:
        display(Image(render(draw, start, figsize)))
        print("(ipywidgets is not installed: this is the figure for", _describe(start) + ")")
        return None
    exploration = Exploration(draw, choices, start, figsize, ipywidgets)
    exploration.show()
    return exploration
