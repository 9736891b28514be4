"""JupyterHub for the class: local Unix accounts, one local process per user, nbgrader per role.

Started by `make hub` (deploy/hub.py), which sets NN_HUB_CLASS (the class file) and COURSE_EXCHANGE.
Login (``[hub] auth`` of the class file): ``pam`` (the default) checks each user's own Unix password (the
accounts `make hub` and `make roster` create, with initial passwords in a root-only file); ``demo`` lets the
listed users in with one shared password (DummyAuthenticator), for a demonstration on localhost only;
``lti`` takes the user from a signed LTI 1.3 launch of the LMS (the class file's ``[lti]`` table).
The class is the class file's users plus the roster `make roster` imported (<state>/roster.csv); under PAM a
student the roster adds later may log in at once (the group ``nn-students``), without restarting the hub.
Over plain HTTP on localhost: for a real class see docs/hub.md, "Production settings".
"""

import csv
import os
from pathlib import Path

import tomllib

c = get_config()  # noqa: F821 (injected by JupyterHub)

CLASS = tomllib.loads(Path(os.environ.get("NN_HUB_CLASS", Path(__file__).with_name("class.toml"))).read_text())
HUB, USERS = CLASS["hub"], CLASS["users"]
ENV, STATE = Path(HUB["env"]), Path(HUB["state"])
INSTRUCTORS, STUDENTS = list(USERS["instructors"]), list(USERS["students"])
if (STATE / "roster.csv").is_file():
    with open(STATE / "roster.csv", newline="", encoding="utf-8") as handle:
        STUDENTS += [row["id"] for row in csv.DictReader(handle) if row["id"] not in STUDENTS + INSTRUCTORS]

c.JupyterHub.ip = HUB["ip"]
c.JupyterHub.port = int(HUB["port"])
c.JupyterHub.hub_port = int(HUB["port"]) + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(HUB['port']) + 2}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "hub" / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [str(ENV / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "hub" / "proxy.pid")

if HUB.get("auth", "pam") == "demo":
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = HUB["demo_password"]
elif HUB["auth"] == "lti":  # launched from the LMS (jupyterhub-ltiauthenticator); docs/hub.md says what to set
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    LTI = CLASS["lti"]
    c.LTI13Authenticator.issuer = LTI["issuer"]
    c.LTI13Authenticator.client_id = set(LTI["client_id"])
    c.LTI13Authenticator.authorize_url = LTI["authorize_url"]
    c.LTI13Authenticator.jwks_endpoint = LTI["jwks_endpoint"]
    c.LTI13Authenticator.username_key = LTI.get("username_key", "custom_uname")
else:
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {"nn-instructors", "nn-students"}  # checked at each login
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
        # files an instructor writes in the shared course folder stay writable by the other instructors
        spawner.cmd = ["/bin/sh", "-c", 'umask 002 && exec "$@"', "sh", str(ENV / "bin" / "jupyterhub-singleuser")]


c.Spawner.pre_spawn_hook = role_config
