"""Run a notebook top to bottom with nbclient and report what went wrong, cell by cell."""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from grading.course import single_thread_env


class NotebookFailure(RuntimeError):
    """A notebook raised, or wrote to stderr, while it ran."""


def run(path, *, env=None, timeout=600):
    """Execute the notebook at ``path`` in its own folder; return the executed notebook.

    Raises :class:`NotebookFailure` naming the first failing cell, or every cell that wrote to
    stderr (which nbgrader would score as a failed test).
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(single_thread_env(env))  # the kernel inherits the client's environment
    try:
        NotebookClient(
            notebook,
            timeout=timeout,
            iopub_timeout=60,  # nbclient's 4 s to drain a cell's last outputs loses them on a busy machine
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    except CellExecutionError as exc:
        raise NotebookFailure(f"{path.name}: {str(exc)[-3000:]}") from exc
    finally:
        os.environ.clear()
        os.environ.update(saved)
    noisy = [
        (index, "".join(o.get("text", "")))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    if noisy:
        details = "\n".join(f"  cell {i}: {text.strip()[:300]}" for i, text in noisy)
        raise NotebookFailure(f"{path.name} wrote to stderr (nbgrader would score these cells 0):\n{details}")
    return notebook
