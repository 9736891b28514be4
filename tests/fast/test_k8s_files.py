"""deploy/k8s (Zero to JupyterHub) agrees with the repository: no CI here builds the image or runs the chart,
so at least what they name must exist and match the course's own settings."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def nbgrader_setting(name):
    """The default of ``c.<name>`` in the course's nbgrader_config.py (a string literal)."""
    text = (ROOT / "nbgrader_config.py").read_text()
    return re.search(rf'^c\.{re.escape(name)} = .*?"([^"]+)"\s*$', text, re.M).group(1)


def dockerfile():
    return (K8S / "Dockerfile").read_text()


def test_every_file_the_image_copies_exists():
    copies = re.findall(r"^COPY (?:--\S+ )*(.+) (\S+)$", dockerfile(), re.M)
    assert copies
    for sources, _ in copies:
        for source in sources.split():
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"


def test_image_gives_nbgrader_the_course_id_and_exchange_of_the_course():
    text = dockerfile()
    assert f'c.CourseDirectory.course_id = "{nbgrader_setting("CourseDirectory.course_id")}"' in text
    assert f'c.Exchange.root = "{nbgrader_setting("Exchange.root")}"' in text


def test_values_mount_the_exchange_and_give_each_role_its_configuration():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    mounts = {m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    assert nbgrader_setting("Exchange.root") in mounts
    roles = values["hub"]["extraConfig"]["roles"]
    folder = re.search(r'"JUPYTER_CONFIG_PATH"\] = f"(\S+)/\{role\}"', roles).group(1)
    copied = dict(re.findall(r"^COPY deploy/roles/(\w+) (\S+)$", dockerfile(), re.M))
    assert copied == {role: f"{folder}/{role}" for role in ("instructor", "student")}, (
        f"the roles' configuration folders of the image {copied} are not those the hub names ({folder}/<role>)"
    )
    instructors = set(re.search(r"INSTRUCTORS = \{(.*)\}", roles).group(1).replace('"', "").replace(" ", "").split(","))
    assert instructors <= set(values["hub"]["config"]["Authenticator"]["allowed_users"])
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] != "dummy"
