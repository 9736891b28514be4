"""Resource budgets of one grading kernel, across all of its processes, with the strongest mechanism the machine offers.

A cgroup (v2 when its controllers are delegated and writable, else v1 ``memory``, ``pids`` and
``cpu``) caps the memory, the number of processes and the CPU share of every process of the
kernel together.  Where no cgroup is writable (an unprivileged lecturer's server), resource
limits (``setrlimit``) cap each process instead: address space, CPU seconds, file size; the
number of processes is then only capped when the kernel has a uid of its own.  The launcher
(:mod:`grading.sandbox.launcher`) applies these before it starts the sandbox and reports
:meth:`Budget.enforced`.
"""

import os
import resource
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "nn-grading"  # parent of the per-kernel cgroups


@dataclass
class Budget:
    """Limits of one kernel (one notebook of one submission)."""

    memory_mb: int = 2048  # all processes together (cgroup) or each process (RLIMIT_AS)
    processes: int = 64  # processes and threads at once
    cpus: float = 1.0  # CPU share (cgroup cpu quota)
    cpu_seconds: int = 900  # CPU time (RLIMIT_CPU per process; cgroup accounting in total)
    wall_seconds: int = 900  # wall clock of the notebook, start to shutdown
    tmp_mb: int = 256  # size of /tmp (tmpfs)
    work_mb: int = 256  # size of the working copy and HOME (tmpfs)

    @classmethod
    def from_dict(cls, values):
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    def as_dict(self):
        return asdict(self)


class Cgroup:
    """A fresh cgroup for one kernel under ``/sys/fs/cgroup``; ``None`` from :meth:`create` when none is writable."""

    def __init__(self, version, paths):
        self.version, self.paths = version, paths  # {controller: folder} (v2: {"unified": folder})

    @classmethod
    def create(cls, name, budget):
        try:
            if (CGROUP_ROOT / "cgroup.controllers").is_file():
                return cls._create_v2(name, budget)
            return cls._create_v1(name, budget)
        except OSError:
            return None

    @classmethod
    def _create_v2(cls, name, budget):
        available = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
        if not {"memory", "pids"} <= set(available):
            return None
        parent = CGROUP_ROOT / GROUP
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text(
            " ".join(f"+{c}" for c in ("memory", "pids", "cpu") if c in available)
        )
        folder = parent / name
        folder.mkdir()
        group = cls(2, {"unified": folder})
        (folder / "memory.max").write_text(str(budget.memory_mb * 2**20))
        if (folder / "memory.swap.max").exists():
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(budget.processes))
        if (folder / "cpu.max").exists():
            (folder / "cpu.max").write_text(f"{int(budget.cpus * 100000)} 100000")
        return group

    @classmethod
    def _create_v1(cls, name, budget):
        roots = {c: CGROUP_ROOT / c for c in ("memory", "pids", "cpu") if (CGROUP_ROOT / c / "cgroup.procs").is_file()}
        if not {"memory", "pids"} <= set(roots):
            return None
        paths = {}
        try:
            for controller, root in roots.items():
                (root / GROUP).mkdir(exist_ok=True)
                paths[controller] = root / GROUP / name
                paths[controller].mkdir()
        except OSError:
            cls(1, paths).remove()
            raise
        group = cls(1, paths)
        memory = paths["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(budget.memory_mb * 2**20))
        if (memory / "memory.memsw.limit_in_bytes").exists():
            (memory / "memory.memsw.limit_in_bytes").write_text(str(budget.memory_mb * 2**20))
        (paths["pids"] / "pids.max").write_text(str(budget.processes))
        if "cpu" in paths:
            (paths["cpu"] / "cpu.cfs_period_us").write_text("100000")
            (paths["cpu"] / "cpu.cfs_quota_us").write_text(str(int(budget.cpus * 100000)))
        return group

    def add(self, pid):
        for folder in self.paths.values():
            (folder / "cgroup.procs").write_text(str(pid))

    def enforced(self):
        kind = f"cgroup v{self.version}"
        found = {"memory": f"{kind} (all processes) and RLIMIT_AS (each)", "processes": kind}
        if self.version == 2 and (self.paths["unified"] / "cpu.max").exists() or "cpu" in self.paths:
            found["cpus"] = kind
        return found

    def cpu_seconds(self):
        """CPU time used by every process of the group so far (``None`` when not accounted)."""
        try:
            if self.version == 2:
                stat = (self.paths["unified"] / "cpu.stat").read_text().split()
                return int(stat[stat.index("usage_usec") + 1]) / 1e6
            usage = CGROUP_ROOT / "cpuacct" / GROUP / self.paths["cpu"].name / "cpuacct.usage"
            usage = self.paths["cpu"] / "cpuacct.usage" if (self.paths["cpu"] / "cpuacct.usage").exists() else usage
            return int(usage.read_text()) / 1e9
        except (OSError, KeyError, ValueError):
            return None

    def out_of_memory(self):
        """True when the kernel hit the memory limit."""
        try:
            if self.version == 2:
                events = (self.paths["unified"] / "memory.events").read_text().split()
                return int(events[events.index("oom_kill") + 1]) > 0
            return int((self.paths["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def kill(self):
        """SIGKILL every process still in the group."""
        folder = next(iter(self.paths.values()))
        for _ in range(50):
            try:
                pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
            except OSError:
                return
            pids = [p for p in pids if p != os.getpid()]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self):
        """Move this process out and delete the group (it must be empty of others)."""
        for _controller, folder in self.paths.items():
            parent_procs = folder.parent.parent / "cgroup.procs"
            try:
                parent_procs.write_text(str(os.getpid()))
            except OSError:
                pass
            try:
                folder.rmdir()
            except OSError:
                pass


@dataclass
class Limits:
    """What :func:`apply` put in place: ``{budget: mechanism}``."""

    enforced: dict = field(default_factory=dict)
    cgroup: Cgroup = None


def rlimits(budget, own_uid):
    """``[(resource, value)]`` for the process limits the kernel gets in every case.

    ``RLIMIT_NPROC`` counts every process of the real uid on the machine, so it only makes sense for a
    uid of the kernel's own (``own_uid``, :mod:`grading.sandbox.uids`).
    """
    limits = [
        (resource.RLIMIT_CPU, budget.cpu_seconds),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, max(budget.work_mb, budget.tmp_mb) * 2**20),
        (resource.RLIMIT_AS, budget.memory_mb * 2**20),
    ]
    if own_uid:
        limits.append((resource.RLIMIT_NPROC, budget.processes))
    return limits


NOT_LIMITED = "not limited (no writable cgroup controller)"


def apply(name, budget, own_uid):
    """Put this process (the launcher, before it starts the sandbox) under ``budget``; returns :class:`Limits`.

    The children inherit the cgroup and the resource limits.
    """
    found = Limits()
    group = Cgroup.create(name, budget)
    if group is not None:
        try:
            group.add(os.getpid())
            found.cgroup = group
            found.enforced.update(group.enforced())
        except OSError:
            group.remove()
    extra = rlimits(budget, own_uid)
    if found.cgroup is None:  # say so when a budget does not hold: the report is what the instructor reads
        found.enforced["memory"] = "RLIMIT_AS (per process)"
        found.enforced["processes"] = "RLIMIT_NPROC (the kernel's own uid)" if own_uid else NOT_LIMITED
    found.enforced.setdefault("cpus", NOT_LIMITED)
    for which, value in extra:
        resource.setrlimit(which, (value, value))
    found.enforced["cpu_seconds"] = "RLIMIT_CPU (per process)"
    found.enforced["wall_seconds"] = "launcher watchdog"
    found.enforced["tmp_mb"] = found.enforced["work_mb"] = "tmpfs size"
    found.enforced["file_size"] = "RLIMIT_FSIZE"
    return found
