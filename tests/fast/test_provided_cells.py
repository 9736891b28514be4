"""The provided building-blocks cells are the week 4 step-by-step solutions, as tools/provide.py writes them."""

import importlib.util
import json
import shutil
import subprocess
import sys

from grading.course import REPO_ROOT
from grading.notebook_cells import load, nbgrader_meta, source_text

spec = importlib.util.spec_from_file_location("provide", REPO_ROOT / "tools" / "provide.py")
provide = importlib.util.module_from_spec(spec)
spec.loader.exec_module(provide)


def test_the_provided_cells_are_current():
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "provide.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_changed_solution_makes_the_cells_stale_and_provide_rewrites_only_them(tmp_path):
    step = tmp_path / provide.STEP.name
    shutil.copy(provide.STEP, step)
    provided = {name: tmp_path / path.name for name, path in provide.PROVIDED.items()}
    for name, path in provide.PROVIDED.items():
        shutil.copy(path, provided[name])
    assert provide.stale(provided, step) == []

    notebook = json.loads(step.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if "def compute_cost(" in source_text(c) and nbgrader_meta(c))
    cell["source"] = source_text(cell).replace("def compute_cost(", "def compute_cost(  ", 1)
    step.write_text(json.dumps(notebook), encoding="utf-8")
    assert provide.stale(provided, step) == list(provided)

    before = {name: load(path)["cells"] for name, path in provided.items()}
    provide.write(["week5_optimization"], provided, step)
    assert provide.stale(provided, step) == ["week4_deep_network_application", "week5_regularization"]
    after = load(provided["week5_optimization"])["cells"]
    changed = [nbgrader_meta(c).get("grade_id") for c, b in zip(after, before["week5_optimization"]) if c != b]
    assert changed == [provide.PROVIDED_ID] and len(after) == len(before["week5_optimization"])
    assert "def compute_cost(  " in source_text(
        next(c for c in after if nbgrader_meta(c).get("grade_id") == "building_blocks")
    )
