"""environment.yml (conda) and pyproject.toml (pip) must install the same packages with the same ranges."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def normalise(requirement):
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = dict(normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    dependencies = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    conda_lines = re.findall(r"^  - (?!pip$|python)([^\s:]+)$", dependencies, re.M)
    conda = dict(normalise(line) for line in conda_lines)
    assert conda == pip
    assert "- -e ." in (ROOT / "environment.yml").read_text(), "environment.yml must install course_utils itself"


def test_python_version_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"python{project['requires-python']}" in (ROOT / "environment.yml").read_text()
