"""Where an nbgrader process spends its time, per notebook: for the benchmark (``tools/bench.py``).

:func:`install` is called from an nbgrader configuration file (the benchmark appends the call to its
temporary course's ``nbgrader_config.py``; the real course never calls it).  When
``COURSE_TIMING_LOG`` names a file, the process then appends one JSON line per event to it:

- ``process``: when this nbgrader process started and (at exit) ended;
- ``notebook``: one autograded notebook, both of nbgrader's passes (sanitize, then autograde), with the CPU
  seconds this process and its descendants (the notebook's kernel included) spent on it (:class:`TreeCpu`);
- ``preprocessor``: the seconds of each preprocessor of each pass, by class name;
- ``execute``: the Execute preprocessor split into starting the kernel (until its first cell),
  running the cells (each one's seconds, with the first line of its source) and stopping it, and
  the peak resident memory of this process and of its finished kernels.

Nothing here changes what nbgrader does or grades; it only reads clocks.
"""

import atexit
import json
import os
import resource
import threading
import time
from pathlib import Path

LOG = "COURSE_TIMING_LOG"
CGROUP = "COURSE_TIMING_CGROUP"  # the benchmark's cpuacct group; each nbgrader process makes a child of it
CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_lock = threading.Lock()
_installed = False
_tree = None


class TreeCpu:
    """CPU seconds of a process and of every process it starts, whoever reaps them.

    ``RUSAGE_CHILDREN`` counts a descendant only when each process above it waited for it: a kernel killed
    with its sandbox (the launcher kills the kernel's cgroup, bubblewrap's pid-namespace init dies first) is
    lost, and the benchmark then showed too little CPU.  A cgroup v1 ``cpuacct`` group counts every task in it
    and in its child groups, and a child process stays in its parent's group unless moved: the launcher moves
    kernels in the ``memory``, ``pids`` and ``cpu`` hierarchies only, so where ``cpuacct`` is a hierarchy of its
    own (and this process may write it: root), the group of a process holds its whole tree, kernels included.
    Elsewhere (cgroup v2, ``cpu,cpuacct`` mounted together, no write access) it falls back to ``RUSAGE_SELF``
    + ``RUSAGE_CHILDREN`` and says so in :attr:`method`.
    """

    def __init__(self, group=None):
        self.group = group
        self.method = (
            "cgroup v1 cpuacct (whole process tree)" if group else "getrusage self+children (kernels may be missed)"
        )

    @classmethod
    def join(cls, folder):
        """Make ``folder`` a cpuacct group and move this process into it; the fallback when that cannot be done."""
        if not (CPUACCT / "cpuacct.usage").is_file() or CPUACCT.resolve() == (CPUACCT.parent / "cpu").resolve():
            return cls()
        try:
            folder.mkdir(exist_ok=True)
            (folder / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            return cls()
        return cls(folder)

    def seconds(self):
        if self.group:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        return sum(
            usage.ru_utime + usage.ru_stime
            for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        )

    def leave(self):
        """Move this process back to the root group and remove the (then empty) groups below and at ``group``."""
        if not self.group:
            return
        (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
        for folder in sorted(self.group.rglob("*"), key=lambda p: -len(p.parts)) + [self.group]:
            if folder.is_dir():
                try:
                    folder.rmdir()
                except OSError:
                    pass


def _write(path, record):
    with _lock, open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def _who(resources):
    info = (resources or {}).get("nbgrader", {})
    return {key: info.get(key) for key in ("student", "assignment", "notebook")}


def _timed_preprocessor(path, preprocessor, name):
    def run(nb, resources):
        start = time.time()
        try:
            return preprocessor(nb, resources)
        finally:
            _write(path, {"event": "preprocessor", "name": name, "seconds": time.time() - start, **_who(resources)})

    return run


def _time_cells(path, execute):
    """Wrap one Execute instance: kernel start until the first cell, each cell, kernel stop after the last."""
    original_preprocess, original_cell = execute.preprocess, execute.preprocess_cell
    marks = {}

    def preprocess(nb, resources=None, km=None):
        marks.clear()
        marks.update(start=time.time(), cells=[])
        try:
            return original_preprocess(nb, resources, km)
        finally:
            end = time.time()
            first = marks.get("first", end)
            last = marks.get("last", end)
            _write(
                path,
                {
                    "event": "execute",
                    **_who(resources),
                    "kernel_start": first - marks["start"],
                    "cells_seconds": last - first,
                    "kernel_stop": end - last,
                    "cells": marks["cells"],
                    "maxrss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    "maxrss_kernels_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                },
            )

    def preprocess_cell(cell, resources, index):
        start = time.time()
        marks.setdefault("first", start)
        try:
            return original_cell(cell, resources, index)
        finally:
            marks["last"] = time.time()
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                first_line = next((line for line in source.splitlines() if line.strip()), "")
                marks["cells"].append([index, marks["last"] - start, first_line[:80]])

    execute.preprocess, execute.preprocess_cell = preprocess, preprocess_cell


def _cpu():
    """CPU seconds of this nbgrader process and its whole tree, kernels included (:class:`TreeCpu`)."""
    return _tree.seconds()


def _process_start():
    """When this process was started (epoch seconds): its interpreter start-up and imports included."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/stat") as system:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


def install(config=None):
    """Time this nbgrader process's autograding into ``$COURSE_TIMING_LOG``; a no-op when it is unset."""
    global _installed
    path = os.environ.get(LOG)
    if not path or _installed:  # nbgrader may load the same configuration file twice
        return
    _installed = True
    global _tree
    group = os.environ.get(CGROUP)
    _tree = TreeCpu.join(Path(group) / f"p{os.getpid()}") if group else TreeCpu()
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    started = _process_start()
    atexit.register(
        lambda: _write(path, {"event": "process", "pid": os.getpid(), "start": started, "end": time.time()})
    )
    original_init, original_convert = Autograde._init_preprocessors, Autograde.convert_single_notebook

    def init_preprocessors(self):
        original_init(self)
        wrapped = []
        for preprocessor in self.exporter._preprocessors:
            if isinstance(preprocessor, Execute):
                _time_cells(path, preprocessor)
            wrapped.append(_timed_preprocessor(path, preprocessor, type(preprocessor).__name__))
        self.exporter._preprocessors = wrapped

    def convert_single_notebook(self, notebook_filename):
        start, cpu = time.time(), _cpu()
        try:
            return original_convert(self, notebook_filename)
        finally:
            _write(
                path,
                {
                    "event": "notebook",
                    "pid": os.getpid(),
                    "file": notebook_filename,
                    "start": start,
                    "end": time.time(),
                    "cpu": _cpu() - cpu,
                },
            )

    Autograde._init_preprocessors = init_preprocessors
    Autograde.convert_single_notebook = convert_single_notebook
