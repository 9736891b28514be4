"""JupyterHub for the class: local Unix accounts, one local process per user, nbgrader per role.

Started by `make hub` (deploy/hub.py), which sets NN_HUB_CLASS (the class file) and COURSE_EXCHANGE.
DEMO SETTING: the DummyAuthenticator lets the listed users in with one shared password, over plain
HTTP on localhost. For a real class see README.md, "Production settings".
"""

import os
from pathlib import Path

import tomllib

c = get_config()  # noqa: F821 (injected by JupyterHub)

CLASS = tomllib.loads(Path(os.environ.get("NN_HUB_CLASS", Path(__file__).with_name("class.toml"))).read_text())
HUB, USERS = CLASS["hub"], CLASS["users"]
ENV, STATE = Path(HUB["env"]), Path(HUB["state"])
INSTRUCTORS, STUDENTS = list(USERS["instructors"]), list(USERS["students"])

c.JupyterHub.ip = HUB["ip"]
c.JupyterHub.port = int(HUB["port"])
c.JupyterHub.hub_port = int(HUB["port"]) + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(HUB['port']) + 2}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "hub" / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [str(ENV / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "hub" / "proxy.pid")

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = HUB["demo_password"]
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.JupyterHub.load_groups = {"instructors": {"users": INSTRUCTORS}, "students": {"users": STUDENTS}}

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "COURSE_EXCHANGE": os.environ.get("COURSE_EXCHANGE", ""),
}


def role_config(spawner):
    """Instructors get Formgrader (which Lab may show in a tab) and Create Assignment; students only the
    Assignments panel and Validate: each role's servers read their Jupyter configuration from
    <state>/roles/<role> (deploy/roles/<role>)."""
    role = "instructor" if spawner.user.name in INSTRUCTORS else "student"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(STATE / "roles" / role)
    if role == "instructor":  # `make` in the course folder runs the class environment, not a .venv of its own
        spawner.environment["VENV"] = str(ENV)


c.Spawner.pre_spawn_hook = role_config
