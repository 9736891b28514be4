"""Set up and start the class's JupyterHub on this machine (`make hub`; run as root).

Idempotent: builds the shared Python environment (the course package installed from this repository,
not editable, with JupyterHub and its proxy), creates the Unix groups and accounts of class.toml and of the
roster `make roster` imported (with initial passwords for the hub's PAM login), the exchange folder, the
per-role Jupyter configuration and the one course folder all instructors share (nbgrader's ``groupshared``),
then runs `jupyterhub -f deploy/jupyterhub_config.py`.  ``--setup-only`` stops before the hub starts.
"""

import argparse
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib
from accounts import GROUPS, PASSWORD_FILE, ensure_account, name_problem  # noqa: E402 (deploy/ is the script's folder)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
from grading.course import Course  # noqa: E402
from grading.pipeline.exchange import settings  # noqa: E402

PACKAGE_SOURCES = ("pyproject.toml", "setup.py", "course_utils", "grading", "data")
PROXY = "configurable-http-proxy@^5"
AUTH = ("pam", "demo", "lti")
LTI_KEYS = ["issuer", "client_id", "authorize_url", "jwks_endpoint"]
SHARED_COURSE = "/srv/nn-from-scratch-course"
TEXT = {"capture_output": True, "text": True}


def load_class(path):
    """class.toml as a dict; every user name is checked to be a plain Unix account name."""
    config = tomllib.loads(Path(path).read_text())
    names = config["users"]["instructors"] + config["users"]["students"]
    bad = [problem for n in names if (problem := name_problem(n))]
    if bad or len(set(names)) != len(names):
        raise SystemExit(f"{path}: user names must be unique Unix account names; {'; '.join(bad) or names}")
    config["hub"].setdefault("auth", "pam")
    if config["hub"]["auth"] not in AUTH:
        raise SystemExit(f"{path}: [hub] auth = {config['hub']['auth']!r}: choose one of {', '.join(AUTH)}")
    needed = {"demo": ("hub", ["demo_password"]), "lti": ("lti", LTI_KEYS)}.get(config["hub"]["auth"])
    if needed and (missing := [k for k in needed[1] if k not in config.get(needed[0], {})]):
        raise SystemExit(
            f"{path}: auth = {config['hub']['auth']!r} needs {', '.join(missing)} in [{needed[0]}] (docs/hub.md)"
        )
    return config


def shared_course(config):
    """The course folder all instructors share (``[course] shared``)."""
    return Path(config["course"].get("shared", SHARED_COURSE))


def run(*command, **kwargs):
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def sources_digest():
    digest = hashlib.sha256()
    for name in PACKAGE_SOURCES:
        path = REPO / name
        for file in sorted(path.rglob("*") if path.is_dir() else [path]):
            if file.is_file() and "__pycache__" not in file.parts and "catvnoncat" not in file.name:
                digest.update(str(file.relative_to(REPO)).encode() + file.read_bytes())
    return digest.hexdigest()


def readable_by_all(path):
    """True when every user can run ``path``: it and each folder above it are open to others."""
    path = Path(path).resolve()
    return path.stat().st_mode & 0o005 == 0o005 and all(p.stat().st_mode & 0o001 for p in path.parents)


def build_env(env, python):
    """The environment every server runs in: ``pip install '<repo>[hub]'`` (a wheel, data included),
    on an interpreter every user can run (not one under root's home)."""
    env = Path(env)
    stamp = env / ".course-sources"
    if not readable_by_all(python):
        raise SystemExit(
            f"{python} (resolved {Path(python).resolve()}) cannot be run by the students' accounts; set "
            "[hub] python in the class file to a system interpreter, e.g. /usr/bin/python3 "
            "(Debian: apt install python3-venv)"
        )
    if not (env / "bin" / "python").exists():
        print(f"creating the class environment {env} from {python} (a few minutes the first time)")
        run(python, "-m", "venv", env)
        run(env / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    digest = sources_digest()
    if not stamp.is_file() or stamp.read_text() != digest:
        print(f"installing the course package from {REPO} into {env}")
        run(env / "bin" / "python", "-m", "pip", "install", "--quiet", f"{REPO}[hub]")
        run(env / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(REPO))
        run(env / "bin" / "python", "-m", "pip", "uninstall", "--quiet", "--yes", "rfc3987-syntax")  # see Makefile
        stamp.write_text(digest)
    proxy = env / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        if not shutil.which("npm"):
            raise SystemExit("JupyterHub's proxy (configurable-http-proxy) needs Node.js and npm: apt install npm")
        print("installing configurable-http-proxy with npm")
        run("npm", "install", "--quiet", "--no-audit", "--no-fund", "--prefix", env / "proxy", PROXY)
    return env


def ensure_users(config):
    """The accounts of class.toml and of the roster; those created now get a password under PAM login."""
    from roster import read_roster

    state = Path(config["hub"]["state"])
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    created = []
    students = config["users"]["students"] + sorted(read_roster(state))
    for role, names in (("instructors", config["users"]["instructors"]), ("students", students)):
        for name in names:
            if ensure_account(name, role, state, set_password=config["hub"]["auth"] == "pam"):
                created.append(name)
    if created:
        print(f"accounts created: {', '.join(created)}; initial passwords in {state / PASSWORD_FILE} (root only)")


def ensure_exchange(root, course_id):
    """The exchange root: world-writable and sticky; nbgrader makes ``inbound/`` write-only for students.

    The course's folders in it belong to the instructors' group, with the modes nbgrader's ``groupshared``
    gives them, so that every instructor releases, collects and returns feedback in them."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o1777)
    for parent in root.parents:
        if parent.stat().st_mode & 0o001 == 0:
            raise SystemExit(
                f"the exchange {root} is inside {parent}, which other users cannot enter; "
                "choose another COURSE_EXCHANGE / Exchange.root"
            )
    # inbound: sticky too, so that no student renames or deletes another's submission (as make publish does)
    modes = {"": 0o2775, "outbound": 0o2775, "inbound": 0o3773, "feedback": 0o2771}
    for name, mode in modes.items():
        folder = root / course_id / name
        folder.mkdir(exist_ok=True)
        shutil.chown(folder, group=GROUPS["instructors"])
        os.chmod(folder, mode)


def write_roles(state, course_id, root):
    """``<state>/roles/<role>``: the Jupyter config folder each role's servers get (JUPYTER_CONFIG_PATH)."""
    roles = Path(state) / "roles"
    if roles.exists():
        shutil.rmtree(roles)
    shutil.copytree(HERE / "roles", roles)
    student = (
        f"# Written by deploy/hub.py from nbgrader_config.py: what a student's nbgrader needs to know.\n"
        f"c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = {course_id!r}\n"
        f"c.Exchange.root = {str(root)!r}\n"
    )
    (roles / "student" / "nbgrader_config.py").write_text(student)
    for folder in [roles, *roles.rglob("*")]:
        os.chmod(folder, 0o755 if folder.is_dir() else 0o644)
    (Path(state) / "hub").mkdir(parents=True, exist_ok=True)
    os.chmod(Path(state) / "hub", 0o700)
    os.chmod(state, 0o755)


def ensure_course(config, env):
    """One course folder (a clone of this repository, with its gradebook) that every instructor reads and
    writes through the group ``nn-instructors`` (setgid folders, group-writable files; students cannot enter),
    linked as ``~/<folder>`` in each instructor's home; an existing folder is kept.  nbgrader runs with
    ``groupshared`` there (it keeps its own files group-writable) and the instructors' servers with umask 002
    (deploy/jupyterhub_config.py), so each instructor's manual grades land in the one gradebook.  Their
    servers set ``VENV`` so that `make` there uses the class environment."""
    from roster import add_to_gradebook

    group = GROUPS["instructors"]
    course = shared_course(config)
    if not course.exists():
        course.parent.mkdir(parents=True, exist_ok=True)
        run("git", "clone", "--quiet", REPO, course)
        print(f"cloned the course into {course}")
    add_to_gradebook(f"sqlite:///{course / 'gradebook.db'}", [])  # created here, so that its mode is the group's
    run("chgrp", "-R", group, course)
    run("chmod", "-R", "g+rwX,o-rwx", course)
    run("find", course, "-type", "d", "-exec", "chmod", "g+s", "{}", "+")
    for name in config["users"]["instructors"]:
        user = pwd.getpwnam(name)
        link = Path(user.pw_dir) / config["course"]["folder"]
        if not link.exists() and not link.is_symlink():
            link.symlink_to(course)
        elif not link.is_symlink() or link.resolve() != course.resolve():
            raise SystemExit(
                f"{link} is not the shared course {course} (a private copy from an earlier make hub?): the "
                f"instructors would grade apart. Move what it holds that you need into {course}, then remove "
                f"or rename {link} and run make hub again"
            )
        jupyter = Path(user.pw_dir) / ".jupyter"
        jupyter.mkdir(exist_ok=True)
        (jupyter / "nbgrader_config.py").write_text(
            "# Written by deploy/hub.py: Formgrader and nbgrader use the course's own configuration, in the folder\n"
            "# all instructors share (the link in this home, so that Formgrader finds it under its root).\n"
            f"load_subconfig({str(course / 'nbgrader_config.py')!r})  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(link)!r}  # noqa: F821\n"
            "c.CourseDirectory.groupshared = True  # noqa: F821\n"
        )
        gitconfig = Path(user.pw_dir) / ".gitconfig"  # git refuses a repository another user owns, unless trusted
        trusted = subprocess.run(["git", "config", "--file", gitconfig, "--get-all", "safe.directory"], **TEXT)
        if str(course) not in trusted.stdout.split():
            run("git", "config", "--file", gitconfig, "--add", "safe.directory", course)
        run("chown", "--no-dereference", f"{user.pw_uid}:{user.pw_gid}", jupyter, link, gitconfig)
        run("chown", "-R", f"{user.pw_uid}:{user.pw_gid}", jupyter)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--class", dest="class_file", type=Path, default=HERE / "class.toml", help="the class (default %(default)s)"
    )
    parser.add_argument("--setup-only", action="store_true", help="set everything up but do not start the hub")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("make hub creates Unix accounts and starts servers as them: run it as root (sudo make hub)")
    config = load_class(args.class_file)
    course = settings(Course(REPO))
    env = build_env(config["hub"]["env"], config["hub"].get("python", "/usr/bin/python3"))
    ensure_users(config)
    ensure_exchange(course.root, course.course_id)
    write_roles(config["hub"]["state"], course.course_id, course.root)
    ensure_course(config, env)
    (env / ".installed").touch()  # the Makefile's stamp, newer than the clones: `make VENV=<env>` uses the env as is
    hub = config["hub"]
    login = {
        "demo": f"DEMO MODE: everyone logs in with the password {hub.get('demo_password')!r}",
        "lti": "students and instructors launch the hub from the LMS (LTI 1.3)",
        "pam": f"login with each account's own password (initial ones: {Path(hub['state']) / PASSWORD_FILE})",
    }[hub["auth"]]
    print(
        f"course {course.course_id}, exchange {course.root}, course folder {shared_course(config)}; "
        f"hub at http://{hub['ip']}:{hub['port']}/; {login}",
        flush=True,
    )
    if args.setup_only:
        return 0
    environment = dict(
        os.environ,
        NN_HUB_CLASS=str(args.class_file.resolve()),
        COURSE_EXCHANGE=str(course.root),
        NN_HUB_COURSE_ID=course.course_id,
    )
    os.chdir(Path(hub["state"]) / "hub")
    os.execve(str(env / "bin" / "jupyterhub"), ["jupyterhub", "-f", str(HERE / "jupyterhub_config.py")], environment)


if __name__ == "__main__":
    sys.exit(main())
