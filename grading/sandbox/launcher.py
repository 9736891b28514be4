"""Start one grading kernel in the sandbox, under its budgets, and report what happened.

``python -I -m grading.sandbox.launcher CONNECTION_FILE`` is the command that
:class:`grading.sandbox.kernel_manager.SandboxedKernelManager` starts, whatever kernelspec the notebook
names.  It runs outside the sandbox with an isolated interpreter (``-I``: nothing in a working folder or in
``PYTHON*`` variables can shadow a module), reads its settings from ``sandbox.json`` next to the connection
file (written by the kernel manager, never by student code), binds over the ``course_utils`` twins of the
graded exercises copies that refuse to run (:mod:`grading.plugins.delegation`), puts itself in a fresh
cgroup (or sets resource limits), starts bubblewrap (:mod:`grading.sandbox.bwrap`) with the kernel's output
sent to ``/dev/null``, enforces the wall clock and the CPU budget, and appends one JSON line to the report
file it was given: the budgets that held and why the kernel ended (``wall_clock``, ``cpu_time``,
``memory``), which the grader reads instead of anything the kernel printed.

``python -I -m grading.sandbox.launcher --probe [--keep FOLDER]`` runs the same sandbox once with a self-check
inside (not root, no capabilities, ``/etc/shadow`` and the course invisible, numpy importable) and prints
the result as JSON; exit 0 when the sandbox works.  The probe also builds matplotlib's font list in the
sandbox (``--keep``: saved in FOLDER); every kernel of the grading call then finds it, read-only, in its
``/tmp`` instead of building it again (0.2-0.6 s of CPU per kernel that imports pyplot).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import course_utils
from grading.plugins.delegation import refusing_source
from grading.sandbox import budgets, uids
from grading.sandbox import bwrap as sandbox

SETTINGS = "sandbox.json"
MAX_NOTEBOOK_BYTES = 100 * 1000 * 1000
FONT_LIST = re.compile(r"fontlist-v[0-9.]+\.json")  # matplotlib's font cache, in MPLCONFIGDIR (the kernel's /tmp)
# ipykernel's kernel, which ends without the interpreter's teardown: once it has replied to the shutdown request,
# close() delivers what its sockets still hold (as the exit handler it replaces would), then os._exit.  Tearing down
# numpy, matplotlib and IPython module by module cost 0.2-0.35 s of CPU per notebook, for a process about to vanish.
KERNEL = """
import os, sys
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
app.initialize(sys.argv[1:])
app.start()
app.close()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""
# What the kernel writes to its file descriptors 1 and 2 stays there (/dev/null), not forwarded to the notebook.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]
PROBE = r"""
import json, os, sys
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
found = {"uid": os.getuid(), "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
         "no_new_privs": status.get("NoNewPrivs", "").strip() == "1",
         "visible": [p for p in sys.argv[2:] if os.path.exists(p)]}
try:
    import numpy, ipykernel, course_utils
    found["imports"] = True
except Exception as error:
    found["imports"] = repr(error)
try:
    os.mkdir("/probe-root-write")
    found["root_writable"] = True
except OSError:
    found["root_writable"] = False
os.environ["MPLCONFIGDIR"] = sys.argv[1]  # matplotlib's font list, built here once for every kernel of the call
try:
    import matplotlib.font_manager
    found["font_list"] = sorted(name for name in os.listdir(sys.argv[1]) if name.startswith("fontlist-"))
except Exception as error:
    found["font_list"] = repr(error)
import ctypes
found["user_namespace"] = ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0  # CLONE_NEWUSER
print(json.dumps(found))
"""


def _notebooks(folder):
    """``[(fd, name)]``: the regular ``.ipynb`` files directly in ``folder``, opened without following links."""
    found = []
    if not folder:
        return found
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return found
    try:
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".ipynb") or "/" in name:
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
            except OSError:
                continue
            info = os.fstat(fd)
            if not (info.st_mode & 0o170000 == 0o100000 and info.st_size <= MAX_NOTEBOOK_BYTES):
                os.close(fd)
                continue
            os.set_inheritable(fd, True)
            found.append((fd, name))
    finally:
        os.close(directory)
    return found


def _memfd(data):
    fd = os.memfd_create("overlay")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    os.set_inheritable(fd, True)
    return fd


def overlays(twins):
    """``[(fd, path)]``: for each ``course_utils`` module holding twins (``{module: [names]}``), a copy whose twins
    refuse to run, to bind over it, and empty files over its compiled copies (``__pycache__``)."""
    package = Path(course_utils.__file__).resolve().parent
    found = []
    for module, names in sorted(twins.items()):
        stem = module.removeprefix("course_utils.")
        path = package / f"{stem}.py"
        if not re.fullmatch(r"[a-z_]+", stem) or not path.is_file():
            raise ValueError(f"no course_utils module {module!r} to refuse twins in")
        found.append((_memfd(refusing_source(path.read_text(), names).encode()), str(path)))
        found += [(_memfd(b""), str(p)) for p in sorted((package / "__pycache__").glob(f"{stem}.*.pyc"))]
    return found


def font_list(path):
    """``[(fd, path)]``: the font list the probe built (``path``, on the host), read-only in the kernel's /tmp
    (its ``MPLCONFIGDIR``), so that matplotlib does not build it again in every kernel; ``[]`` when there is none."""
    if not path or not FONT_LIST.fullmatch(Path(path).name) or not Path(path).is_file():
        return []
    return [(_memfd(Path(path).read_bytes()), f"/tmp/{Path(path).name}")]


def command(runtime, settings, inside):
    """``(argv, fds, limits)``: the sandboxed command running ``inside`` for the kernel whose folder is ``runtime``."""
    budget = budgets.Budget.from_dict(settings.get("budget", {}))
    root = os.geteuid() == 0
    uid = None
    if root:  # the lock on the uid is held by this process until it ends: no other kernel gets the uid meanwhile
        uid, _ = uids.take(
            int(settings.get("uid") or sandbox.SANDBOX_UID), int(settings.get("uid_count") or sandbox.SANDBOX_UIDS)
        )
    limits = budgets.apply(f"k{os.getpid()}", budget, own_uid=root)
    limits.enforced["identity"] = (
        f"uid {uid} of its own, no capabilities (setpriv)"
        if root
        else f"uid {os.getuid()} (the grading user), no capabilities"
    )
    if root:
        for path in [runtime, *runtime.iterdir()]:
            os.chown(path, uid, uid, follow_symlinks=False)
    notebooks = _notebooks(settings.get("notebooks"))
    bound = overlays(settings.get("twins") or {}) + font_list(settings.get("font_list"))
    argv = sandbox.bwrap_arguments(sandbox.read_only_sources(), runtime, notebooks, budget, uid, bound) + inside
    fds = [fd for fd, _ in notebooks + bound]
    return argv, fds, limits, budget


def _report(settings, entry):
    path = settings.get("report")
    if not path:
        return
    with open(path, "a") as handle:
        handle.write(json.dumps(entry) + "\n")


def run(connection_file, extra=()):
    """Run the kernel for ``connection_file`` (``extra``: its configured arguments); returns its exit status."""
    connection_file = Path(connection_file)
    runtime = connection_file.parent
    settings = json.loads((runtime / SETTINGS).read_text())
    inside = [sys.executable, "-I", "-c", KERNEL, "-f", str(connection_file), *KERNEL_ARGUMENTS, *extra]
    argv, fds, limits, budget = command(runtime, settings, inside)
    process = subprocess.Popen(
        argv, pass_fds=fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for fd in fds:
        os.close(fd)
    ended = {"event": ""}

    def stop(signum, frame):
        ended["event"] = ended["event"] or "stopped"
        process.kill()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts arrive as messages (interrupt_mode "message")
    start = time.monotonic()
    while process.poll() is None:
        try:
            process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        used = limits.cgroup.cpu_seconds() if limits.cgroup else None
        if time.monotonic() - start > budget.wall_seconds:
            ended["event"] = "wall_clock"
        elif used is not None and used > budget.cpu_seconds:
            ended["event"] = "cpu_time"
        if ended["event"] in ("wall_clock", "cpu_time"):
            process.kill()
    if limits.cgroup:
        if limits.cgroup.out_of_memory() and not ended["event"] and process.returncode:
            ended["event"] = "memory"
        limits.cgroup.kill()
        limits.cgroup.remove()
    _report(
        settings,
        {
            "label": settings.get("label", ""),
            "event": ended["event"],
            "status": process.returncode,
            "seconds": round(time.monotonic() - start, 1),
            "enforced": limits.enforced,
            "budget": budget.as_dict(),
        },
    )
    return process.returncode


def run_unisolated(connection_file, extra=()):
    """The explicit opt-in without a sandbox: the kernel still starts in a scratch copy, with resource limits."""
    connection_file = Path(connection_file)
    settings = json.loads((connection_file.parent / SETTINGS).read_text())
    budget = budgets.Budget.from_dict(settings.get("budget", {}))
    limits = budgets.apply(f"k{os.getpid()}", budget, own_uid=False)
    with tempfile.TemporaryDirectory(prefix="unisolated-") as scratch:
        for fd, name in _notebooks(settings.get("notebooks")) + font_list(settings.get("font_list")):
            with os.fdopen(fd, "rb") as source:
                Path(scratch, Path(name).name).write_bytes(source.read())
        env = dict(
            sandbox.KERNEL_ENV,
            HOME=scratch,
            TMPDIR=scratch,
            MPLCONFIGDIR=scratch,
            **{k: os.environ[k] for k in sandbox.PASSED_ENV if k in os.environ},
        )
        status = subprocess.call(
            [sys.executable, "-I", "-c", KERNEL, "-f", str(connection_file), *KERNEL_ARGUMENTS, *extra],
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if limits.cgroup:
            limits.cgroup.kill()
            limits.cgroup.remove()
    _report(
        settings,
        {
            "label": settings.get("label", ""),
            "event": "",
            "status": status,
            "unisolated": True,
            "enforced": limits.enforced,
        },
    )
    return status


def probe(hidden=(), keep=None):
    """``(problem, found)``: run the self-check in the sandbox; ``problem`` is ``""`` when it is sound.

    The probe also builds matplotlib's font list in the sandbox; with ``keep`` (a folder) it is saved there and
    ``found["font_list"]`` is its path, for the kernels of this grading call (:func:`font_list`)."""
    missing = sandbox.missing_tools()
    if missing:
        return missing, {}
    hidden = [str(p) for p in hidden] + ["/etc/shadow", "/root/.bash_history", "/srv", "/var", "/home/student/work/x"]
    with tempfile.TemporaryDirectory(prefix="probe-") as runtime:
        runtime = Path(runtime)
        (runtime / "matplotlib").mkdir()
        pid = os.fork()
        if pid == 0:  # the budgets move the process into a cgroup: do it in a child
            try:
                argv, fds, limits, _ = command(
                    runtime,
                    {"budget": {"wall_seconds": 60}},
                    [sys.executable, "-I", "-c", PROBE, str(runtime / "matplotlib"), *hidden],
                )
                done = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True, timeout=60)
                if limits.cgroup:
                    limits.cgroup.kill()
                    limits.cgroup.remove()
                out = {
                    "stdout": done.stdout,
                    "stderr": done.stderr[-2000:],
                    "status": done.returncode,
                    "enforced": limits.enforced,
                }
            except Exception as error:  # reported to the parent, whatever it is
                out = {"stdout": "", "stderr": f"{type(error).__name__}: {error}", "status": -1, "enforced": {}}
            (runtime / "probe.json").write_text(json.dumps(out))
            os._exit(0)
        os.waitpid(pid, 0)
        out = json.loads((runtime / "probe.json").read_text())
        try:
            found = json.loads(out["stdout"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            return f"bubblewrap failed: {out['stderr'].strip()[-300:] or out['status']}", {"enforced": out["enforced"]}
        built = found.get("font_list")
        found["font_list"] = None
        if keep and isinstance(built, list) and len(built) == 1 and FONT_LIST.fullmatch(built[0]):
            Path(keep).mkdir(parents=True, exist_ok=True)
            found["font_list"] = str(shutil.copyfile(runtime / "matplotlib" / built[0], Path(keep) / built[0]))
    found["enforced"] = out["enforced"]
    problems = []
    if found["uid"] == 0:
        problems.append("the kernel ran as root")
    if int(found["cap_eff"], 16) or int(found["cap_bnd"], 16) and os.geteuid() == 0:
        problems.append(f"the kernel kept capabilities ({found['cap_eff']})")
    if found["visible"]:
        problems.append(f"the kernel could see {found['visible']}")
    if found["imports"] is not True:
        problems.append(f"the kernel cannot import numpy/ipykernel/course_utils ({found['imports']})")
    if found["user_namespace"]:
        problems.append("the kernel could create a user namespace")
    if found["root_writable"]:
        problems.append("the kernel could write outside its budgeted /tmp and working copy (a writable root)")
    return "; ".join(problems), found


def main(argv):
    if argv and argv[0] == "--probe":
        keep, hidden = (argv[2], argv[3:]) if argv[1:2] == ["--keep"] else (None, argv[1:])
        problem, found = probe(hidden, keep)
        print(json.dumps({"ok": not problem, "problem": problem, **found}, indent=1))
        return 1 if problem else 0
    settings = json.loads((Path(argv[0]).parent / SETTINGS).read_text())
    return (run_unisolated if settings.get("unisolated") else run)(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
