"""LTI 1.3: the hub (deploy/, ``auth = "lti"``) logs in a student launched by a simulated LMS platform.

The test is the platform: it makes an RSA key, serves its public half as a JSON Web Key Set, starts the
OpenID Connect login at the hub, signs the launch (the id_token) and posts it back, as Canvas or Moodle
would.  The hub must log in the student of the class named in the launch, and refuse a launch signed by
another key and one for a user outside the class.  Runs as root (`make hub` creates the account).
"""

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import free_port, running_hub, write_class_file

jwt = pytest.importorskip("jwt")
requests = pytest.importorskip("requests")
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

STUDENT, CLIENT_ID, KID = "nntest-lti", "10000000000042", "platform-key-1"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates Unix accounts: run as root")


class Platform:
    """The LMS's side: a signing key and its JWKS endpoint."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [jwk | {"kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

        class Keys(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", free_port()), Keys)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def id_token(self, nonce, user, target, key=None):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "lms-user-4711",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": "1",
            CLAIM + "target_link_uri": target,
            CLAIM + "resource_link": {"id": "week2-link"},
            CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            CLAIM + "custom": {"uname": user},
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KID})


@pytest.fixture(scope="module")
def lti_hub():
    platform = Platform()
    base = Path(tempfile.mkdtemp(prefix="nn-lti-test-"))
    os.chmod(base, 0o755)
    port = free_port()
    class_file = write_class_file(
        base,
        port,
        "lti",
        students=[STUDENT],
        extra=f'[lti]\nissuer = "{platform.issuer}"\nclient_id = ["{CLIENT_ID}"]\n'
        f'authorize_url = "{platform.issuer}/authorize"\njwks_endpoint = "{platform.issuer}/jwks"\n'
        'username_key = "custom_uname"\n',
    )
    env = dict(os.environ, COURSE_EXCHANGE=str(base / "exchange"))
    log = base / "hub.log"
    try:
        with running_hub(class_file, port, env, log):
            yield f"http://127.0.0.1:{port}", platform, log
    finally:
        platform.server.shutdown()
        shutil.rmtree(base, ignore_errors=True)
        subprocess.run(["userdel", "--remove", STUDENT], capture_output=True)


def launch(url, platform, user, key=None):
    """The platform's launch of ``user``: login initiation, then the signed id_token; the last response."""
    session = requests.Session()
    target = f"{url}/hub/"
    start = session.post(
        f"{url}/hub/lti13/oauth_login",
        data={"iss": platform.issuer, "login_hint": "4711", "target_link_uri": target, "client_id": CLIENT_ID},
        allow_redirects=False,
    )
    assert start.status_code == 302, start.text[:500]
    asked = urlparse(start.headers["Location"])
    assert asked.path == "/authorize", start.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(asked.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "id_token"
    token = platform.id_token(query["nonce"], user, target, key)
    answer = session.post(
        query["redirect_uri"], data={"id_token": token, "state": query["state"]}, allow_redirects=False
    )
    return session, answer


def test_a_signed_launch_logs_the_student_in(lti_hub):
    url, platform, log = lti_hub
    session, answer = launch(url, platform, STUDENT)
    assert answer.status_code == 302, f"{answer.status_code} {answer.text[:500]}; see {log}"
    home = session.get(f"{url}/hub/home", allow_redirects=False)
    assert home.status_code == 200 and STUDENT in home.text, home.text[:500]


def test_a_launch_signed_by_another_key_or_for_a_stranger_is_refused(lti_hub):
    url, platform, _ = lti_hub
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    session, answer = launch(url, platform, STUDENT, key=forger)
    assert answer.status_code in (400, 401, 403), answer.status_code
    assert session.get(f"{url}/hub/home", allow_redirects=False).status_code == 302, "logged in with a forged launch"
    session, answer = launch(url, platform, "mallory")
    assert answer.status_code == 403, answer.status_code
