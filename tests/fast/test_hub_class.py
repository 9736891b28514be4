"""The hub's class file (deploy/hub.py `load_class`): login modes and account names are checked before anything
is set up."""

import re
import sys

import pytest

from grading.course import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "deploy"))
from hub import load_class  # noqa: E402

BASE = '[users]\ninstructors = ["teacher"]\nstudents = [{}]\n[hub]\n{}\n[course]\nfolder = "nn"\n'


def class_file(tmp_path, hub="", students='"ada"', extra=""):
    path = tmp_path / "class.toml"
    path.write_text(BASE.format(students, hub) + extra)
    return path


def test_pam_is_the_default_login(tmp_path):
    assert load_class(class_file(tmp_path))["hub"]["auth"] == "pam"


@pytest.mark.parametrize(
    "hub, extra, message",
    [
        ('auth = "dummy"', "", "choose one of pam, demo, lti"),
        ('auth = "demo"', "", "needs demo_password in [hub]"),
        ('auth = "lti"', '[lti]\nissuer = "https://lms.example"\n', "needs client_id, authorize_url, jwks_endpoint"),
    ],
)
def test_a_login_mode_without_its_settings_is_refused(tmp_path, hub, extra, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        load_class(class_file(tmp_path, hub, extra=extra))


@pytest.mark.parametrize("students", ['"Ada"', '"root"', '"ada", "ada"', '"teacher"'])
def test_bad_or_repeated_account_names_are_refused(tmp_path, students):
    with pytest.raises(SystemExit, match="unique Unix account names"):
        load_class(class_file(tmp_path, students=students))
