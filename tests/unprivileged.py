"""Run a command as an ordinary user from a test session that runs as root.

A lecturer's server grades as an ordinary user: no capabilities, no writable cgroup, bubblewrap in a
user namespace.  From root, :func:`run` makes exactly that user: ``setpriv`` becomes uid and gid
``NOBODY`` with no supplementary groups, no capabilities, an empty bounding set and no new privileges.

The one help it gets: this interpreter, its environment and the repository may lie in a folder only
root can enter (pyenv's ``/root/.pyenv``, a clone in ``mktemp -d``).  Then a private mount namespace
(bubblewrap, run as root, the rest of the file system shared as it is) lays an empty tmpfs over that
folder and binds just those paths back read-only, so that the user can run them.  Nothing else changes.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

NOBODY = 65534


def enterable(folder, uid, gid):
    """Whether ``uid`` (primary group ``gid``, no others) may enter ``folder``."""
    info = os.stat(folder)
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == gid:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def mount_arguments(paths, uid=NOBODY, gid=NOBODY):
    """bubblewrap options that make each of ``paths`` reachable for ``uid``, or ``[]`` when all already are.

    A folder ``uid`` cannot enter, on the way to a path or the path itself (a clone in ``mktemp -d``),
    is covered by an empty tmpfs into which the path, or each entry of that folder, is bound back.
    """
    hidden, shown = [], []
    for path in (Path(p).resolve() for p in paths):
        chain = [*reversed(path.parents), path] if path.is_dir() else list(reversed(path.parents))
        folder = next((f for f in chain if not enterable(f, uid, gid)), None)
        if folder is None:
            continue
        if folder not in hidden:
            hidden.append(folder)
        shown += [(folder, entry) for entry in sorted(folder.iterdir())] if folder == path else [(folder, path)]
    if not hidden:
        return []
    args = ["bwrap", "--dev-bind", "/", "/", "--die-with-parent"]
    for folder in hidden:
        args += ["--tmpfs", str(folder)]
    made = set()
    for folder, path in dict.fromkeys(shown):
        for parent in reversed(path.parents):  # bubblewrap would make them 0700: the user could not enter
            if parent.is_relative_to(folder) and parent != folder and parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += (
            ["--symlink", os.readlink(path), str(path)] if path.is_symlink() else ["--ro-bind", str(path), str(path)]
        )
    return args + ["--"]


def command(argv, reach, uid=NOBODY):
    """The command line that runs ``argv`` as ``uid`` with the paths ``reach`` readable."""
    drop = [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
    return mount_arguments(reach, uid, uid) + drop + [str(a) for a in argv]


def python_paths():
    """What running this environment's Python needs: the interpreter, the environment, the repository."""
    repo = Path(__file__).resolve().parent.parent
    return [Path(sys.base_prefix), Path(sys.prefix), repo]


def chown_tree(root, uid=NOBODY):
    """Give ``root`` and everything in it to ``uid`` (links themselves, never what they point to)."""
    os.chown(root, uid, uid, follow_symlinks=False)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def run(argv, home, extra_paths=(), timeout=None, uid=NOBODY):
    """Run ``argv`` as ``uid`` with HOME ``home`` and a small clean environment; the completed process."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "USER": "nobody",
        "LOGNAME": "nobody",
    }
    return subprocess.run(
        command(argv, [*python_paths(), *extra_paths], uid),
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
