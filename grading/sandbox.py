"""Run grading kernels inside a bubblewrap sandbox.

Under autograding, student code runs in the kernel.  When ``bwrap`` (Debian package
``bubblewrap``) works on this machine, each kernel starts inside a sandbox where:

- the course directory and this repository are hidden (solutions in ``notebooks/``, hidden tests,
  ``references/``, ``gradebook.db``, other students' submissions), except, read-only, the
  ``course_utils`` package, ``data/`` and the Python environment;
- the only writable places are the submission's own working copy and a private ``/tmp``;
- there is no network (a new, empty network namespace) and no view of other processes;
- address space and CPU time are limited (``RLIMIT_AS``, ``RLIMIT_CPU``).

The kernel talks to nbgrader over IPC sockets in a runtime folder bound into the sandbox.
Without bwrap, grading still works, unisolated, and :func:`missing` says what is not protected.

``python -m grading.sandbox CONNECTION_FILE`` is the kernel command nbgrader starts (see
:func:`kernel_environment`); it runs in the kernel's working folder and execs bwrap.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from .course import REPO_ROOT

HIDE = "COURSE_SANDBOX_HIDE"
SHOW = "COURSE_SANDBOX_SHOW"
MEMORY = "COURSE_SANDBOX_MEMORY_MB"
CPU = "COURSE_SANDBOX_CPU_SECONDS"
DEFAULT_MEMORY_MB = 3072
DEFAULT_CPU_SECONDS = 900


def available():
    """True when bubblewrap is installed and can create the namespaces it needs here."""
    if not shutil.which("bwrap"):
        return False
    probe = ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--dev", "/dev", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def missing():
    """What is not defended when grading without the sandbox (empty when it is available)."""
    if available():
        return ""
    return ("bubblewrap (bwrap) is not available: student code ran WITHOUT isolation. It could read the "
            "solutions and hidden tests in notebooks/, references/ and other submissions, write to the "
            "gradebook, use the network, and had no memory limit. Install it (Debian: apt install bubblewrap).")


def kernel_environment(course, runtime_dir):
    """Environment and extra nbgrader arguments that make one nbgrader process start sandboxed kernels.

    ``runtime_dir`` must be private to that process: its kernels' connection files and IPC sockets
    live there (nbgrader's kernel manager puts connection files in ``$TMPDIR``), and it is the only
    folder besides the working copy that the sandbox binds.
    """
    runtime_dir = Path(runtime_dir)
    spec = runtime_dir / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "grading.sandbox", "{connection_file}"],
        "display_name": "Python 3 (sandboxed grading)",
        "language": "python",
        # A SIGINT to the process group would kill bwrap itself; ask the kernel to interrupt instead.
        "interrupt_mode": "message",
    }))
    sockets = runtime_dir / "sockets"
    sockets.mkdir(exist_ok=True)
    import course_utils

    package = Path(course_utils.__file__).resolve().parent
    show = [package, package.parent / "data", Path(sys.prefix).resolve()]
    env = {
        "JUPYTER_PATH": str(runtime_dir),
        "TMPDIR": str(sockets),
        HIDE: os.pathsep.join(str(p) for p in {Path(course.root).resolve(), REPO_ROOT}),
        SHOW: os.pathsep.join(str(p) for p in show),
    }
    return env, ["--KernelManager.transport=ipc", f"--KernelManager.ip={sockets / 'kernel'}"]


def bwrap_command(connection_file, workdir, hide, show):
    """The bwrap command line that starts an IPython kernel for ``connection_file`` in ``workdir``."""
    runtime = str(Path(connection_file).resolve().parent)
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for folder in hide:
        command += ["--tmpfs", folder]
    for folder in show:
        if Path(folder).exists():
            command += ["--ro-bind", folder, folder]
    command += ["--bind", str(workdir), str(workdir), "--bind", runtime, runtime, "--chdir", str(workdir),
                "--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                "--unsetenv", "JPY_PARENT_PID",  # its pid means nothing inside the new pid namespace
                "--setenv", "HOME", str(workdir), "--setenv", "MPLCONFIGDIR", "/tmp", "--setenv", "TMPDIR", "/tmp",
                sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]
    return command


def main(connection_file):
    hide = [p for p in os.environ.get(HIDE, "").split(os.pathsep) if p]
    show = [p for p in os.environ.get(SHOW, "").split(os.pathsep) if p]
    memory = int(os.environ.get(MEMORY, DEFAULT_MEMORY_MB)) * 1024 * 1024
    cpu = int(os.environ.get(CPU, DEFAULT_CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    command = bwrap_command(connection_file, Path.cwd(), hide, show)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1])
