"""nbgrader's Execute preprocessor with the grading sandbox's kernel manager and a cap on output volume.

``nbgrader_config.py`` puts :class:`SandboxedExecute` in place of ``Execute`` in
``Autograde.autograde_preprocessors``: every kernel of every grading route is started by
:class:`grading.sandbox.kernel_manager.SandboxedKernelManager`, whatever is configured elsewhere.  Every
byte the kernel sends counts against ``max_output_mb`` per notebook: outputs, rewrites of earlier
outputs (``update_display_data``) and widget messages (``comm_*``) alike.  Past the cap they are
dropped as they arrive (the grader's memory and the graded notebook stay bounded); error outputs and
stderr are kept, truncated, because they decide that a test failed.  No widget state is stored.
A display update (``update_display_data``, or a display reusing an id) changes only outputs of the cell
that is running: a cell never rewrites another one's, so what a test cell's run leaks stays in the test
cell, whose outputs the feedback replaces by the grader's verdict.
"""

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Integer

from grading.plugins.delegation import notebook_twins
from grading.sandbox.kernel_manager import SandboxedKernelManager

KEPT_CHARS = 2000  # of a stderr text or an error beyond the cap
UNCOUNTED = {"status", "execute_input", "clear_output"}  # small messages that drive execution, never dropped


def size(msg):
    """Bytes of a kernel message's content and binary buffers."""
    return len(json.dumps(msg.get("content", {}), default=str)) + sum(len(b) for b in msg.get("buffers") or [])


class SandboxedExecute(Execute):
    max_output_mb = Integer(16, help="Output accepted from the kernel per notebook (MiB); the rest is dropped").tag(
        config=True
    )

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        kwargs["store_widget_state"] = False
        super().__init__(*args, **kwargs)
        self.kernel_manager_class = SandboxedKernelManager

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, km: Any = None
    ) -> tuple[NotebookNode, dict[str, Any]]:
        self._output_bytes, self._over, self._manager = 0, False, None
        self._twins = self.twins(nb, (resources or {}).get("nbgrader", {}))
        nb, resources = super().preprocess(nb, resources, km=km)
        if self._over:
            self.log.warning(
                "dropped %.0f MiB of output beyond the %d MiB cap", self._output_bytes / 2**20, self.max_output_mb
            )
            note = getattr(self._manager, "note", None)
            if note:
                note(
                    f"the grader dropped the output beyond {self.max_output_mb} MiB (of "
                    f"{self._output_bytes / 2**20:.0f} MiB the kernel sent: printed, displayed, updated or widgets)"
                )
        return nb, resources

    def twins(self, nb: NotebookNode, info: dict[str, Any]) -> dict[str, list[str]]:
        """``{module: [names]}``: the course_utils twins of the exercises of the notebook graded (from its source)."""
        coursedir = CourseDirectory(config=self.config)
        source = (
            Path(coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", "")))
            / f"{info.get('notebook', '')}.ipynb"
        )
        return notebook_twins(nbformat.read(source, as_version=4) if source.is_file() else nb)

    def create_kernel_manager(self) -> SandboxedKernelManager:
        km = super().create_kernel_manager()
        km.twins = self._twins  # the launcher makes them refuse to run in the sandbox
        return km

    def _update_display_id(self, display_id, msg):
        """nbclient's update, restricted to the outputs of the cell that is running."""
        cells = self._display_id_map.get(display_id, {})
        others = {k: v for k, v in cells.items() if k != getattr(self, "_running_cell", None)}
        for k in others:
            del cells[k]
        try:
            return super()._update_display_id(display_id, msg)
        finally:
            cells.update(others)

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        self._running_cell = cell_index
        msg_type = msg["msg_type"]
        if msg_type in UNCOUNTED:
            return super().process_message(msg, cell, cell_index)
        self._output_bytes += size(msg)
        if self._output_bytes <= self.max_output_mb * 2**20:
            return super().process_message(msg, cell, cell_index)
        content = msg.get("content", {})
        if msg_type == "stream" and content.get("name") == "stderr":
            content["text"] = str(content.get("text", ""))[:KEPT_CHARS]
        elif msg_type == "error":
            content["traceback"] = [str(line)[:KEPT_CHARS] for line in content.get("traceback", [])[:20]]
            content["evalue"] = str(content.get("evalue", ""))[:KEPT_CHARS]
        else:  # outputs, display updates and widget messages
            if not self._over:
                self._manager = self.km  # nbclient drops it when the kernel ends
                cell.outputs.append(
                    new_output(
                        "stream",
                        name="stdout",
                        text=f"\n[the grader dropped the output beyond {self.max_output_mb} MiB of this notebook]\n",
                    )
                )
            self._over = True
            return None
        return super().process_message(msg, cell, cell_index)
