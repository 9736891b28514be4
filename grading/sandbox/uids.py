"""A uid of its own for each grading kernel, taken from a range for the kernel's lifetime.

Per-uid limits (``RLIMIT_NPROC`` above all, which Linux counts over every task of the real uid on the
whole machine) only mean "this kernel" when no other kernel has the same uid.  A launcher running as
root takes the first uid of ``[first, first + count)`` that no other launcher holds and that owns no
process, by holding an exclusive ``flock`` on ``<uid>`` in a lock folder shared by every course and
process on the machine.  The kernel closes nothing of it: the lock lives in the launcher, and the
kernel never outlives the launcher (``--die-with-parent``, the cgroup is killed), so the kernel
releases it by ending, whatever kills it.

The lock folder belongs to root and only root may enter it (``/run/nn-from-scratch/uids``, or
``/tmp/nn-from-scratch-uids`` where ``/run`` is not writable); one that does not is refused, so no
other user can hold or forge the locks.
"""

import errno
import fcntl
import os
import stat
import time
from pathlib import Path

FOLDERS = (Path("/run/nn-from-scratch/uids"), Path("/tmp/nn-from-scratch-uids"))
WAIT_SECONDS = 120  # every uid busy: wait this long for one to free up


class NoFreeUid(RuntimeError):
    """Every uid of the range is held or has processes; the message says how to widen the range."""


def _open_folder(path):
    """A descriptor of ``path``, made 0700 by root when missing; refused unless root owns it and it is 0700."""
    for parent in reversed([path, *path.parents][:-1]):
        try:
            os.mkdir(parent, 0o700 if parent == path else 0o755)
        except FileExistsError:
            pass
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    info = os.fstat(fd)
    if info.st_uid != 0 or stat.S_IMODE(info.st_mode) & 0o077:
        os.close(fd)
        raise PermissionError(
            f"{path} must belong to root with mode 0700 (it is uid {info.st_uid}, "
            f"mode {stat.S_IMODE(info.st_mode):o}): remove it and grade again"
        )
    return fd


def lock_folder():
    """The descriptor of the first usable lock folder."""
    problems = []
    for path in FOLDERS:
        try:
            return _open_folder(path)
        except OSError as error:
            problems.append(f"{path}: {error}")
    raise NoFreeUid("no lock folder for the sandbox uids: " + "; ".join(problems))


def uids_with_processes():
    """The uids that own a process on the machine now (``/proc/<pid>`` belongs to the process's uid)."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                found.add(os.stat(f"/proc/{name}").st_uid)
            except OSError:
                pass
    return found


def _try(folder, uid):
    """The locked descriptor of ``uid`` in ``folder``, or ``None`` when another launcher holds it."""
    fd = os.open(str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
            return None
        raise
    return fd


def take(first, count, wait=WAIT_SECONDS):
    """``(uid, fd)``: a free uid of ``[first, first + count)``, held until ``fd`` is closed or this process ends."""
    folder = lock_folder()
    deadline = time.monotonic() + wait
    try:
        while True:
            busy = uids_with_processes()
            for uid in range(first, first + count):
                if uid in busy:
                    continue
                fd = _try(folder, uid)
                if fd is not None:
                    if uid not in uids_with_processes():  # a kernel of a launcher that just let go may linger
                        return uid, fd
                    os.close(fd)
            if time.monotonic() > deadline:
                raise NoFreeUid(
                    f"all {count} sandbox uids from {first} are in use (more kernels at once than uids): "
                    "raise c.SandboxedKernelManager.uid_count, or grade with fewer JOBS"
                )
            time.sleep(0.2)
    finally:
        os.close(folder)
