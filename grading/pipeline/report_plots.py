"""The class report's figures, each an ``<img>`` whose SVG is embedded as a data URI (no file, no network).

Figures carry assignment and exercise names, counts and shares only: never a student id.
"""

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
BLUE, RED, GREY, GREEN = "#3b6ea5", "#c0392b", "#9aa5b1", "#2e8b57"


def embed(figure, alt):
    """The figure as an ``<img>`` with its SVG inline in the page; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="figure" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _short(name):
    return name.replace("_", " ")


def term_boxplot(names, shares):
    """Score distribution per assignment (box plot, each submission a dot) and the term's median line."""
    figure, ax = plt.subplots(figsize=(max(6.0, 0.62 * len(names) + 1.5), 3.6))
    positions = [k for k, values in enumerate(shares) if values]
    if positions:
        ax.boxplot(
            [np.asarray(shares[k]) * 100 for k in positions],
            positions=positions,
            widths=0.55,
            showfliers=False,
            medianprops={"color": RED, "linewidth": 2},
        )
        jitter = np.random.default_rng(0)
        for k in positions:
            values = np.asarray(shares[k]) * 100
            ax.scatter(k + jitter.uniform(-0.18, 0.18, values.size), values, s=5, color=BLUE, alpha=0.35, lw=0)
        medians = [float(np.median(shares[k])) * 100 for k in positions]
        ax.plot(positions, medians, color=RED, lw=1, ls="--", label="median")
        ax.legend(loc="lower left", frameon=False)
    ax.set_xticks(range(len(names)), [_short(n) for n in names], rotation=35, ha="right")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(-3, 103)
    ax.set_ylabel("score (% of the maximum)")
    ax.set_title("Scores per assignment, over the term")
    return embed(figure, "Box plot of the scores of every assignment, with the median over the term")


def embed_svg(svg, alt):
    """A hand-made SVG drawing as an ``<img>`` (drawn without matplotlib: a page has dozens of small charts)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="figure" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _svg(width, height, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="11">{body}</svg>'
    )


def _text(x, y, text, anchor="start", size=11, colour="#222", weight="normal"):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{colour}" '
        f'font-weight="{weight}">{html.escape(str(text))}</text>'
    )


def histogram(shares, title):
    """Scores in ten bins of 10 %, with the median as a red line."""
    counts, _ = np.histogram(np.asarray(shares) * 100, bins=np.linspace(0, 100, 11))
    width, height, left, bottom, top = 480, 220, 30, 36, 30
    plot_w, plot_h = width - left - 30, height - bottom - top
    peak = max(int(counts.max()), 1)
    body = [_text(width / 2, 16, title, "middle", 12, weight="bold")]
    for k, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + k * plot_w / 10
        body.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{plot_w / 10 - 2:.1f}" '
            f'height="{h:.1f}" fill="{BLUE}"><title>{k * 10}-{k * 10 + 10}%: {count}</title></rect>'
        )
        if count:
            body.append(_text(x + plot_w / 20, top + plot_h - h - 3, count, "middle", 9))
    for tick in range(0, 101, 20):
        body.append(_text(left + plot_w * tick / 100, top + plot_h + 14, f"{tick}%", "middle", 10))
    median = float(np.median(shares))
    x = left + plot_w * median
    body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{RED}" stroke-width="2"/>')
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>')
    caption = f"score (% of the maximum); bar height: submissions; red line: the median, {median:.0%}"
    body.append(_text(left + plot_w / 2, height - 4, caption, "middle", 10))
    return embed_svg(_svg(width, height, "".join(body)), f"Histogram of the scores: {title}")


def exercise_bars(names, shares, findings):
    """Share of graded submissions passing each test cell, the hardest on top, the top finding beside it."""
    row, left, bar_w = 22, max(8 * max(len(n) for n in names), 60) + 10, 260
    width, height = left + bar_w + 430, row * len(names) + 44
    body = [_text(8, 16, "Students who got each exercise, hardest first", weight="bold")]
    for k, (name, share, finding) in enumerate(zip(names, shares, findings)):
        y = 28 + k * row
        colour = RED if share < 0.5 else (GREY if share < 0.8 else GREEN)
        body.append(_text(left - 6, y + 14, name, "end"))
        body.append(f'<rect x="{left}" y="{y + 3}" width="{bar_w}" height="{row - 6}" fill="#eef1f4"/>')
        body.append(f'<rect x="{left}" y="{y + 3}" width="{bar_w * share:.1f}" height="{row - 6}" fill="{colour}"/>')
        label = f"{share:.0%} got it" + (f"; most often missed by: {finding}" if finding and share < 1 else "")
        body.append(_text(left + bar_w + 6, y + 14, label, size=10))
    return embed_svg(_svg(width, height, "".join(body)), "Bar chart: share of students who got each exercise")


def quiz_bars(question):
    """How many gave each answer to one question, the key in green, blank or invalid answers in grey."""
    labels = [f"{o:g}" if isinstance(o, float) else str(o) for o, _ in question.options] + ["none"]
    values = [n for _, n in question.options] + [question.invalid]
    colours = [GREEN if _is_key(o, question.key) else BLUE for o, _ in question.options] + [GREY]
    slot, top, bottom = 34, 22, 30
    width, height = slot * len(values) + 16, 150
    plot_h = height - top - bottom
    peak = max(max(values), 1)
    body = [_text(8, 14, question.name, weight="bold")]
    for k, (label, value, colour) in enumerate(zip(labels, values, colours)):
        h = plot_h * value / peak
        x = 8 + k * slot
        body.append(
            f'<rect x="{x + 3}" y="{top + plot_h - h:.1f}" width="{slot - 6}" height="{h:.1f}" fill="{colour}"/>'
        )
        body.append(_text(x + slot / 2, top + plot_h - h - 3, value, "middle", 9))
        body.append(_text(x + slot / 2, top + plot_h + 13, label[:6], "middle", 10))
    alt = f"Bar chart of the answers to {question.name}"
    return embed_svg(_svg(width, height, "".join(body)), alt)


def _is_key(option, key):
    if isinstance(option, float) and isinstance(key, (int, float)):
        return abs(option - float(key)) <= 1e-6 * max(1.0, abs(float(key)))
    return option == key


def misconception_map(labels, names, table):
    """Heat map: share of graded submissions showing each misconception, per assignment."""
    values = np.array([[np.nan if v is None else v * 100 for v in table[label]] for label in labels])
    figure, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(names) + 3), 0.45 * len(labels) + 1.6))
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap="Reds", vmin=0, vmax=max(10.0, np.nanmax(values)), aspect="auto"
    )
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value) and value > 0:
            ax.text(
                j,
                i,
                f"{value:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 0.6 * np.nanmax(values) else "black",
            )
    ax.set_xticks(range(len(names)), [_short(n) for n in names], rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    figure.colorbar(image, ax=ax, label="% of graded submissions", fraction=0.03)
    ax.set_title("Misconceptions the grader diagnosed, per assignment")
    return embed(figure, "Heat map of the diagnosed misconceptions per assignment")


def sparkline(values, width=160, height=22):
    """Inline SVG of a student's score shares over the term (gaps: no graded submission)."""
    n = len(values)
    step = (width - 4) / max(n - 1, 1)
    points = [(2 + k * step, height - 2 - v * (height - 4)) for k, v in enumerate(values) if v is not None]
    marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6"/>' for x, y in points)
    misses = "".join(
        f'<line x1="{2 + k * step:.1f}" y1="{height - 4}" x2="{2 + k * step:.1f}" y2="{height}" class="miss"/>'
        for k, v in enumerate(values)
        if v is None
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<line x1="0" y1="{height / 2}" x2="{width}" y2="{height / 2}" class="half"/>'
        f'<polyline points="{line}"/>{marks}{misses}</svg>'
    )
