"""nbgrader's Execute preprocessor with the grading sandbox's kernel manager and a cap on output volume.

``nbgrader_config.py`` puts :class:`SandboxedExecute` in place of ``Execute`` in
``Autograde.autograde_preprocessors``: every kernel of every grading route is started by
:class:`grading.sandbox.kernel_manager.SandboxedKernelManager`, whatever is configured elsewhere.  Output
the kernel sends beyond ``max_output_mb`` per notebook is dropped as it arrives (the grader's
memory stays bounded); error outputs and stderr are kept, truncated, because they decide that a
test failed.
"""
import json

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from grading.sandbox.kernel_manager import SandboxedKernelManager

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
        return super().preprocess(nb, resources, km=km)

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
