"""Set up and start the class's JupyterHub on this machine (`make hub`; run as root).

Idempotent: builds the shared Python environment (the course package installed from this repository,
not editable, with JupyterHub and its proxy), creates the Unix groups and accounts of class.toml,
the exchange folder, the per-role Jupyter configuration and each instructor's copy of the course,
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
from grading.course import Course  # noqa: E402
from grading.pipeline.exchange import settings  # noqa: E402

PACKAGE_SOURCES = ("pyproject.toml", "setup.py", "course_utils", "grading", "data")
PROXY = "configurable-http-proxy@^5"
GROUPS = {"instructors": "nn-instructors", "students": "nn-students"}


def load_class(path):
    """class.toml as a dict; every user name is checked to be a plain Unix account name."""
    config = tomllib.loads(Path(path).read_text())
    names = config["users"]["instructors"] + config["users"]["students"]
    bad = [n for n in names if not n.replace("-", "").replace("_", "").isalnum() or not n[0].isalpha() or len(n) > 32]
    if bad or len(set(names)) != len(names):
        raise SystemExit(
            f"{path}: user names must be unique Unix account names (letters first, then letters, "
            f"digits, - or _); got {bad or names}"
        )
    return config


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
        stamp.write_text(digest)
    proxy = env / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        if not shutil.which("npm"):
            raise SystemExit("JupyterHub's proxy (configurable-http-proxy) needs Node.js and npm: apt install npm")
        print("installing configurable-http-proxy with npm")
        run("npm", "install", "--quiet", "--no-audit", "--no-fund", "--prefix", env / "proxy", PROXY)
    return env


def ensure_users(config):
    for role, group in GROUPS.items():
        if subprocess.run(["getent", "group", group], capture_output=True).returncode != 0:
            run("groupadd", group)
        for name in config["users"][role]:
            try:
                pwd.getpwnam(name)
            except KeyError:
                run("useradd", "--create-home", "--shell", "/bin/bash", name)
            run("usermod", "--append", "--groups", group, name)
            os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # nobody reads another user's files


def ensure_exchange(root):
    """The exchange root: world-writable and sticky; nbgrader makes ``inbound/`` write-only for students."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o1777)
    for parent in root.parents:
        if parent.stat().st_mode & 0o001 == 0:
            raise SystemExit(
                f"the exchange {root} is inside {parent}, which other users cannot enter; "
                "choose another COURSE_EXCHANGE / Exchange.root"
            )


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
    """Each instructor's own copy of the course (a clone of this repository) in their home; an existing
    copy is left alone.  Their servers set ``VENV`` so that `make` there uses the class environment."""
    for name in config["users"]["instructors"]:
        user = pwd.getpwnam(name)
        folder = Path(user.pw_dir) / config["course"]["folder"]
        if not folder.exists():
            run("git", "clone", "--quiet", REPO, folder)
            print(f"cloned the course into {folder}")
        jupyter = Path(user.pw_dir) / ".jupyter"
        jupyter.mkdir(exist_ok=True)
        (jupyter / "nbgrader_config.py").write_text(
            "# Written by deploy/hub.py: Formgrader and nbgrader use the course's own configuration.\n"
            f"load_subconfig({str(folder / 'nbgrader_config.py')!r})  # noqa: F821\n"
        )
        run("chown", "-R", "--no-dereference", f"{user.pw_uid}:{user.pw_gid}", folder, jupyter)


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
    ensure_exchange(course.root)
    write_roles(config["hub"]["state"], course.course_id, course.root)
    ensure_course(config, env)
    (env / ".installed").touch()  # the Makefile's stamp, newer than the clones: `make VENV=<env>` uses the env as is
    hub = config["hub"]
    print(
        f"course {course.course_id}, exchange {course.root}; hub at http://{hub['ip']}:{hub['port']}/ "
        f"(users {', '.join(config['users']['instructors'] + config['users']['students'])}, "
        f"demo password {hub['demo_password']!r})",
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
