"""Strip outputs and execution counts from notebooks so they are committed clean (make clean-notebooks)."""

import sys
from pathlib import Path

import nbformat


def clean(path):
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
    if changed:
        nbformat.write(notebook, path)
    return changed


if __name__ == "__main__":
    for folder in sys.argv[1:] or ["notebooks"]:
        for path in sorted(Path(folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" not in path.parts and clean(path):
                print(f"cleaned {path}")
