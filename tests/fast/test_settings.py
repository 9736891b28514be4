"""One source per setting: nbgrader_config.py states only what differs from the plug-ins' defaults, and the
documented budgets are the code's."""

import re
from pathlib import Path

from traitlets.config import Config

from grading.plugins.execute import SandboxedExecute
from grading.plugins.verification import VerifyChecks
from grading.sandbox.budgets import Budget
from grading.sandbox.kernel_manager import SandboxedKernelManager

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = {cls.__name__: cls for cls in (SandboxedExecute, SandboxedKernelManager, VerifyChecks)}


def course_config():
    config = Config()
    path = ROOT / "nbgrader_config.py"
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config, "__file__": str(path)})
    return config


def test_the_course_settings_state_only_what_differs_from_the_defaults():
    config = course_config()
    for name, cls in PLUGINS.items():
        for trait, value in config.get(name, {}).items():
            default = cls.class_traits()[trait].default()
            assert value != default, f"nbgrader_config.py restates the default c.{name}.{trait} = {value!r}: drop it"


def test_the_kernel_budgets_are_budget_defaults():
    budget = Budget()
    manager = SandboxedKernelManager()
    assert manager.budget() == budget


def test_the_documented_budgets_are_the_code_defaults():
    b, text = Budget(), re.sub(r"\s+", " ", (ROOT / "docs" / "security.md").read_text())
    budgets = (
        f"memory {b.memory_mb} MiB, {b.processes} processes, {b.cpus:g} CPU, {b.cpu_seconds} s of CPU, "
        f"a {b.wall_seconds} s wall clock (plus `Execute.timeout` per cell), {b.tmp_mb} MiB of `/tmp` and "
        f"{b.work_mb} MiB of working space"
    )
    assert budgets in text, f"docs/security.md should say: {budgets}"
    cap = SandboxedExecute.class_traits()["max_output_mb"].default()
    assert f"`SandboxedExecute.max_output_mb` ({cap} MiB)" in text and f"the {cap} MiB cap" in text
