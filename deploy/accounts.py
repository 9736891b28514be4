"""Unix accounts of the class on the one-machine hub, and the initial passwords the hub's PAM login checks.

An account this module creates gets a random password (``chpasswd``), written with the user's name to
``<state>/initial_passwords.csv`` (owner root, mode 0600) for the lecturer to hand out; an existing
account keeps its password.  A user changes it in a hub terminal with ``passwd``.
"""

import csv
import os
import pwd
import re
import secrets
import subprocess
from pathlib import Path

GROUPS = {"instructors": "nn-instructors", "students": "nn-students"}
NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
FIRST_USER_UID = 1000  # below: system accounts (root, daemon, www-data...), never made class members
PASSWORD_FILE = "initial_passwords.csv"


def name_problem(name):
    """Why ``name`` cannot be a class account (``""`` if it can)."""
    if not NAME.fullmatch(name):
        return (
            f"{name!r} is not a Unix account name: use lower-case letters first, then lower-case letters, "
            "digits, - or _ (at most 32)"
        )
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return ""
    if uid < FIRST_USER_UID:
        return f"{name!r} is a system account of this machine (uid {uid}): give the student another id"
    return ""


def ensure_group(group):
    if subprocess.run(["getent", "group", group], capture_output=True).returncode != 0:
        subprocess.run(["groupadd", group], check=True)


def record_password(state, name, password):
    """Append ``name,password`` to the root-only password file (created 0600 before anything is written)."""
    path = Path(state) / PASSWORD_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "a", newline="") as handle:
        if handle.tell() == 0:
            handle.write("user,initial_password\n")
        csv.writer(handle).writerow([name, password])
    return path


def ensure_account(name, role, state, set_password=True):
    """The account ``name`` exists, is in the group of ``role`` and has a private home.

    Returns the initial password when the account was created now with one (``set_password``), else None.
    """
    ensure_group(GROUPS[role])
    password = None
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        if set_password:
            password = secrets.token_urlsafe(9)
            subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
            record_password(state, name, password)
    subprocess.run(["usermod", "--append", "--groups", GROUPS[role], name], check=True)
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # nobody reads another user's files
    return password
