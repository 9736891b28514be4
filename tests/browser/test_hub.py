"""Scenario (b): a class on the hub (deploy/, as `make hub` starts it), in real browsers.

The lecturer imports the class list (`make roster`) into the running hub; the students log in with their
own passwords (PAM, the initial ones `make roster` wrote).  The instructor publishes; two students fetch,
work and submit from the Assignments panel (one solves everything, one only the first exercise); the
instructor collects, autogrades and returns feedback with the make targets; each student reads their own
feedback with the right score, and cannot reach the other's submission.  Then a quiz: the instructor grades
a written answer in Formgrader with its model answer and rubric on screen, and a second instructor, who
shares the course folder, sees that grade.  Runs as root (it creates four Unix accounts, nntest-*).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.notebook_cells import grade_cells, load, nbgrader_meta
from grading.pipeline import submissions

from .conftest import ROOT, free_port, running_hub
from .test_student_lab import ASSIGNMENT, NOTEBOOK, SIGMOID, SIGMOID_CELL

INSTRUCTOR, GRADER, FULL, PART = "nntest-instructor", "nntest-grader", "nntest-ada", "nntest-ben"
HUB_ENV = "/opt/nn-from-scratch/env"
QUIZ, QUIZ_NOTEBOOK, WRITTEN = "week2_quiz", "week2_quiz.ipynb", "written_q10"
ROSTER = f"username,firstname,lastname,email,idnumber\n{FULL},Ada,Lovelace,ada@uni.example,M-1\n{PART},Ben,Bit,,M-2\n"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub scenario creates Unix accounts: run as root")


def home(user):
    return Path("/home") / user


def as_user(user, *command, env=None, check=True):
    """Run ``command`` as ``user`` (runuser), in their home, with the hub's exchange."""
    result = subprocess.run(
        ["runuser", "-u", user, "--", "env", f"HOME={home(user)}", *(env or []), *command],
        cwd=home(user),
        capture_output=True,
        text=True,
    )
    if check:
        assert result.returncode == 0, f"{command} as {user} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def hub():
    base = Path(tempfile.mkdtemp(prefix="nn-hub-test-"))
    os.chmod(base, 0o755)
    port = free_port()
    class_file = base / "class.toml"
    class_file.write_text(
        f'[users]\ninstructors = ["{INSTRUCTOR}", "{GRADER}"]\nstudents = []\n'
        f'[hub]\nip = "127.0.0.1"\nport = {port}\nauth = "pam"\ndemo_password = "nn-unused"\nenv = "{HUB_ENV}"\n'
        f'python = "/usr/bin/python3"\nstate = "{base / "state"}"\n'
        f'[course]\nshared = "{base / "course"}"\nfolder = "nn-from-scratch"\n'
    )
    for user in (INSTRUCTOR, GRADER, FULL, PART):  # a fresh start: new accounts, new initial passwords
        subprocess.run(["userdel", "--remove", user], capture_output=True)
    exchange = base / "exchange"
    env = dict(os.environ, COURSE_EXCHANGE=str(exchange))
    subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "hub.py"), "--class", str(class_file), "--setup-only"],
        env=env,
        check=True,
        capture_output=True,
    )
    log = base / "hub.log"
    try:
        with running_hub(class_file, port, env, log):
            # The lecturer imports the class list into the running hub, as root (Moodle's column names).
            (base / "students.csv").write_text(ROSTER)
            imported = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "deploy" / "roster.py"),
                    str(base / "students.csv"),
                    "--class",
                    str(class_file),
                ],
                capture_output=True,
                text=True,
            )
            assert imported.returncode == 0, imported.stdout + imported.stderr
            passwords = base / "state" / "initial_passwords.csv"
            assert os.stat(passwords).st_mode & 0o777 == 0o600 and os.stat(passwords).st_uid == 0
            with open(passwords, newline="") as handle:
                passwords = {row["user"]: row["initial_password"] for row in csv.DictReader(handle)}
            assert set(passwords) == {INSTRUCTOR, GRADER, FULL, PART}
            yield {
                "url": f"http://127.0.0.1:{port}",
                "exchange": exchange,
                "log": log,
                "course": home(INSTRUCTOR) / "nn-from-scratch",
                "make": ["make", "-C", str(home(INSTRUCTOR) / "nn-from-scratch")],
                "env": [f"COURSE_EXCHANGE={exchange}", f"VENV={HUB_ENV}"],
                "passwords": passwords,
                "state": base / "state",
            }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def login(page, url, user, password):
    page.get(f"{url}/hub/login")
    page.find("input[name=username]").send_keys(user)
    page.find("input[name=password]").send_keys(password)
    page.click("#login_submit, button[type=submit], input[type=submit]")
    page.find(".lm-MenuBar-itemLabel", "Nbgrader", timeout=180)
    page.dismiss_news()


def open_assignments(page):
    page.menu("Nbgrader", "Assignment List")
    return page.find("#released_assignments_list, #fetched_assignments_list", timeout=60)


def frame_ancestors(page, url, path):
    """The Content-Security-Policy of ``path`` on the hub, fetched with ``page``'s login cookies."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url + path, headers={"Cookie": cookies}), timeout=30) as answer:
        assert answer.url == url + path, f"{path} redirected to {answer.url}"
        return answer.headers["Content-Security-Policy"]


def row_button(page, list_id, label, timeout=90):
    """The button ``label`` in the row of ASSIGNMENT in one of the Assignments panel's lists."""

    def look():
        for row in page.driver.find_elements("css selector", f"#{list_id} .list_item"):
            if ASSIGNMENT in row.text:
                for button in row.find_elements("css selector", "button"):
                    if button.text.strip() == label and button.is_enabled():
                        return button

    return page.wait(look, f"{label!r} for {ASSIGNMENT} in #{list_id}", timeout)


def test_a_week_of_the_class_on_the_hub(browser, hub):
    url, make, env, passwords = hub["url"], hub["make"], hub["env"], hub["passwords"]
    course = hub["course"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # the roster's students, every field
        ada = gradebook.find_student(FULL)
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == (
            "Ada",
            "Lovelace",
            "ada@uni.example",
            "M-1",
        )

    # The instructor releases and publishes the week's assignment (in a terminal on the hub).
    as_user(INSTRUCTOR, *make, "release", f"ASSIGNMENTS={ASSIGNMENT}", env=env)
    published = as_user(INSTRUCTOR, *make, "publish", f"ASSIGNMENTS={ASSIGNMENT}", env=env)
    assert f"published {ASSIGNMENT}" in published.stdout
    teacher = browser("1-instructor-")
    login(teacher, url, INSTRUCTOR, passwords[INSTRUCTOR])
    assert "Formgrader" in teacher.menu("Nbgrader")
    teacher.menu("Nbgrader", "Formgrader")  # as a lecturer opens it: a Lab tab showing Formgrader in an iframe
    with teacher.inside("#formgrader-iframe iframe", timeout=60):
        teacher.wait(
            lambda: any(
                ASSIGNMENT in row.text and "released" in row.text
                for row in teacher.driver.find_elements("css selector", "tr")
            ),
            f"{ASSIGNMENT} listed as released in Formgrader",
            90,
        )
    teacher.shot("formgrader opened from the menu lists the released assignment")

    # Two students fetch from the Assignments panel; neither has the instructor's tools.
    students = {}
    for name in (FULL, PART):
        page = browser(f"2-{name}-")
        page.get(f"{url}/hub/login")  # a wrong password is refused: PAM, not the demo's shared one
        page.find("input[name=username]").send_keys(name)
        page.find("input[name=password]").send_keys("nn-demo")
        page.click("#login_submit, button[type=submit], input[type=submit]")
        page.wait_text("Invalid username or password", timeout=30)
        login(page, url, name, passwords[name])
        assert page.menu("Nbgrader") == ["Assignment List"], "students get the Assignments panel only"
        assert "Create Assignment" not in page.text(".lm-TabBar")
        assert frame_ancestors(page, url, f"/user/{name}/lab") == "frame-ancestors 'none'", (
            "students' servers keep JupyterHub's CSP"
        )
        open_assignments(page)
        page.shot("assignments panel")
        row_button(page, "released_assignments_list", "Fetch").click()
        row_button(page, "fetched_assignments_list", "Submit")
        page.shot("fetched")
        students[name] = page
    assert (home(FULL) / ASSIGNMENT / NOTEBOOK).is_file()

    # ada's work: every exercise solved (her file, as she would have saved it).
    release_nb, source_nb = (
        load(course / "release" / ASSIGNMENT / NOTEBOOK),
        load(course / "notebooks" / ASSIGNMENT / NOTEBOOK),
    )
    (home(FULL) / ASSIGNMENT / NOTEBOOK).write_text(json.dumps(submissions.solved(release_nb, source_nb)))
    shutil.chown(home(FULL) / ASSIGNMENT / NOTEBOOK, FULL, FULL)
    total = sum(grade_cells(source_nb).values())

    # ben's work: he types the first exercise in the browser and saves.
    ben = students[PART]
    ben.get(f"{url}/user/{PART}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}")
    ben.kernel_idle()
    ben.type_into_cell(SIGMOID_CELL, SIGMOID)
    ben.driver.switch_to.active_element.send_keys("\ue009s")  # Ctrl+S
    ben.wait(lambda: "np.minimum(z, 0)" in (home(PART) / ASSIGNMENT / NOTEBOOK).read_text(), "ben's notebook saved", 30)
    ben.shot("ben solved the first exercise")

    for page in students.values():
        open_assignments(page)
        row_button(page, "fetched_assignments_list", "Submit").click()
        page.wait(
            lambda: any(
                ASSIGNMENT in r.text
                for r in page.driver.find_elements("css selector", "#submitted_assignments_list .list_item")
            ),
            "the submission listed",
            60,
        )
        page.shot("submitted")

    # Students cannot read each other's submissions, the inbound folder or the instructor's course.
    for path in (
        hub["exchange"] / "nn-from-scratch" / "inbound",
        home(FULL) / ASSIGNMENT,
        hub["exchange"] / "nn-from-scratch" / "feedback",
        course / "notebooks",
    ):
        assert as_user(PART, "ls", str(path), check=False).returncode != 0, f"{PART} can list {path}"
    assert as_user(PART, "cat", str(home(FULL) / ASSIGNMENT / NOTEBOOK), check=False).returncode != 0
    ben.get(f"{url}/user/{FULL}/lab")
    ben.wait(lambda: "403" in ben.text() or "Forbidden" in ben.text(), "the hub to refuse ben ada's server", 30)
    ben.shot("ben cannot open ada's server")

    # The instructor collects, autogrades (through the sandbox) and returns feedback.
    collected = as_user(INSTRUCTOR, *make, "collect", env=env)
    assert "2 collected" in collected.stdout, collected.stdout
    graded = as_user(INSTRUCTOR, *make, "autograde", env=env)
    assert "2 graded, 0 ungradable" in graded.stdout, graded.stdout
    returned = as_user(INSTRUCTOR, *make, "return-feedback", env=env)
    assert "returned feedback" in returned.stdout, returned.stdout
    status = as_user(INSTRUCTOR, *make, "status", env=env).stdout
    assert "2 feedback file(s) returned" in status, status

    # Each student fetches their own feedback and reads their score.
    for name, score in ((FULL, total), (PART, 2.0)):
        page = students[name]
        page.get(f"{url}/user/{name}/lab")
        page.find(".lm-MenuBar-itemLabel", "Nbgrader", timeout=90)
        open_assignments(page)
        row_button(page, "submitted_assignments_list", "Fetch Feedback").click()
        page.wait(lambda: list((home(name) / ASSIGNMENT / "feedback").glob("*/*.html")), "the feedback fetched", 60)
        page.shot("feedback fetched")
        html = next((home(name) / ASSIGNMENT / "feedback").glob("*/*.html"))
        page.get(f"{url}/user/{name}/files/{html.relative_to(home(name))}")
        page.wait_text(f"Score: {score:g}", timeout=30)
        page.wait_text(f"/ {total:g}", timeout=5)
        page.shot("feedback page with the score")
        assert (FULL if name == PART else PART) not in page.text()

    # A quiz: ada answers its written question; the instructor grades it in Formgrader with the rubric on screen.
    as_user(INSTRUCTOR, *make, "release", f"ASSIGNMENTS={QUIZ}", env=env)
    as_user(INSTRUCTOR, *make, "publish", f"ASSIGNMENTS={QUIZ}", env=env)
    student_env = [f"PATH={HUB_ENV}/bin:/usr/bin:/bin", f"JUPYTER_CONFIG_PATH={hub['state'] / 'roles' / 'student'}"]
    as_user(FULL, "nbgrader", "fetch_assignment", QUIZ, env=student_env)
    quiz = load(home(FULL) / QUIZ / QUIZ_NOTEBOOK)
    for cell in quiz["cells"]:
        if nbgrader_meta(cell).get("grade_id") == WRITTEN:
            cell["source"] = "The loss is the error on one example; the cost is the mean of the losses over all m.\n"
    (home(FULL) / QUIZ / QUIZ_NOTEBOOK).write_text(json.dumps(quiz))
    as_user(FULL, "nbgrader", "submit", QUIZ, env=student_env)
    as_user(INSTRUCTOR, *make, "collect", env=env)
    graded = as_user(INSTRUCTOR, *make, "autograde", env=env)
    assert "0 ungradable" in graded.stdout, graded.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(QUIZ_NOTEBOOK.removesuffix(".ipynb"), QUIZ, FULL).id
        assert gradebook.find_grade(WRITTEN, QUIZ_NOTEBOOK.removesuffix(".ipynb"), QUIZ, FULL).needs_manual_grade
    graded_view = f"{url}/user/{INSTRUCTOR}/formgrader/submissions/{submission}/"
    teacher.get(graded_view)
    score = teacher.find(f"input#{WRITTEN}", timeout=90)
    rubric = teacher.find(".text_cell_render", f"model answer and rubric of {WRITTEN}")
    assert "Rubric (1 point)" in rubric.text and "Model answer" in rubric.text
    assert rubric.location["y"] < score.location["y"], "the rubric is shown above the score box"
    teacher.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", rubric)
    score.send_keys("1\t")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        teacher.wait(
            lambda: (
                gradebook.db.expire_all()
                or gradebook.find_grade(WRITTEN, QUIZ_NOTEBOOK.removesuffix(".ipynb"), QUIZ, FULL).manual_score == 1
            ),
            "the manual grade saved in the gradebook",
            30,
        )
    teacher.shot("formgrader grades the written answer with the rubric above the score box")

    # The second instructor, in the same course folder, sees that grade in their own Formgrader.
    grader = browser("3-grader-")
    login(grader, url, GRADER, passwords[GRADER])
    grader.get(f"{url}/user/{GRADER}/formgrader/submissions/{submission}/")
    seen = grader.find(f"input#{WRITTEN}", timeout=90)
    grader.wait(lambda: seen.get_attribute("value") == "1", "the first instructor's grade in the second's view", 30)
    grader.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", seen)
    grader.shot("the second instructor sees the grade")
