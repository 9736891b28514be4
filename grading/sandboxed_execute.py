"""nbgrader's Execute preprocessor with the grading sandbox's kernel manager and a cap on output volume.

``nbgrader_config.py`` puts :class:`SandboxedExecute` in place of ``Execute`` in
``Autograde.autograde_preprocessors``: every kernel of every grading route is started by
:class:`grading.grading_kernel.SandboxedKernelManager`, whatever is configured elsewhere.  Output
the kernel sends beyond ``max_output_mb`` per notebook is dropped as it arrives (the grader's
memory stays bounded); error outputs and stderr are kept, truncated, because they decide that a
test failed.  A display update (``update_display_data``, or a display reusing an id) changes only outputs
of the cell that is running: a cell never rewrites another one's, so what a test cell's run leaks stays in
the test cell, whose outputs the feedback replaces by the grader's verdict.
"""
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .grading_kernel import SandboxedKernelManager
from .wrappers import notebook_twins

KEPT_CHARS = 2000  # of a stderr text or an error beyond the cap


class SandboxedExecute(Execute):
    max_output_mb = Integer(16, help="Output accepted from the kernel per notebook (MiB); the rest is dropped"
                            ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
        self.kernel_manager_class = SandboxedKernelManager

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes, self._over = 0, False
        self._twins = self.twins(nb, (resources or {}).get("nbgrader", {}))
        return super().preprocess(nb, resources, km=km)

    def twins(self, nb, info):
        """``{module: [names]}``: the course_utils twins of the exercises of the notebook graded (from its source)."""
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", ""))) / \
            f"{info.get('notebook', '')}.ipynb"
        return notebook_twins(nbformat.read(source, as_version=4) if source.is_file() else nb)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.twins = self._twins  # the launcher makes them refuse to run in the sandbox
        return km

    def process_message(self, msg, cell, cell_index):
        self._running_cell = cell_index
        return super().process_message(msg, cell, cell_index)

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

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += len(json.dumps(msg.get("content", {}), default=str))
        if self._output_bytes <= self.max_output_mb * 2 ** 20:
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        if msg["msg_type"] == "stream" and content.get("name") == "stderr":
            content["text"] = content.get("text", "")[:KEPT_CHARS]
        elif msg["msg_type"] == "error":
            content["traceback"] = [line[:KEPT_CHARS] for line in content.get("traceback", [])[:20]]
            content["evalue"] = str(content.get("evalue", ""))[:KEPT_CHARS]
        else:
            if not self._over:
                outs.append(new_output("stream", name="stdout", text=f"\n[the grader dropped the output beyond "
                                       f"{self.max_output_mb} MiB of this notebook]\n"))
            self._over = True
            return None
        return super().output(outs, msg, display_id, cell_index)
