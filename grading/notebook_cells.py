"""Reading nbgrader cells of a notebook: solution regions, test cells, points."""

import json
import re

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION[ \t]*\n?", re.S | re.M)
HIDDEN_REGION = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M
)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def source_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    """An autograded test cell: a graded code cell that is not the student's to write."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_cells(notebook):
    """``{grade_id: points}`` of the autograded test cells."""
    return {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c).get("points", 0))
        for c in notebook["cells"]
        if is_test_cell(c)
    }


def solution_cells(notebook):
    """``{grade_id: source}`` of the cells a student fills in."""
    return {nbgrader_meta(c)["grade_id"]: source_text(c) for c in notebook["cells"] if nbgrader_meta(c).get("solution")}


def strip_markers(source):
    """The solution as a student would have typed it: the region markers removed, the code kept."""
    return SOLUTION_REGION.sub(lambda m: m.group(1), source)


def _long_lines(text):
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 20}


def solution_lines(notebook):
    """Non-trivial lines found only inside the solution regions (used to prove a release does not
    leak them).  A line the notebook also shows elsewhere, e.g. a call the instructions prescribe,
    is not a secret."""
    lines, shown = set(), []
    for cell in notebook["cells"]:
        text = source_text(cell)
        for region in SOLUTION_REGION.findall(text):
            lines |= _long_lines(region)
        shown.append(HIDDEN_REGION.sub("", SOLUTION_REGION.sub("", text)))
    shown = "\n".join(shown)
    return {line for line in lines if line not in shown}


def hidden_lines(notebook):
    """Non-trivial lines inside the hidden test regions."""
    lines = set()
    for cell in notebook["cells"]:
        for region in HIDDEN_REGION.findall(source_text(cell)):
            lines |= _long_lines(region)
    return lines


def solution_namespace(*paths):
    """Names defined by running, outside Jupyter, the first notebook's first code cell (its imports)
    and then every exercise cell's solution of each notebook in ``paths``, in order."""
    namespace = {}
    notebooks = [load(path) for path in paths]
    setup = next(source_text(c) for c in notebooks[0]["cells"] if c["cell_type"] == "code")
    exec(compile(setup, f"{paths[0]}[setup]", "exec"), namespace)
    for path, notebook in zip(paths, notebooks):
        for grade_id, source in solution_cells(notebook).items():
            exec(compile(strip_markers(source), f"{path}[{grade_id}]", "exec"), namespace)
    return namespace
