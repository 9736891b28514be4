"""Scenario (b): a class on the hub (deploy/, as `make hub` starts it), in real browsers.

The lecturer imports the class list (`make roster`) into the running hub; the students log in with their
own passwords (PAM, the initial ones `make roster` wrote).  The instructor publishes; two students fetch,
work and submit from the Assignments panel (one solves everything, one only the first exercise); the
instructor collects, autogrades and returns feedback with the make targets; each student reads their own
feedback with the right score, and cannot reach the other's submission.

Then a quiz, due a few minutes after the lecturer sets its date in their course's schedule.toml: ada submits
on time, ben (in the browser, with one written answer) after the due date; the times are the exchange's, so
the test waits for the deadline to pass.  The instructor grades the written answers in Formgrader with the
model answer and rubric on screen (a second instructor, who shares the course folder, sees those grades);
with nothing pending, `make return-feedback` returns the feedback, ben's page states his lateness and
penalty, and `make grades FORMAT=canvas` exports the class with the penalty taken off.  Each make step's
time and the machine's load are printed (and written to the file HUB_STEP_TIMES names).  Runs as root (it
creates four Unix accounts, nntest-*).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from selenium.webdriver.common.by import By

from grading.notebook_cells import grade_cells, load, nbgrader_meta
from grading.pipeline import submissions

from .conftest import HUB_ENV, ROOT, free_port, running_hub, write_class_file
from .test_student_lab import ASSIGNMENT, NOTEBOOK, SIGMOID, SIGMOID_CELL

INSTRUCTOR, GRADER, FULL, PART = "nntest-instructor", "nntest-grader", "nntest-ada", "nntest-ben"
QUIZ, QUIZ_NOTEBOOK, WRITTEN, WRITTEN_2 = "week2_quiz", "week2_quiz.ipynb", "written_q10", "written_q11"
QUIZ_DUE_IN = (
    150  # seconds from just before `make release` to the quiz's due date: release, publish and ada's submission
)
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
    class_file = write_class_file(base, port, "pam", instructors=[INSTRUCTOR, GRADER])
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


def open_lab(page, url, student):
    page.get(f"{url}/user/{student}/lab")
    page.find(".lm-MenuBar-itemLabel", "Nbgrader", timeout=90)


def open_assignments(page):
    page.menu("Nbgrader", "Assignment List")
    return page.find("#released_assignments_list, #fetched_assignments_list", timeout=60)


def frame_ancestors(page, url, path):
    """The Content-Security-Policy of ``path`` on the hub, fetched with ``page``'s login cookies."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(url + path, headers={"Cookie": cookies}), timeout=30) as answer:
        assert answer.url == url + path, f"{path} redirected to {answer.url}"
        return answer.headers["Content-Security-Policy"]


def row_button(page, list_id, label, assignment=ASSIGNMENT, timeout=90):
    """The button ``label`` in the row of ``assignment`` in one of the Assignments panel's lists."""

    def look():
        for row in page.driver.find_elements("css selector", f"#{list_id} .list_item"):
            if assignment in row.text:
                for button in row.find_elements("css selector", "button"):
                    if button.text.strip() == label and button.is_enabled():
                        return button

    return page.wait(look, f"{label!r} for {assignment} in #{list_id}", timeout)


def submit(page, assignment):
    """Submit ``assignment`` from the Assignments panel and wait until it is listed as submitted."""
    open_assignments(page)
    row_button(page, "fetched_assignments_list", "Submit", assignment).click()
    page.wait(
        lambda: any(
            assignment in r.text
            for r in page.driver.find_elements("css selector", "#submitted_assignments_list .list_item")
        ),
        f"{assignment} listed as submitted",
        60,
    )
    page.shot(f"{assignment} submitted")


def open_feedback(page, url, student, assignment):
    """Fetch the feedback of ``assignment`` from the Assignments panel and open its page; returns the page's text."""
    open_lab(page, url, student)
    open_assignments(page)
    row_button(page, "submitted_assignments_list", "Fetch Feedback", assignment).click()
    folder = home(student) / assignment / "feedback"
    page.wait(lambda: list(folder.glob("*/*.html")), f"the feedback of {assignment} fetched", 60)
    page.shot(f"{assignment} feedback fetched")
    html = next(folder.glob("*/*.html"))
    page.get(f"{url}/user/{student}/files/{html.relative_to(home(student))}")
    page.wait_text("Score:", timeout=30)
    return page.text()


def grade_written(page, url, course, student, grade_id, points):
    """Grade ``student``'s written answer ``grade_id`` of the quiz in Formgrader (the score box of its submission
    page), and wait until the gradebook has it; returns the score box."""
    notebook = QUIZ_NOTEBOOK.removesuffix(".ipynb")
    database = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(database) as gradebook:
        submission = gradebook.find_submission_notebook(notebook, QUIZ, student).id

    def saved():  # a fresh connection each time: an open read would keep Formgrader from writing
        with Gradebook(database) as gradebook:
            return gradebook.find_grade(grade_id, notebook, QUIZ, student).manual_score == points

    page.get(f"{url}/user/{INSTRUCTOR}/formgrader/submissions/{submission}/")
    for attempt in range(3):  # a score typed before Formgrader has loaded the grades is overwritten: type it again
        box = page.find(f"input#{grade_id}", timeout=90)
        box.clear()
        box.send_keys(f"{points:g}\t")
        try:
            page.wait(saved, f"{student}'s {grade_id} graded {points:g} in the gradebook", 15)
            return box
        except AssertionError:
            if attempt == 2:
                raise


def status_row(status, assignment):
    """``make status``'s row of ``assignment`` as ``{column: cell}``."""
    columns = ("assignment", "release", "published", "submitted", "collected", "on time", "late", "missing")
    columns += ("autograded", "pending", "feedback")
    return next(dict(zip(columns, line.split())) for line in status.splitlines() if line.startswith(assignment + " "))


@pytest.fixture
def step_times():
    """``{(week, make step): (seconds, load averages at its end)}`` of the instructor's make steps; printed, and
    written as a Markdown table to the file ``HUB_STEP_TIMES`` names (if set)."""
    times = {}
    yield times
    lines = ["| week | make step | seconds | load average 1 / 5 / 15 min |", "|---|---|---:|---|"]
    for (week, step), (seconds, averages) in times.items():
        lines.append(f"| {week} | {step} | {seconds:.1f} | {' / '.join(f'{x:.2f}' for x in averages)} |")
    print("\nthe instructor's make steps on the hub:\n" + "\n".join(lines))
    if os.environ.get("HUB_STEP_TIMES"):
        Path(os.environ["HUB_STEP_TIMES"]).write_text("\n".join(lines) + "\n")


def test_a_week_of_the_class_on_the_hub(browser, hub, step_times):
    url, make, env, passwords = hub["url"], hub["make"], hub["env"], hub["passwords"]
    course = hub["course"]

    def step(week, target, *args):
        """The instructor runs ``make target args`` in a terminal on the hub; its time is kept in step_times."""
        start = time.monotonic()
        result = as_user(INSTRUCTOR, *make, target, *args, env=env)
        step_times[(week, " ".join(("make", target, *args)))] = (time.monotonic() - start, os.getloadavg())
        return result

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # the roster's students, every field
        ada = gradebook.find_student(FULL)
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == (
            "Ada",
            "Lovelace",
            "ada@uni.example",
            "M-1",
        )

    # The instructor releases and publishes the week's assignment (in a terminal on the hub).
    step(ASSIGNMENT, "release", f"ASSIGNMENTS={ASSIGNMENT}")
    published = step(ASSIGNMENT, "publish", f"ASSIGNMENTS={ASSIGNMENT}")
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
        submit(page, ASSIGNMENT)

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
    collected = step(ASSIGNMENT, "collect", f"ASSIGNMENTS={ASSIGNMENT}")
    assert "2 collected" in collected.stdout, collected.stdout
    graded = step(ASSIGNMENT, "autograde", f"ASSIGNMENTS={ASSIGNMENT}")
    assert "2 graded, 0 ungradable" in graded.stdout, graded.stdout
    returned = step(ASSIGNMENT, "return-feedback", f"ASSIGNMENTS={ASSIGNMENT}")
    assert "returned feedback" in returned.stdout, returned.stdout
    status = step(ASSIGNMENT, "status").stdout
    assert "2 feedback file(s) returned" in status, status

    # Each student fetches their own feedback and reads their score.
    for name, score in ((FULL, total), (PART, 2.0)):
        page = students[name]
        text = open_feedback(page, url, name, ASSIGNMENT)
        assert f"Score: {score:g}" in text and f"/ {total:g}" in text, text[:500]
        page.shot("feedback page with the score")
        assert (FULL if name == PART else PART) not in text

    # A quiz, due in a few minutes: the lecturer sets its due date in schedule.toml of their course copy.
    due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=QUIZ_DUE_IN)
    (course / "schedule.toml").write_text(
        f'timezone = "Europe/Berlin"\n\n[due]\n{QUIZ} = "{due:%Y-%m-%d %H:%M:%S}+00:00"\n'
    )
    shutil.chown(course / "schedule.toml", INSTRUCTOR, INSTRUCTOR)
    step(QUIZ, "release", f"ASSIGNMENTS={QUIZ}")
    step(QUIZ, "publish", f"ASSIGNMENTS={QUIZ}")

    # ada answers every question, both written ones in her own words, and submits on time.
    student_env = [f"PATH={HUB_ENV}/bin:/usr/bin:/bin", f"JUPYTER_CONFIG_PATH={hub['state'] / 'roles' / 'student'}"]
    as_user(FULL, "nbgrader", "fetch_assignment", QUIZ, env=student_env)
    quiz_release, quiz_source = (
        load(course / "release" / QUIZ / QUIZ_NOTEBOOK),
        load(course / "notebooks" / QUIZ / QUIZ_NOTEBOOK),
    )
    quiz = submissions.solved(quiz_release, quiz_source)
    answers = {
        WRITTEN: "The loss is the error on one example; the cost is the mean of the losses over all m.\n",
        WRITTEN_2: "A loop runs each step in the interpreter, NumPy runs compiled code over the whole array; "
        "training repeats it over many examples and iterations.\n",
    }
    for cell in quiz["cells"]:
        if nbgrader_meta(cell).get("grade_id") in answers:
            cell["source"] = answers[nbgrader_meta(cell)["grade_id"]]
    (home(FULL) / QUIZ / QUIZ_NOTEBOOK).write_text(json.dumps(quiz))
    as_user(FULL, "nbgrader", "submit", QUIZ, env=student_env)
    assert datetime.now(timezone.utc) < due, f"ada submitted after the due date: raise QUIZ_DUE_IN ({QUIZ_DUE_IN} s)"
    quiz_total = sum(grade_cells(quiz_source).values()) + len(answers)  # the written answers score 1 point each

    # ben fetches the quiz in the browser and writes an answer to question 10 only; he submits after the due date.
    open_lab(ben, url, PART)
    open_assignments(ben)
    row_button(ben, "released_assignments_list", "Fetch", QUIZ).click()
    row_button(ben, "fetched_assignments_list", "Submit", QUIZ)
    ben.get(f"{url}/user/{PART}/lab/tree/{QUIZ}/{QUIZ_NOTEBOOK}")
    ben.kernel_idle()
    written = next(k for k, c in enumerate(quiz_release["cells"]) if nbgrader_meta(c).get("grade_id") == WRITTEN)
    rendered = ben.cell(written).find_element(By.CSS_SELECTOR, ".jp-MarkdownOutput")  # a written answer: Markdown
    assert "YOUR ANSWER HERE" in rendered.get_attribute("textContent"), "the written answer's cell"
    ben.driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))", rendered)
    ben.wait(lambda: ben.cell(written).find_element(By.CSS_SELECTOR, ".cm-content").is_displayed(), "its editor", 30)
    ben.type_into_cell(written, "The loss is for one example and the cost averages the losses over the training set.")
    ben.driver.switch_to.active_element.send_keys("\ue009s")  # Ctrl+S
    ben.wait(lambda: "averages the losses" in (home(PART) / QUIZ / QUIZ_NOTEBOOK).read_text(), "ben's quiz saved", 30)
    ben.shot("ben's written answer")
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 2)
    submit(ben, QUIZ)

    collected = step(QUIZ, "collect", f"ASSIGNMENTS={QUIZ}")
    assert "2 collected" in collected.stdout, collected.stdout
    graded = step(QUIZ, "autograde", f"ASSIGNMENTS={QUIZ}")
    assert "2 graded, 0 ungradable" in graded.stdout, graded.stdout
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        waiting = {
            (s.student_id, g.name)
            for s in gradebook.assignment_submissions(QUIZ)
            for nb in s.notebooks
            for g in nb.grades
            if g.needs_manual_grade
        }
    assert waiting == {(FULL, WRITTEN), (FULL, WRITTEN_2), (PART, WRITTEN)}, "ben's unanswered question scores 0"

    # The instructor grades the written answers in Formgrader, with each one's model answer and rubric on screen.
    score = grade_written(teacher, url, course, FULL, WRITTEN, 1)
    rubric = teacher.find(".text_cell_render", f"model answer and rubric of {WRITTEN}")
    assert "Rubric (1 point)" in rubric.text and "Model answer" in rubric.text
    assert rubric.location["y"] < score.location["y"], "the rubric is shown above the score box"
    teacher.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", rubric)
    teacher.shot("formgrader grades the written answer with the rubric above the score box")

    # The second instructor, in the same course folder, sees that grade in their own Formgrader.
    grader = browser("3-grader-")
    login(grader, url, GRADER, passwords[GRADER])
    grader.get(teacher.driver.current_url.replace(f"/user/{INSTRUCTOR}/", f"/user/{GRADER}/"))
    seen = grader.find(f"input#{WRITTEN}", timeout=90)
    grader.wait(lambda: seen.get_attribute("value") == "1", "the first instructor's grade in the second's view", 30)
    grader.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", seen)
    grader.shot("the second instructor sees the grade")

    grade_written(teacher, url, course, FULL, WRITTEN_2, 1)
    grade_written(teacher, url, course, PART, WRITTEN, 1)
    teacher.shot("formgrader grades ben's late written answer")
    quiz_status = status_row(step(QUIZ, "status").stdout, QUIZ)
    assert (quiz_status["on time"], quiz_status["late"], quiz_status["pending"]) == ("1", "1", "0"), quiz_status

    # Nothing waits, so the feedback goes back (no FORCE); ben's page states his lateness and the penalty.
    returned = step(QUIZ, "return-feedback", f"ASSIGNMENTS={QUIZ}")
    assert "returned feedback" in returned.stdout, returned.stdout
    ada_page = open_feedback(students[FULL], url, FULL, QUIZ)
    assert f"Score: {quiz_total:g} / {quiz_total:g}" in ada_page, ada_page[:500]
    assert "Late penalty" not in ada_page and "after the due date" not in ada_page and "not graded yet" not in ada_page
    students[FULL].shot("ada's quiz feedback: full score, no penalty")
    ben_page = open_feedback(ben, url, PART, QUIZ)
    late_penalty = 0.1  # his 1 point, 10 % off for one started day late (grading/plugins/late.py's default)
    assert f"after the due date {due:%Y-%m-%d %H:%M:%S} UTC" in ben_page, ben_page[:1500]
    assert f"Late penalty: -{late_penalty:g} points." in ben_page and "not graded yet" not in ben_page
    ben.shot("ben's quiz feedback states his lateness and the penalty")

    # The class's grades for the learning platform: one row per roster student, the late penalty taken off.
    step("the class", "grades", "FORMAT=canvas")
    with open(course / "reports" / "grades_canvas.csv", newline="", encoding="utf-8") as handle:
        canvas = list(csv.reader(handle))
    assert canvas == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT, QUIZ],
        ["Points Possible", "", "", "", "", f"{total:g}", f"{quiz_total:g}"],
        ["Lovelace, Ada", "M-1", FULL, "ada@uni.example", "", f"{total:g}", f"{quiz_total:g}"],
        ["Bit, Ben", "M-2", PART, "", "", "2", f"{1 - late_penalty:g}"],
    ], canvas
