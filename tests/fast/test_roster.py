"""`make roster FILE=...` (deploy/roster.py): the LMS's CSV export read in its usual layouts, every bad row
reported with its line and fix, and nothing changed when a row is bad."""

import csv
import os
import sys

import pytest
from nbgrader.api import Gradebook

from grading.course import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "deploy"))
import roster  # noqa: E402
from roster import RosterError, Student, parse  # noqa: E402


def write(tmp_path, text, name="students.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_plain_layout_id_name_email_lms_id(tmp_path):
    path = write(tmp_path, "id,name,e-mail,lms_id\nada,Ada Lovelace,ada@uni.example,1001\nben,Ben Bit,,\n")
    assert parse(path) == [
        Student("ada", "Ada", "Lovelace", "ada@uni.example", "1001"),
        Student("ben", "Ben", "Bit", "", ""),
    ]


def test_canvas_and_moodle_exports(tmp_path):
    canvas = write(
        tmp_path,
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section\n"
        '"Lovelace, Ada",4711,S-1,ada,Section 1\n',  # Canvas: the login is SIS Login ID, its user id is ID
        "canvas.csv",
    )
    assert parse(canvas) == [Student("ada", "Ada", "Lovelace", "", "4711")]
    moodle = write(
        tmp_path, "username;firstname;lastname;email;idnumber\nben;Ben;Bit;ben@uni.example;M-7\n", "moodle.csv"
    )
    assert parse(moodle) == [Student("ben", "Ben", "Bit", "ben@uni.example", "M-7")]


def test_every_bad_row_is_named_with_its_line_and_fix(tmp_path):
    path = write(
        tmp_path,
        "id,name,email,lms_id\n"
        "ada,Ada Lovelace,ada@uni.example,1\n"
        "ada,Ada Again,ada2@uni.example,2\n"  # line 3: duplicate id
        "Ben.Bit,Ben Bit,ben@uni.example,3\n"  # line 4: not an account name
        "root,Root,root@uni.example,4\n"  # line 5: a system account
        "cy,Cy,not-an-address,5\n"  # line 6: bad e-mail
        "dee,Dee,dee@uni.example,1\n"  # line 7: duplicate LMS id
        ",Nobody,nobody@uni.example,8\n"  # line 8: no id
        "teacher,Teach,t@uni.example,9\n",  # line 9: an instructor
    )
    with pytest.raises(RosterError) as error:
        parse(path, instructors=["teacher"])
    problems = error.value.args[0]
    expected = {
        3: "repeats line 2: keep one of the two rows",
        4: "is not a Unix account name: use lower-case letters",
        5: "is a system account of this machine",
        6: "is not an e-mail address",
        7: "LMS id '1' repeats line 2",
        8: "no id",
        9: "is an instructor in the class file",
    }
    assert len(problems) == len(expected), problems
    for line, words in expected.items():
        assert any(f"line {line}: " in p and words in p for p in problems), (line, problems)


def test_a_file_without_an_id_column_is_refused(tmp_path):
    with pytest.raises(RosterError, match="no id column .* name one column id"):
        parse(write(tmp_path, "name,email\nAda,ada@uni.example\n"))


def test_the_gradebook_and_the_class_roster_get_every_field(tmp_path):
    students = [Student("ada", "Ada", "Lovelace", "ada@uni.example", "4711"), Student("ben", "Ben", "Bit", "", "")]
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    roster.add_to_gradebook(url, students)
    roster.add_to_gradebook(url, [Student("ada", "Ada", "King", "ada@uni.example", "4711")])  # a changed name
    with Gradebook(url) as gradebook:
        ada, ben = gradebook.find_student("ada"), gradebook.find_student("ben")
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == ("Ada", "King", "ada@uni.example", "4711")
        assert (ben.email, ben.lms_user_id) == (None, None)
    path = roster.write_roster(tmp_path, students)
    roster.write_roster(tmp_path, [Student("cy", "Cy", "", "", "")])
    assert os.stat(path).st_mode & 0o777 == 0o640
    with open(path, newline="") as handle:
        assert [row["id"] for row in csv.DictReader(handle)] == ["ada", "ben", "cy"]
    assert roster.read_roster(tmp_path)["ada"].lms_id == "4711"


@pytest.mark.skipif(os.geteuid() != 0, reason="make roster runs as root")
def test_a_bad_file_changes_nothing(tmp_path, capsys):
    state, course = tmp_path / "state", tmp_path / "course"
    course.mkdir()
    (tmp_path / "class.toml").write_text(
        '[users]\ninstructors = []\nstudents = []\n[hub]\nauth = "pam"\n'
        f'state = "{state}"\n[course]\nshared = "{course}"\nfolder = "nn"\n'
    )
    bad = write(tmp_path, "id,name\nnntest-zed,Zed\nnntest-zed,Zed Again\n")
    assert roster.main([str(bad), "--class", str(tmp_path / "class.toml")]) == 1
    assert "line 3: id 'nntest-zed' repeats line 2" in capsys.readouterr().err
    assert not state.exists() and not any(course.iterdir())
    assert os.system("getent passwd nntest-zed > /dev/null") != 0, "an account was created"
