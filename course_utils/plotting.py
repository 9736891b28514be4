"""Plots the notebooks share: cost curves, image grids, decision boundaries, confusion matrices.

Each function draws on a given matplotlib ``ax`` (or a new figure) and returns the axes, so a
notebook can combine plots and a test can inspect them.
"""

import matplotlib.pyplot as plt
import numpy as np

from .runtime import under_grading


def _axes(ax, figsize=(6, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_costs(costs, *, every=100, label=None, ax=None, title="Learning curve"):
    """Cost against iteration for costs recorded every ``every`` iterations.

    ``costs`` is a list, or a dict ``{label: costs}`` to compare several runs on one plot.
    """
    ax = _axes(ax)
    runs = costs if isinstance(costs, dict) else {label: costs}
    for run_label, values in runs.items():
        values = np.ravel(np.asarray(values, dtype=float))
        ax.plot(np.arange(len(values)) * every, values, label=run_label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(title)
    if any(run_label is not None for run_label in runs):
        ax.legend()
    return ax


def show_images(images, labels=None, predictions=None, classes=None, *, ncols=8, size=1.4):
    """Grid of images ``(k, height, width[, channels])`` titled with true / predicted labels.

    ``labels`` and ``predictions`` may be ``(1, k)`` or ``(k,)``; a wrong prediction is titled in red.
    Returns the array of axes.  Under grading only the first image is drawn (the figure is never shown).
    """
    images = np.asarray(images)
    count = min(len(images), 1) if under_grading() else len(images)  # under grading nobody looks: one image
    ncols = max(1, min(ncols, count))
    nrows = max(1, -(-count // ncols))
    title_lines = (labels is not None) + (predictions is not None)
    row_height = size * (1 + 0.2 * title_lines)  # room for the titles, so they do not reach the row above
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, row_height * nrows), squeeze=False)
    name = (lambda k: str(classes[int(k)])) if classes is not None else (lambda k: str(int(k)))
    labels = None if labels is None else np.ravel(labels)
    predictions = None if predictions is None else np.ravel(predictions)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= count:
            continue
        image = images[i]
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap="gray_r" if image.ndim == 2 else None, interpolation="nearest")
        parts = []
        if labels is not None:
            parts.append(f"true {name(labels[i])}")
        if predictions is not None:
            parts.append(f"pred {name(predictions[i])}")
        wrong = labels is not None and predictions is not None and labels[i] != predictions[i]
        ax.set_title("\n".join(parts), fontsize=8, color="red" if wrong else "black")
    fig.tight_layout(h_pad=0.6)
    return axes


def plot_decision_boundary(predict, X, Y, *, ax=None, title=None, resolution=300, padding=0.5):
    """Shade the regions ``predict`` assigns to each class, with the points ``X: (2, m)`` on top.

    ``predict`` takes a ``(2, k)`` array of points and returns ``(1, k)`` labels.  The region of class 0 is
    always light red and that of class 1 light blue, also when ``predict`` answers one class everywhere.
    Under grading the figure is never drawn, so the grid has at most 30 points a side.
    """
    if under_grading():
        resolution = min(resolution, 30)
    ax = _axes(ax, figsize=(5, 4))
    x_min, x_max = X[0].min() - padding, X[0].max() + padding
    y_min, y_max = X[1].min() - padding, X[1].max() + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.vstack([xx.ravel(), yy.ravel()])
    regions = np.asarray(predict(grid)).reshape(xx.shape)
    ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5], cmap=plt.cm.RdBu, vmin=0, vmax=1, alpha=0.35)
    return plot_points(X, Y, ax=ax, title=title)


def plot_points(X, Y, *, ax=None, title=None, legend=True):
    """Scatter plot of ``X: (2, m)`` coloured by the labels ``Y: (1, m)``: red for 0, blue for 1.

    ``legend`` says which colour is which label (and, over a decision boundary, which shaded region).
    A handful of points (XOR's four) is drawn large enough to see.
    """
    ax = _axes(ax, figsize=(5, 4))
    labels = np.ravel(Y)
    size = 14 if labels.size > 20 else 120
    ax.scatter(X[0], X[1], c=labels, cmap=plt.cm.RdBu, vmin=0, vmax=1, s=size, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if legend:
        for value in (0, 1):
            ax.scatter(
                [],
                [],
                color=plt.cm.RdBu(float(value)),
                s=min(size, 40),
                edgecolors="k",
                linewidths=0.3,
                label=f"y = {value}",
            )
        ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_confusion_matrix(matrix, classes=None, *, ax=None, title="Confusion matrix"):
    """Heat map of a confusion matrix with the count written in each cell."""
    ax = _axes(ax, figsize=(5, 5))
    matrix = np.asarray(matrix)
    ax.imshow(matrix, cmap="Blues")
    ticks = np.arange(matrix.shape[0])
    names = classes if classes is not None else ticks
    ax.set_xticks(ticks, labels=names)
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color="white" if count > threshold else "black")
    ax.set_title(title)
    return ax
