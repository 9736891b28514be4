"""The kernel manager nbgrader uses for every kernel it starts: always the sandbox, or a refusal.

Selected in ``nbgrader_config.py`` (through :class:`grading.plugins.execute.SandboxedExecute`), so
``make autograde``, ``nbgrader autograde`` on the command line and Formgrader's Autograde button all
grade the same way.  Whatever kernelspec a notebook names, the kernel command is
``python -I -m grading.sandbox.launcher`` (:mod:`grading.sandbox.launcher`), with the budgets below, IPC sockets in
a private folder and the kernel's stdout / stderr sent to ``/dev/null``.  When the sandbox does not
work on this machine, starting a kernel fails with a message that says how to fix it, unless
``allow_unisolated`` was set on purpose.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Float, Integer, Unicode

from grading.sandbox import budgets
from grading.sandbox import bwrap as sandbox
from grading.sandbox.launcher import SETTINGS

_DEFAULT = budgets.Budget()


def probe(keep=None):
    """``(problem, found)`` of ``python -I -m grading.sandbox.launcher --probe`` (empty ``problem``: it works);
    with ``keep`` (a folder), the font list the probe built is saved there (``found["font_list"]``)."""
    done = subprocess.run(
        [sys.executable, "-I", "-m", "grading.sandbox.launcher", "--probe", *(["--keep", str(keep)] if keep else [])],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
    )
    try:
        found = json.loads(done.stdout)
    except ValueError:
        return f"the sandbox probe failed: {(done.stderr or done.stdout).strip()[-300:]}", {}
    return found.get("problem", ""), found


def _scratch():
    """A folder of this process for the probes' verdicts and font lists, removed when the process ends."""
    global _SCRATCH
    if _SCRATCH is None:
        _SCRATCH = tempfile.mkdtemp(prefix="grading-probes-")
        atexit.register(shutil.rmtree, _SCRATCH, True)
    return _SCRATCH


_SCRATCH = None


def probe_for_call():
    """``(problem, found, path)``: probe once for a whole grading call.  The verdict, with the font list the probe
    built, is saved in ``path`` (a JSON file), which every nbgrader process of the call reads
    (``SandboxedKernelManager.verdict``) instead of probing again."""
    folder = Path(tempfile.mkdtemp(prefix="probe-", dir=_scratch()))
    problem, found = probe(folder)
    path = folder / "verdict.json"
    path.write_text(json.dumps({**found, "problem": problem}))
    return problem, found, path


class SandboxedKernelManager(AsyncKernelManager):
    """Starts every kernel in the grading sandbox, under the budgets configured here."""

    memory_mb = Integer(_DEFAULT.memory_mb, help="Memory of the kernel, all its processes together (MiB)").tag(
        config=True
    )
    processes = Integer(_DEFAULT.processes, help="Processes and threads the kernel may have at once").tag(config=True)
    cpus = Float(_DEFAULT.cpus, help="CPU share of the kernel (cores; cgroup quota)").tag(config=True)
    cpu_seconds = Integer(_DEFAULT.cpu_seconds, help="CPU time of the kernel (seconds)").tag(config=True)
    wall_seconds = Integer(_DEFAULT.wall_seconds, help="Wall clock of one notebook, start to end (seconds)").tag(
        config=True
    )
    tmp_mb = Integer(_DEFAULT.tmp_mb, help="Size of the kernel's /tmp (MiB)").tag(config=True)
    work_mb = Integer(_DEFAULT.work_mb, help="Size of the kernel's working copy and HOME (MiB)").tag(config=True)
    uid = Integer(
        sandbox.SANDBOX_UID, help="First unprivileged uid (and gid) of the kernels when grading runs as root"
    ).tag(config=True)
    uid_count = Integer(sandbox.SANDBOX_UIDS, help="Uids from `uid` on: each kernel alive takes one of its own").tag(
        config=True
    )
    report = Unicode("", help="File the launcher appends one JSON line per kernel to (budgets, end)").tag(config=True)
    twins = Dict(
        help="{course_utils module: [function names]} that refuse to run in this kernel (the twins of "
        "the graded exercises; set by SandboxedExecute)"
    )
    verdict = Unicode(
        "", help="The probe's verdict for this grading call (a file from probe_for_call): read instead of probing"
    ).tag(config=True)
    allow_unisolated = Bool(
        False, help="Grade WITHOUT isolation when the sandbox does not work (trusted code only)"
    ).tag(config=True)

    _verdict = None  # (problem, found) of the probe, once per process

    @property
    def kernel_spec(self):
        return KernelSpec(
            argv=[sys.executable, "-I", "-m", "grading.sandbox.launcher", "{connection_file}"],
            display_name="Python 3 (grading sandbox)",
            language="python",
            interrupt_mode="message",
            env={},
            resource_dir=str(Path(__file__).parent),
        )

    def budget(self):
        return budgets.Budget(
            **{name: getattr(self, name) for name in budgets.Budget.__dataclass_fields__ if self.has_trait(name)}
        )

    def _unisolated(self):
        """False when the sandbox works; True when it does not and unisolated grading was allowed; else raise."""
        if SandboxedKernelManager._verdict is None:
            SandboxedKernelManager._verdict = self._probe()
        problem = SandboxedKernelManager._verdict[0]
        if not problem:
            return False
        if not self.allow_unisolated:
            raise sandbox.SandboxUnavailable(sandbox.how_to_fix(problem))
        self.log.warning("GRADING WITHOUT ISOLATION (SandboxedKernelManager.allow_unisolated): %s", problem)
        return True

    def _probe(self):
        if self.verdict:
            found = json.loads(Path(self.verdict).read_text())
            return found.get("problem", ""), found
        return probe(_scratch())

    async def _async_pre_start_kernel(self, **kw):
        unisolated = self._unisolated()
        runtime = Path(tempfile.mkdtemp(prefix="k", dir="/tmp" if os.path.isdir("/tmp") else None))
        runtime.chmod(0o700)
        self._runtime = runtime
        self.transport, self.ip, self.cache_ports = "ipc", str(runtime / "s"), False
        self.connection_file = str(runtime / "kernel.json")
        folder = kw.pop("cwd", None)
        label = "/".join(Path(folder).parts[-2:]) if folder else ""
        self._label = label
        (runtime / SETTINGS).write_text(
            json.dumps(
                {
                    "budget": self.budget().as_dict(),
                    "uid": self.uid,
                    "uid_count": self.uid_count,
                    "notebooks": folder,
                    "label": label,
                    "report": self.report,
                    "unisolated": unisolated,
                    "twins": self.twins,
                    "font_list": SandboxedKernelManager._verdict[1].get("font_list"),
                }
            )
        )
        env = {k: os.environ[k] for k in ("PATH", *sandbox.PASSED_ENV) if k in os.environ}
        kw.update(cwd=str(runtime), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kw)

    def note(self, text):
        """Add a note on this kernel's notebook to the report (what the grader did to its output)."""
        if self.report:
            with open(self.report, "a") as handle:
                handle.write(json.dumps({"label": getattr(self, "_label", ""), "event": "", "note": text}) + "\n")

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_runtime", None):
            shutil.rmtree(self._runtime, ignore_errors=True)
