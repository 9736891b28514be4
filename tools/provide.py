"""Write the provided building-blocks cell of the notebooks that build on week 4 from the step-by-step solutions.

``week4_deep_network_application``, ``week5_regularization`` and ``week5_optimization`` each hold one locked,
ungraded cell with grade_id ``building_blocks``: the functions a student wrote in
``week4_deep_network_step_by_step``, as its solutions define them (the solution markers taken out). This tool is
the one place that cell comes from: ``python tools/provide.py`` rewrites the cells that differ,
``python tools/provide.py --check`` only names them and exits 1 (tests/fast/test_provided_cells.py runs it).
After a rewrite, record those assignments' references again: ``make references ASSIGNMENTS="..."``.
"""

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's grading/, also when run as a script

import nbformat  # noqa: E402

from grading.notebook_cells import load, nbgrader_meta, solution_cells, source_text, strip_markers  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
STEP = NOTEBOOKS / "week4_deep_network_step_by_step" / "deep_network_step_by_step.ipynb"
PROVIDED = {
    "week4_deep_network_application": NOTEBOOKS / "week4_deep_network_application" / "deep_network_application.ipynb",
    "week5_regularization": NOTEBOOKS / "week5_regularization" / "regularization.ipynb",
    "week5_optimization": NOTEBOOKS / "week5_optimization" / "optimization.ipynb",
}
PROVIDED_ID = "building_blocks"
BUILDING_BLOCKS = (
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
)
HEADER = (
    f"# Provided: the building blocks of {STEP.parent.name} (its solutions, unchanged).\n# Read-only; run it once.\n"
)


def functions(source):
    """``{name: source text}`` of the top-level functions that ``source`` defines."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def step_solutions(step=STEP):
    """``{name: source}`` of every function the step-by-step notebook's exercise cells define."""
    found = {}
    for source in solution_cells(load(step)).values():
        found.update(functions(strip_markers(source)))
    return found


def provided_source(step=STEP):
    """The building-blocks cell: the header, then each building block as the step-by-step solution writes it."""
    solutions = step_solutions(step)
    missing = [name for name in BUILDING_BLOCKS if name not in solutions]
    if missing:
        raise SystemExit(
            f"{step.name} defines no {', '.join(missing)} in its exercise cells; fix it or BUILDING_BLOCKS"
        )
    return HEADER + "\n\n" + "\n\n\n".join(solutions[name] for name in BUILDING_BLOCKS)


def provided_cell(notebook, name):
    """The one locked, ungraded ``building_blocks`` cell of ``notebook`` (an error naming the fix otherwise)."""
    cells = [c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == PROVIDED_ID]
    if len(cells) != 1:
        raise SystemExit(f"{name}: needs exactly one cell with grade_id {PROVIDED_ID!r}, found {len(cells)}")
    meta = nbgrader_meta(cells[0])
    if not meta.get("locked") or meta.get("grade") or meta.get("solution"):
        raise SystemExit(f"{name}: the {PROVIDED_ID!r} cell must be locked (read-only), not graded, not a solution")
    return cells[0]


def stale(provided=PROVIDED, step=STEP):
    """The assignments whose building-blocks cell differs from the step-by-step solutions."""
    source = provided_source(step)
    return [name for name, path in provided.items() if source_text(provided_cell(load(path), name)) != source]


def write(names, provided=PROVIDED, step=STEP):
    """Replace the building-blocks cell of these assignments' notebooks (nothing else in them changes)."""
    source = provided_source(step)
    for name in names:
        notebook = nbformat.read(provided[name], as_version=4)
        provided_cell(notebook, name)["source"] = source
        nbformat.write(notebook, provided[name])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only name the stale cells; exit 1 if any")
    args = parser.parse_args(argv)
    names = stale()
    if not names:
        print("building-blocks cells are current")
        return 0
    if args.check:
        print(f"stale building-blocks cells: {', '.join(names)}; run `python tools/provide.py`", file=sys.stderr)
        return 1
    write(names)
    print(f"rewrote the building-blocks cell of {', '.join(names)}; now run")
    print(f'  make references ASSIGNMENTS="{" ".join(names)}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
