"""Diagrams the lectures draw on the board: a network, a computation graph, the block chain.

Drawn with matplotlib shapes and text only (no image files), so a notebook can show them and a
test can read the labels back from ``ax.texts``.  Each function draws on a given ``ax`` (or a new
figure) and returns the axes.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

FORWARD_COLOR = "black"
BACKWARD_COLOR = "tab:red"
CACHE_COLOR = "tab:green"


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
        ax.set_position([0, 0, 1, 1])
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


def _fit(ax, xlim, ylim, inches_per_unit=0.55):
    """Set the limits and, for a figure holding only this axes, a size with the same aspect."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if len(ax.figure.axes) == 1:
        ax.figure.set_size_inches(inches_per_unit * (xlim[1] - xlim[0]), inches_per_unit * (ylim[1] - ylim[0]))


def _arrow(ax, start, end, color=FORWARD_COLOR, style="-|>", linewidth=1.2, shrink=0.0):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            linewidth=linewidth,
            shrinkA=shrink,
            shrinkB=shrink,
        )
    )


def _box(ax, center, width, height, text, color="white", edge="black", fontsize=10):
    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            facecolor=color,
            edgecolor=edge,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _check_layer_dims(layer_dims):
    dims = list(layer_dims)
    if len(dims) < 2 or any(int(n) != n or n < 1 for n in dims):
        raise ValueError(f"layer_dims must list at least two positive unit counts, e.g. [3, 4, 1]; got {layer_dims!r}")
    return [int(n) for n in dims]


def draw_network(layer_dims, ax=None, *, max_units=6, activations=None, title=None, unit_names=None, connections=None):
    """Units of each layer as circles, every unit joined to every unit of the next layer.

    ``layer_dims[0]`` is the number of input features ``n_x``, ``layer_dims[l]`` the units of
    layer ``l``.  Each layer is labelled under its units (``input x``, ``layer l``, ``n[l] = ...``);
    the edges into layer ``l`` carry ``W[l], b[l]`` with their shapes.  A layer wider than
    ``max_units`` shows its first and last units with a vertical ellipsis between them.
    ``activations`` (one name per layer after the input) is written in the layer's label.
    ``unit_names`` (one list of names per layer, ``None`` for a layer without names) writes a name
    beside each unit: inputs on the left, other layers on the right.  ``connections`` (one 0/1 array
    of shape ``(n[l], n[l-1])`` per layer after the input) draws only the edges marked 1, as a network
    wired by hand; a layer that uses it must not be shortened by ``max_units``.
    """
    dims = _check_layer_dims(layer_dims)
    L = len(dims) - 1
    if activations is not None and len(activations) != L:
        raise ValueError(f"activations needs one name per layer after the input ({L}); got {len(activations)}")
    if unit_names is not None and (
        len(unit_names) != L + 1 or any(names is not None and len(names) != n for names, n in zip(unit_names, dims))
    ):
        raise ValueError(f"unit_names needs one list (or None) per layer, each as long as the layer {dims}")
    if connections is not None:
        connections = [np.asarray(mask) for mask in connections]
        if len(connections) != L or any(mask.shape != (dims[l + 1], dims[l]) for l, mask in enumerate(connections)):
            raise ValueError(f"connections needs one (n[l], n[l-1]) array per layer after the input for {dims}")
        if max(dims) > max_units:
            raise ValueError(f"connections needs every layer drawn in full: raise max_units to {max(dims)}")
    ax = _axes(ax)
    radius, dx = 0.22, 2.3
    shown_height = min(max(dims), max_units)
    positions = []
    for l, n in enumerate(dims):
        shown = n if n <= max_units else max_units - 1  # one slot for the ellipsis
        ys = np.linspace(-(shown_height - 1) / 2, (shown_height - 1) / 2, shown_height)[::-1] * 0.75
        if n <= max_units:
            ys = (np.arange(n)[::-1] - (n - 1) / 2) * 0.75
            layer = list(ys)
        else:
            top = ys[: (shown + 1) // 2]
            bottom = ys[len(ys) - shown // 2 :]
            ax.text(l * dx, (top[-1] + bottom[0]) / 2, "⋮", ha="center", va="center", fontsize=14)
            layer = list(top) + list(bottom)
        positions.append([(l * dx, y) for y in layer])
    for l in range(1, 1 + L):
        for j, (x0, y0) in enumerate(positions[l - 1]):
            for i, (x1, y1) in enumerate(positions[l]):
                if connections is None or connections[l - 1][i, j]:
                    ax.plot([x0 + radius, x1 - radius], [y0, y1], color="0.6", linewidth=0.6, zorder=1)
    lowest = min(y for layer in positions for _, y in layer)
    highest = max(y for layer in positions for _, y in layer)
    for l, layer in enumerate(positions):
        face = "#cfe3f7" if l == 0 else ("#f7d9c4" if l == L else "#e2f0d9")
        for x, y in layer:
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="black", zorder=2))
        names = unit_names[l] if unit_names is not None else None
        for (x, y), unit in zip(layer, names or []):
            left = l == 0
            ax.text(
                x + (-1 if left else 1) * (radius + 0.08),
                y + (0 if left or l == L else 0.3),
                unit,
                ha="right" if left else "left",
                va="center",
                fontsize=8.5,
                zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85},
            )
        if l == 0:
            name = "input x"
        elif l == L:
            name = f"layer {l} (output)"
        else:
            name = f"layer {l}\n(hidden)"
        if activations is not None and l > 0:
            name += f"\n{activations[l - 1]}"
        ax.text(l * dx, lowest - 0.55, f"{name}\nn[{l}] = {dims[l]}", ha="center", va="top", fontsize=9)
        if l > 0:
            ax.text(
                (l - 0.5) * dx,
                highest + 0.5,
                f"W[{l}] ({dims[l]}, {dims[l - 1]})\nb[{l}] ({dims[l]}, 1)",
                ha="center",
                va="bottom",
                fontsize=9,
                color="tab:blue",
            )
    margin = 1.0 + (1.1 if unit_names is not None else 0.0)
    title_room = 0.5 + 0.4 * title.count("\n") if title else 0
    _fit(ax, (-margin, L * dx + margin), (lowest - 1.7, highest + 1.4 + title_room), 0.7)
    if title:
        ax.text(L * dx / 2, highest + 1.5, title, ha="center", va="bottom", fontsize=11)
    return ax


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _graph_example(a=5.0, b=3.0, c=2.0):
    """Nodes and edges of J = 3(a + bc) with u = bc and v = a + u."""
    u = b * c
    v = a + u
    J = 3 * v
    # name: (x, y, width, label); inputs (x = 0) carry their derivative beside them
    nodes = {
        "a": (0, 2.4, 1.4, f"a = {a:g}"),
        "b": (0, 0.9, 1.4, f"b = {b:g}"),
        "c": (0, -0.6, 1.4, f"c = {c:g}"),
        "u": (3.4, 0.15, 1.8, f"u = bc\n= {u:g}"),
        "v": (6.8, 1.3, 1.8, f"v = a + u\n= {v:g}"),
        "J": (10.2, 1.3, 1.6, f"J = 3v\n= {J:g}"),
    }
    inputs = {"a": "dJ/da = 3", "b": f"dJ/db = 3c = {3 * c:g}", "c": f"dJ/dc = 3b = {3 * b:g}"}
    # (from, to, forward value carried, derivative of J with respect to the source)
    edges = [
        ("a", "v", f"a = {a:g}", None),
        ("b", "u", f"b = {b:g}", None),
        ("c", "u", f"c = {c:g}", None),
        ("u", "v", f"u = {u:g}", "dJ/du = 3"),
        ("v", "J", f"v = {v:g}", "dJ/dv = 3"),
    ]
    return nodes, inputs, edges, "J = 3(a + bc)"


def _graph_logistic(x1=1.0, x2=2.0, w1=0.5, w2=-0.25, b=0.1, y=1.0):
    """Nodes and edges of the loss of logistic regression for one example with two features."""
    z = w1 * x1 + w2 * x2 + b
    a = _sigmoid(z)
    loss = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    da = -y / a + (1 - y) / (1 - a)
    dz = a - y
    nodes = {
        "x1": (0, 3.0, 1.4, f"x1 = {x1:g}"),
        "w1": (0, 1.8, 1.6, f"w1 = {w1:g}"),
        "x2": (0, 0.6, 1.4, f"x2 = {x2:g}"),
        "w2": (0, -0.6, 1.6, f"w2 = {w2:g}"),
        "b": (0, -1.8, 1.4, f"b = {b:g}"),
        "z": (4.2, 0.6, 3.2, f"z = w1 x1 + w2 x2 + b\n= {z:.4g}"),
        "a": (8.6, 0.6, 1.8, f"a = σ(z)\n= {a:.4g}"),
        "L": (13.2, 0.6, 2.0, f"L(a, y), y = {y:g}\n= {loss:.4g}"),
    }
    inputs = {"w1": f"dw1 = x1 dz = {x1 * dz:.4g}", "w2": f"dw2 = x2 dz = {x2 * dz:.4g}", "b": f"db = dz = {dz:.4g}"}
    edges = [
        ("x1", "z", None, None),
        ("w1", "z", None, None),
        ("x2", "z", None, None),
        ("w2", "z", None, None),
        ("b", "z", None, None),
        ("z", "a", f"z = {z:.4g}", f"dz = a - y\n= {dz:.4g}"),
        ("a", "L", f"a = {a:.4g}", f"da = -y/a\n+ (1-y)/(1-a)\n= {da:.4g}"),
    ]
    return nodes, inputs, edges, "Logistic regression, one example"


def _edge_labels(ax, start, end, above, below):
    """Write ``above`` on the left-hand side of the edge start -> end and ``below`` on its right."""
    (x0, y0), (x1, y1) = start, end
    length = np.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # unit normal, pointing up for a rightward edge
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    for text, sign, color in ((above, 1, FORWARD_COLOR), (below, -1, BACKWARD_COLOR)):
        if text is None:
            continue
        dx, dy = sign * nx, sign * ny
        ha = "center" if abs(dx) < 0.2 else ("left" if dx > 0 else "right")
        va = "bottom" if dy > 0 else "top"
        ax.text(mx + 0.12 * dx, my + 0.12 * dy, text, ha=ha, va=va, fontsize=8.5, color=color)


GRAPHS = {"example": _graph_example, "logistic": _graph_logistic}


def draw_computation_graph(kind="example", ax=None, **values):
    """Computation graph with forward values (black) and backward derivatives (red).

    ``kind="example"`` draws ``J = 3(a + bc)`` (values ``a, b, c``; default 5, 3, 2);
    ``kind="logistic"`` draws the loss of logistic regression for one example with two features
    (values ``x1, x2, w1, w2, b, y``).  An edge carries the value flowing forward above it and the
    derivative of the final node with respect to that value below it (the course's shorthand
    ``dv`` for dJ/dv); an input's derivative is written beside the input.
    """
    if kind not in GRAPHS:
        raise ValueError(f"kind must be one of {sorted(GRAPHS)}; got {kind!r}")
    try:
        nodes, inputs, edges, title = GRAPHS[kind](**values)
    except TypeError as error:
        raise ValueError(f"unknown value for the {kind!r} graph: {error}") from None
    ax = _axes(ax)
    height = 0.9
    for name, (x, y, width, label) in nodes.items():
        leaf = x == 0
        _box(ax, (x, y), width, 0.55 if leaf else height, label, color="#cfe3f7" if leaf else "#f2f2f2", fontsize=9)
        if name in inputs:
            ax.text(x - width / 2 - 0.15, y, inputs[name], ha="right", va="center", fontsize=8.5, color=BACKWARD_COLOR)
    for source, target, forward, backward in edges:
        xs, ys, ws, _ = nodes[source]
        xt, yt, wt, _ = nodes[target]
        start, end = (xs + ws / 2, ys), (xt - wt / 2, yt)
        _arrow(ax, start, end)
        _edge_labels(ax, start, end, forward, backward)
    left = min(x - w / 2 for x, _, w, _ in nodes.values()) - 3.6
    right = max(x + w / 2 for x, _, w, _ in nodes.values()) + 0.3
    ys = [y for _, y, _, _ in nodes.values()]
    ax.text(
        (left + right) / 2,
        max(ys) + 0.7,
        f"{title}: forward values (black), backward derivatives (red)",
        ha="center",
        va="bottom",
        fontsize=10,
    )
    _fit(ax, (left, right), (min(ys) - 0.9, max(ys) + 1.3))
    return ax


def draw_block_chain(L, ax=None, *, hidden="ReLU", output="sigmoid"):
    """Forward and backward propagation of an ``L``-layer network as a chain of blocks.

    Top row, left to right: layer ``l`` takes ``A[l-1]`` and ``W[l], b[l]`` and gives ``A[l]``,
    storing its cache in ``caches[l-1]`` (the code's 0-based list: ``((A[l-1], W[l], b[l]), Z[l])``).
    The cache drops (green) to the backward
    block of the same layer in the bottom row, which runs right to left from ``dA[L]`` and gives
    ``dA[l-1]`` and the gradients ``dW[l], db[l]``.
    """
    if int(L) != L or L < 1:
        raise ValueError(f"L is the number of layers, a positive integer; got {L!r}")
    L = int(L)
    dx, bw, bh = 3.0, 1.9, 1.1
    ax = _axes(ax)
    top, bottom = 1.6, -1.6
    for l in range(1, 1 + L):
        x = l * dx
        act = output if l == L else hidden
        _box(ax, (x, top), bw, bh, f"layer {l}\n{act}\nW[{l}], b[{l}]", color="#e2f0d9", fontsize=9)
        _box(ax, (x, bottom), bw, bh, f"layer {l}\nbackward\n{act}'", color="#f7d9c4", fontsize=9)
        _arrow(ax, (x, top - bh / 2), (x, bottom + bh / 2), color=CACHE_COLOR, linewidth=1.6)
        ax.text(
            x + 0.08,
            0,
            f"caches[{l - 1}]\nA[{l - 1}], W[{l}],\nb[{l}], Z[{l}]",
            ha="left",
            va="center",
            fontsize=7.5,
            color=CACHE_COLOR,
        )
        ax.text(x, bottom - bh / 2 - 0.15, f"dW[{l}], db[{l}]", ha="center", va="top", fontsize=9, color=BACKWARD_COLOR)
        # forward arrow into the block and backward arrow out of it
        _arrow(ax, (x - dx + bw / 2 if l > 1 else x - dx + 0.55, top), (x - bw / 2, top))
        label_x = (x - bw / 2 + (x - dx + bw / 2 if l > 1 else x - dx + 0.55)) / 2
        ax.text(label_x, top + 0.12, f"A[{l - 1}]", ha="center", va="bottom", fontsize=9)
        _arrow(ax, (x - bw / 2, bottom), (x - dx + bw / 2 if l > 1 else x - dx + 0.55, bottom), color=BACKWARD_COLOR)
        ax.text(label_x, bottom + 0.12, f"dA[{l - 1}]", ha="center", va="bottom", fontsize=9, color=BACKWARD_COLOR)
    ax.text(dx - dx + 0.35, top, "X", ha="center", va="center", fontsize=11)
    end = L * dx + bw / 2
    _box(ax, (end + 1.35, 0), 1.6, 0.9, f"cost\nJ(A[{L}], Y)", color="#f2f2f2", fontsize=9)
    _arrow(ax, (end, top), (end + 1.2, 0.45))
    ax.text(end + 0.15, top + 0.12, f"A[{L}] = Ŷ", ha="left", va="bottom", fontsize=9)
    _arrow(ax, (end + 1.2, -0.45), (end, bottom), color=BACKWARD_COLOR)
    ax.text(end + 0.15, bottom - 0.12, f"dA[{L}]", ha="left", va="top", fontsize=9, color=BACKWARD_COLOR)
    ax.text(0.2, top + bh / 2 + 0.5, "forward →", fontsize=10, ha="left")
    ax.text(0.2, bottom - bh / 2 - 0.7, "← backward", fontsize=10, ha="left", color=BACKWARD_COLOR)
    _fit(ax, (-0.2, end + 2.4), (bottom - bh / 2 - 1.0, top + bh / 2 + 0.9))
    return ax


def draw_mini_batches(m, mini_batch_size, ax=None, *, n_x="n_x", max_shown=5):
    """The training set X (n_x, m), shuffled, cut into consecutive mini-batches X{1}, X{2}, ...

    Top: X with its m columns in their original order; middle: the same columns after one random
    permutation (the same one for Y); bottom: the cut into mini-batches of ``mini_batch_size`` columns,
    the last one shorter when ``mini_batch_size`` does not divide ``m``.  With more than ``max_shown``
    mini-batches the middle ones are replaced by an ellipsis.
    """
    if int(m) != m or int(mini_batch_size) != mini_batch_size or not 1 <= mini_batch_size or m < 1:
        raise ValueError(f"m and mini_batch_size must be positive integers; got {m!r} and {mini_batch_size!r}")
    m, size = int(m), int(mini_batch_size)
    count = -(-m // size)
    ax = _axes(ax)
    width, height = 12.0, 0.8
    rng = np.random.default_rng(0)
    colours = plt.cm.tab20(np.linspace(0, 1, 20))
    strips = 40  # thin stripes stand for the columns (examples)
    order = rng.permutation(strips)
    for _row, (y, label, columns) in enumerate(
        [
            (2.6, f"X ({n_x}, {m}), examples in their order", range(strips)),
            (1.2, "shuffled: X[:, permutation], Y[:, permutation] alike", order),
        ]
    ):
        for k, column in enumerate(columns):
            ax.add_patch(
                FancyBboxPatch(
                    (k * width / strips, y),
                    width / strips,
                    height,
                    boxstyle="square,pad=0",
                    facecolor=colours[column % 20],
                    edgecolor="none",
                )
            )
        ax.text(0, y + height + 0.1, label, ha="left", va="bottom", fontsize=9)
    _arrow(ax, (width / 2, 2.55), (width / 2, 2.1))
    shown = list(range(1, count + 1)) if count <= max_shown else [1, 2, 3, None, count]
    gap, y = 0.25, -0.6
    slot = (width - gap * (len(shown) - 1)) / len(shown)
    for k, t in enumerate(shown):
        x = k * (slot + gap)
        if t is None:
            ax.text(x + slot / 2, y + height / 2, "…", ha="center", va="center", fontsize=14)
            continue
        columns = size if t < count else m - size * (count - 1)
        frac = columns / size
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                slot * frac,
                height,
                boxstyle="round,pad=0.02,rounding_size=0.05",
                facecolor="#e2f0d9",
                edgecolor="black",
            )
        )
        ax.text(
            x + slot * frac / 2, y + height / 2, f"X{{{t}}}\n({n_x}, {columns})", ha="center", va="center", fontsize=8.5
        )
    rest = m - size * (count - 1)
    cut = f"{count} mini-batches of {size}" + (f" (the last holds the remaining {rest})" if rest < size else "")
    ax.text(
        width / 2,
        y - 0.15,
        f"{cut}: one gradient step each; one pass over all of them is an epoch",
        ha="center",
        va="top",
        fontsize=9,
    )
    _arrow(ax, (width / 2, 1.15), (width / 2, y + height + 0.05))
    ax.text(width / 2 + 0.15, (1.15 + y + height) / 2, f"cut every {size} columns", ha="left", va="center", fontsize=9)
    _fit(ax, (-0.3, width + 0.3), (y - 0.8, 3.8), 0.75)
    return ax
