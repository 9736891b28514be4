"""The bubblewrap sandbox a grading kernel runs in: an allow-list file system, no privileges, no network.

What the kernel sees (everything else on the machine does not exist for it):

- read-only: ``/usr`` (with the ``/bin``, ``/lib``... links), a few files of ``/etc`` (the loader
  cache, users and groups, fonts), the interpreter (``sys.base_prefix``), the environment
  (``sys.prefix``), the ``course_utils`` package and the data folders it reads;
- read-write: the kernel's socket folder (its connection file and IPC sockets), a size-limited
  ``/tmp`` and a size-limited HOME holding the working copy (``/home/student/work``), where the
  launcher copies the submission's notebooks.  Nothing written there leaves the sandbox.  The root
  itself is read-only, so nothing can be written anywhere else;
- a cleared environment, no network, its own pid, IPC and UTS namespaces, a new terminal session.

Identity: when grading runs as root, the launcher takes an unprivileged uid no other kernel has
(:mod:`grading.sandbox.uids`) and becomes it (``setpriv --reuid/--regid --clear-groups``, every capability
and the bounding set dropped, no new privileges), so per-uid limits count this kernel only;
bubblewrap then runs unprivileged in a user namespace of its own, where it cannot create further
user namespaces (``--disable-userns``).  Run by an ordinary user, the kernel keeps that user's uid
(bubblewrap's user namespace maps it to itself) with the same file system, namespaces and budgets,
but per-uid limits are shared with every process of that user, so none is set.

The notebooks are copied in from file descriptors the launcher opened without following links.
"""

import os
import shutil
import sys
from pathlib import Path

import course_utils
from course_utils.paths import DATA_DIR, cat_data_dir

SANDBOX_UID = 61184  # first uid (and gid) of the kernels when grading runs as root (no entry in /etc/passwd needed)
SANDBOX_UIDS = 256  # kernels alive at once on the machine, each with a uid of its own (grading.sandbox.uids)
HOME = "/home/student"
WORK = HOME + "/work"
SYSTEM = [
    "/usr",
    "/etc/ld.so.cache",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/fonts",
    "/etc/mime.types",
]
LINKS = ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"]
KERNEL_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": HOME,
    "TMPDIR": "/tmp",
    "MPLBACKEND": "agg",
    "MPLCONFIGDIR": "/tmp",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
}
PASSED_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING")  # set by the grader for the kernel


class SandboxUnavailable(RuntimeError):
    """No working sandbox on this machine; the message says how to get one."""


def read_only_sources():
    """Host paths the kernel may read, each bound at the same path: the allow-list."""
    package = Path(course_utils.__file__).resolve().parent
    found = [Path(p) for p in SYSTEM if Path(p).exists()]
    found += [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package, Path(DATA_DIR).resolve()]
    cats = cat_data_dir()
    if cats is not None:
        found.append(Path(cats).resolve())
    unique = []
    for path in found:  # a folder inside another one already bound adds nothing
        if not any(path != other and path.is_relative_to(other) for other in found) and path not in unique:
            unique.append(path)
    return unique


def _with_parents(path, made):
    """``--dir`` options creating the missing parents of ``path``, traversable by the kernel's uid
    (bwrap makes them 0700)."""
    args = []
    for parent in reversed(Path(path).parents):
        if str(parent) != "/" and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_arguments(read_only, runtime, notebooks, budget, uid=None, overlays=()):
    """The command line (without the kernel's own) that starts the sandbox.

    ``read_only`` are host paths bound read-only at the same place, ``runtime`` the kernel's socket
    folder (bound read-write), ``notebooks`` ``[(fd, name)]`` readable descriptors of the notebooks
    copied into the working copy, ``budget`` a :class:`grading.sandbox.budgets.Budget`, ``overlays`` ``[(fd, path)]``
    readable descriptors whose content is bound read-only over ``path`` (a file of the read-only sources).
    With ``uid`` (the
    launcher is root), bubblewrap builds the file system as root, keeps only the capabilities
    ``setpriv`` needs to become ``uid``, and a second, unprivileged bubblewrap puts that uid in a user
    namespace that can create no other; otherwise one unprivileged bubblewrap does everything.
    """
    isolate = ["--unshare-user", "--disable-userns"]
    args = [
        "bwrap",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ]
    args += (
        ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        if uid is not None
        else isolate
    )
    made = set()
    for link in LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
    args += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(budget.tmp_mb * 2**20),
        "--tmpfs",
        "/tmp",
        "--chmod",
        "1777",
        "/tmp",
    ]
    args += _with_parents(HOME, made) + [
        "--size",
        str(budget.work_mb * 2**20),
        "--tmpfs",
        HOME,
        "--chmod",
        "0777",
        HOME,
        "--perms",
        "0777",
        "--dir",
        WORK,
    ]
    # A course or environment under the host's /tmp (a clone made with mktemp -d) is bound after the
    # kernel's own /tmp is mounted, inside a tmpfs of its own that is made read-only with the root.
    under_tmp = sorted(
        {
            Path("/tmp", p.relative_to("/tmp").parts[0])
            for p in map(Path, read_only)
            if p.is_relative_to("/tmp") and p != Path("/tmp")
        }
    )
    for folder in under_tmp:
        made.add(folder)
        args += ["--tmpfs", str(folder)]
    for path in read_only:
        args += _with_parents(path, made) + ["--ro-bind", str(path), str(path)]
    for fd, path in overlays:
        args += ["--perms", "0644", "--ro-bind-data", str(fd), str(path)]
    for fd, name in notebooks:
        args += ["--perms", "0644", "--file", str(fd), f"{WORK}/{name}"]
    args += _with_parents(runtime, made) + ["--bind", str(runtime), str(runtime), "--chdir", WORK]
    for folder in ["/", *map(str, under_tmp)]:  # tmpfs of no set size, writable by an unprivileged kernel
        args += ["--remount-ro", folder]
    env = dict(KERNEL_ENV, **{k: os.environ[k] for k in PASSED_ENV if k in os.environ})
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    if uid is not None:
        args += drop_identity(uid) + [
            "bwrap",
            *isolate,
            "--bind",
            "/",
            "/",
            "--ro-bind",
            "/proc",
            "/proc",
            "--dev-bind",
            "/dev",
            "/dev",
            "--chdir",
            WORK,
            "--die-with-parent",
        ]
    return args


def drop_identity(uid):
    """The ``setpriv`` prefix that makes root the unprivileged ``uid`` with no capabilities."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def missing_tools():
    """Why the sandbox cannot even be tried here, or ``""``."""
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv is not installed (Debian/Ubuntu: apt install util-linux), so the kernel would run as root"
    return ""


def how_to_fix(reason):
    return (
        f"no working grading sandbox: {reason}. Student code would run unisolated (it could read the "
        "solutions, other submissions and the gradebook). Fix: install bubblewrap (apt install bubblewrap) and "
        "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
        "user.max_user_namespaces > 0), then check with `python -m grading.sandbox.launcher --probe`. To grade WITHOUT "
        "isolation anyway (trusted submissions only), set c.SandboxedKernelManager.allow_unisolated = True "
        "in nbgrader_config.py or pass --unisolated to `python -m grading autograde`."
    )
