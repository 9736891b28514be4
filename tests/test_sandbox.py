"""The grading sandbox: always the kernel nbgrader starts, refused when it does not work, sound when it does."""

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import unprivileged
from test_validate import course_config

from grading.__main__ import main
from grading.course import REPO_ROOT, copy_course
from grading.pipeline import autograde
from grading.sandbox import budgets
from grading.sandbox import bwrap as sandbox
from grading.sandbox import kernel_manager as grading_kernel
from grading.sandbox.launcher import probe

pytestmark = pytest.mark.slow  # starts kernels, nbgrader or builds

PROBLEM, FOUND = probe(
    [
        REPO_ROOT / "notebooks",
        REPO_ROOT / "references",
        REPO_ROOT / "grading",
        REPO_ROOT / "gradebook.db",
        Path.home() / ".ssh",
    ]
)
NO_SANDBOX = f"the grading sandbox does not work here: {PROBLEM}"


@pytest.mark.parametrize("name", ["python3", "python3-unsandboxed", "ir", ""])
def test_the_kernel_is_the_sandbox_whatever_kernelspec_the_notebook_names(name):
    manager = grading_kernel.SandboxedKernelManager(kernel_name=name)
    assert manager.kernel_spec.argv[1:4] == ["-I", "-m", "grading.sandbox.launcher"]
    assert manager.kernel_spec.interrupt_mode == "message"


def test_nbgrader_autograde_uses_the_sandboxed_execute_preprocessor():
    config = course_config()
    names = [
        p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in config.Autograde.autograde_preprocessors
    ]
    assert names[0] == "grading.plugins.execute.SandboxedExecute"
    assert not [n for n in names if n.rsplit(".", 1)[-1] == "Execute"], names
    assert "grading.plugins.verification.VerifyChecks" in names
    assert "allow_unisolated" not in config.SandboxedKernelManager  # the default: refuse without a sandbox
    assert grading_kernel.SandboxedKernelManager().allow_unisolated is False


def test_without_a_sandbox_the_kernel_manager_refuses_and_says_how_to_fix_it(monkeypatch):
    monkeypatch.setattr(grading_kernel.SandboxedKernelManager, "_verdict", ("bubblewrap is not installed", {}))
    manager = grading_kernel.SandboxedKernelManager()
    with pytest.raises(sandbox.SandboxUnavailable, match="apt install bubblewrap.*allow_unisolated"):
        manager._unisolated()
    manager.allow_unisolated = True
    assert manager._unisolated() is True


def test_make_autograde_refuses_without_a_sandbox(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(autograde, "probe_for_call", lambda: ("bubblewrap is not installed", {}, None))
    course = copy_course(tmp_path / "course")
    (course.submitted / "alice" / "week2_numpy_basics").mkdir(parents=True)
    with pytest.raises(sandbox.SandboxUnavailable):
        autograde.autograde(course)
    assert main(["--course", str(course.root), "autograde"]) == 2
    assert "REFUSED" in capsys.readouterr().err and not course.autograded.exists()


@pytest.mark.skipif(bool(PROBLEM), reason=NO_SANDBOX)
def test_the_probe_finds_an_unprivileged_kernel_that_sees_only_the_allow_list():
    assert FOUND["visible"] == [] and FOUND["imports"] is True and FOUND["user_namespace"] is False
    assert int(FOUND["cap_eff"], 16) == 0 and FOUND["no_new_privs"]
    if os.geteuid() == 0:
        assert sandbox.SANDBOX_UID <= FOUND["uid"] < sandbox.SANDBOX_UID + sandbox.SANDBOX_UIDS  # one of the range
        assert int(FOUND["cap_bnd"], 16) == 0
    else:
        assert FOUND["uid"] == os.getuid()


def test_the_allow_list_holds_no_course_file():
    sources = sandbox.read_only_sources()
    for forbidden in ("notebooks", "references", "grading", "gradebook.db", "submitted", "autograded"):
        assert not any((REPO_ROOT / forbidden).is_relative_to(p) for p in sources), (forbidden, sources)
    assert Path("/") not in sources and Path("/etc") not in sources and Path("/home") not in sources


def _apply_in_child(cgroup_root, budget):
    """budgets.apply in a forked child (it moves the process into a cgroup); returns what it enforced."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        budgets.CGROUP_ROOT = Path(cgroup_root)
        limits = budgets.apply(f"test{os.getpid()}", budget, own_uid=False)
        os.write(
            write, json.dumps({"enforced": limits.enforced, "as": resource.getrlimit(resource.RLIMIT_AS)[0]}).encode()
        )
        if limits.cgroup:
            limits.cgroup.remove()
        os._exit(0)
    os.close(write)
    data = os.read(read, 100000)
    os.waitpid(pid, 0)
    return json.loads(data)


def test_without_a_writable_cgroup_the_budgets_fall_back_to_process_limits(tmp_path):
    found = _apply_in_child(tmp_path / "no-cgroups", budgets.Budget(memory_mb=512))
    assert found["enforced"]["memory"] == "RLIMIT_AS (per process)" and found["as"] == 512 * 2**20
    # RLIMIT_NPROC would count every process of the user, so nothing limits them, and the report says so
    assert found["enforced"]["processes"] == found["enforced"]["cpus"] == budgets.NOT_LIMITED


@pytest.mark.skipif(
    not os.access("/sys/fs/cgroup/memory", os.W_OK) and not os.access("/sys/fs/cgroup", os.W_OK),
    reason="no writable cgroup here (not root, or no delegated controllers)",
)
def test_with_a_writable_cgroup_memory_and_processes_are_budgets_of_the_group():
    found = _apply_in_child("/sys/fs/cgroup", budgets.Budget(memory_mb=512))
    assert found["enforced"]["memory"].startswith("cgroup") and found["enforced"]["processes"].startswith("cgroup")
    assert found["as"] == 512 * 2**20  # and each process, so that one big allocation is a MemoryError


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to try an unprivileged user")
def test_as_an_unprivileged_user():
    """The same sandbox started by an ordinary user (tests/unprivileged.py): its own uid, limits per process."""
    with tempfile.TemporaryDirectory() as home:  # not under pytest's folders, which only root may enter
        unprivileged.chown_tree(home)
        done = unprivileged.run([sys.executable, "-I", "-m", "grading.sandbox.launcher", "--probe"], home=home)
    found = json.loads(done.stdout)
    assert found["ok"], found
    assert found["uid"] == unprivileged.NOBODY and found["enforced"]["memory"] == "RLIMIT_AS (per process)"


def test_a_course_under_tmp_stays_visible_under_the_sandbox_s_own_tmp():
    """The kernel's /tmp is a fresh tmpfs: what is bound from under the host's /tmp (a clone made with
    ``mktemp -d``, its environment) must be bound after it is mounted, or the tmpfs hides it."""
    args = sandbox.bwrap_arguments([Path("/tmp/clone/.venv")], Path("/tmp/kernel"), [], budgets.Budget())
    tmp = args.index("/tmp", args.index("--tmpfs"))
    assert args.index("--ro-bind") > tmp and args[args.index("--ro-bind") + 1] == "/tmp/clone/.venv"
    # and the folders leading to it are not the kernel's to write in (as an ordinary user it owns them)
    assert args.index("/tmp/clone") > tmp and args[args.index("/tmp/clone") - 1] == "--tmpfs"
    assert args[args.index("/tmp/clone", args.index("--ro-bind")) - 1] == "--remount-ro"


FONTS_INSIDE = r"""
import json, os, sys
name = sys.argv[1]
try:
    open(f"/tmp/{name}", "a").close()
    writable = True
except OSError:
    writable = False
import matplotlib.font_manager as fm
print(json.dumps({"writable": writable, "tmp": sorted(os.listdir("/tmp")), "fonts": len(fm.fontManager.ttflist)}))
"""


def _run_in_sandbox(runtime, settings, inside):
    """``(stdout, stderr)`` of ``inside`` run in the kernel's sandbox (budgets in a forked child, as the probe)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        from grading.sandbox import launcher

        argv, fds, limits, _ = launcher.command(runtime, settings, inside)
        done = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True, timeout=300)
        if limits.cgroup:
            limits.cgroup.kill()
            limits.cgroup.remove()
        os.write(write, json.dumps([done.stdout, done.stderr]).encode())
        os._exit(0)
    os.close(write)
    chunks = iter(lambda: os.read(read, 1 << 16), b"")
    data = b"".join(chunks)
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.skipif(bool(PROBLEM), reason=NO_SANDBOX)
def test_the_probe_s_font_list_reaches_each_kernel_read_only_and_matplotlib_does_not_build_it_again():
    with tempfile.TemporaryDirectory() as keep, tempfile.TemporaryDirectory() as runtime:
        problem, found = probe([], keep)
        assert not problem and found["font_list"] and Path(found["font_list"]).parent == Path(keep)
        name = Path(found["font_list"]).name
        before = Path(found["font_list"]).read_bytes()
        out, err = _run_in_sandbox(
            Path(runtime), {"font_list": found["font_list"]}, [sys.executable, "-I", "-c", FONTS_INSIDE, name]
        )
        seen = json.loads(out.strip().splitlines()[-1])
        assert seen["writable"] is False and name in seen["tmp"] and seen["fonts"] > 0
        assert err == "", err  # a rebuild would fail to save over the read-only copy, and say so on stderr
        assert Path(found["font_list"]).read_bytes() == before
