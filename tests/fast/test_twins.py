"""The course_utils twins of a notebook's exercises, and the refusing copy the launcher binds over them."""

import os
from pathlib import Path

import numpy as np
import pytest

import course_utils
from course_utils.twins import TwinRefused
from grading.course import REPO_ROOT
from grading.notebook_cells import load
from grading.plugins.delegation import notebook_twins, refusing_source
from grading.sandbox import budgets, launcher
from grading.sandbox import bwrap as sandbox

ACTIVATIONS = Path(course_utils.__file__).parent / "activations.py"


def test_each_notebook_s_twins_are_the_course_utils_functions_its_exercises_define():
    notebooks = REPO_ROOT / "notebooks"
    assert notebook_twins(load(notebooks / "week2_numpy_basics" / "numpy_basics.ipynb")) == {
        "course_utils.activations": ["sigmoid", "softmax"]
    }
    assert notebook_twins(load(notebooks / "week1_introduction" / "introduction.ipynb")) == {}


def test_the_refusing_copy_refuses_the_twins_by_any_name_and_keeps_the_rest():
    namespace = {"__name__": "course_utils.activations"}
    exec(compile(refusing_source(ACTIVATIONS.read_text(), ["sigmoid"]), str(ACTIVATIONS), "exec"), namespace)
    for refused in (namespace["sigmoid"], namespace["_sigmoid"], namespace["FORWARD"]["sigmoid"]):
        with pytest.raises(TwinRefused, match="sigmoid is switched off while this notebook is graded"):
            refused(np.zeros((1, 2)))
    assert np.array_equal(namespace["relu"](np.array([[-1.0, 2.0]]))[0], [[0.0, 2.0]])
    assert np.allclose(namespace["softmax"](np.zeros((2, 1)))[0], 0.5)


def test_the_launcher_binds_the_copy_read_only_over_the_module_and_its_compiled_copies():
    found = launcher.overlays({"course_utils.activations": ["softmax"]})
    try:
        paths = [path for _, path in found]
        assert paths[0] == str(ACTIVATIONS.resolve()) and all(p.endswith(".pyc") for p in paths[1:])
        assert b"TwinRefused('softmax')" in os.pread(found[0][0], 1 << 20, 0)
        args = sandbox.bwrap_arguments([ACTIVATIONS.parent], Path("/tmp/kernel"), [], budgets.Budget(), None, found)
        where = args.index("--ro-bind-data")
        assert args[where + 1 : where + 3] == [str(found[0][0]), paths[0]]
        assert where > args.index("--ro-bind"), "the copy must be bound after (over) the package"
    finally:
        for fd, _ in found:
            os.close(fd)
    with pytest.raises(ValueError, match="no course_utils module"):
        launcher.overlays({"course_utils.../grading": ["x"]})


def test_the_twins_are_read_from_the_sources_every_public_function_without_importing_the_modules():
    import importlib
    import json
    import pkgutil
    import subprocess
    import sys

    code = (
        "import json, sys; from grading.plugins.delegation import twins\n"
        "print(json.dumps([twins(), list(sys.modules)]))"
    )
    found, modules = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
    assert "matplotlib" not in modules and "numpy" not in modules and "h5py" not in modules
    for info in pkgutil.iter_modules(course_utils.__path__):
        module = importlib.import_module(f"course_utils.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and not name.startswith("_") and getattr(value, "__code__", None) is not None:
                if value.__module__ == module.__name__:
                    assert module.__name__ in found.get(name, []), f"{module.__name__}.{name} is missing"
