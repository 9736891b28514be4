"""Where an nbgrader process spends its time, per notebook: for the benchmark (``tools/bench.py``).

:func:`install` is called from an nbgrader configuration file (the benchmark appends the call to its
temporary course's ``nbgrader_config.py``; the real course never calls it).  When
``COURSE_TIMING_LOG`` names a file, the process then appends one JSON line per event to it:

- ``process``: when this nbgrader process started and (at exit) ended;
- ``notebook``: one autograded notebook, both of nbgrader's passes (sanitize, then autograde), with the CPU
  seconds this process and its waited-for children (the notebook's kernel) spent on it;
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

LOG = "COURSE_TIMING_LOG"
_lock = threading.Lock()
_installed = False


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
    """CPU seconds (user and system) of this process and of its children that have been waited for."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


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
