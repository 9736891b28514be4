"""A week of the term in a temporary course: due dates, late work, an extension, one week or one student at a
time, written answers pending manual grading, and the LMS gradebook exports.

One autograde batch (week 1's notebook and quiz, five students) is graded once per module; the bad-input tests
run the command line on it and check that the gradebook's bytes do not change.
"""

import csv
import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from nbgrader.api import Gradebook

from grading.course import REPO_ROOT, copy_course
from grading.notebook_cells import load
from grading.pipeline import autograde, collect, deadlines, exchange, feedback, grades, lms, release, submissions
from grading.plugins.feedback_page import lateness
from grading.plugins.late import LatePolicy

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("term")]
WEEK, QUIZ = "week1_introduction", "week1_quiz"
NOTEBOOK = "introduction.ipynb"
# The roster as `make roster` stores it (nbgrader's Student rows): id, first and last name, e-mail, LMS user id.
ROSTER = {
    "ontime": ("Ada", "Lovelace", "ada@example.org", "101"),
    "late": ("Blaise", "Pascal", "blaise@example.org", "102"),
    "extended": ("Carl", "Gauss", "carl@example.org", "103"),
    "quizzer": ("Dora", "Quiz", "dora@example.org", "104"),
    "absent": ("Emmy", "Noether", "emmy@example.org", ""),
}


def stamp(when):
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def grading_cli(course, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "grading", "--course", str(course.root), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=dict(os.environ, **(env or {})),
    )


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def submit(course, student, assignment, when=None):
    name = course.notebooks(assignment)[0]
    released, source = submissions.release_and_source(course, assignment, name)
    submissions.write(course, student, assignment, name, submissions.solved(released, source))
    if when:
        (course.submitted / student / assignment / "timestamp.txt").write_text(stamp(when))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """``(course, due)``: week 1 released with a due date, submitted on time, late, late with an extension and
    (the quiz) with written answers, then autograded and rendered as feedback."""
    course = copy_course(tmp_path_factory.mktemp("term") / "course")
    due = (datetime.now(timezone.utc) + timedelta(days=1)).replace(second=0, microsecond=0)
    (course.root / "schedule.toml").write_text(
        f'timezone = "UTC"\n[due]\n{WEEK} = {due:%Y-%m-%dT%H:%M:%S}\n{QUIZ} = "{due:%Y-%m-%d %H:%M}"\n'
    )
    release.generate(course, [WEEK, QUIZ])
    deadlines.store(course, [WEEK, QUIZ])
    with Gradebook(course.gradebook_url) as gradebook:
        for student, (first, last, email, lms_id) in ROSTER.items():
            gradebook.update_or_create_student(
                student, first_name=first, last_name=last, email=email, lms_user_id=lms_id or None
            )
    submit(course, "ontime", WEEK, due - timedelta(hours=1))
    submit(course, "late", WEEK, due + timedelta(hours=36))  # 2 started days late: 20 % of 4 points
    submit(course, "extended", WEEK, due + timedelta(hours=36))
    submit(course, "quizzer", QUIZ)
    deadlines.extend(course, "extended", WEEK, f"{due + timedelta(days=2):%Y-%m-%dT%H:%M}")
    statuses = autograde.autograde(course, [WEEK, QUIZ])
    assert all(s.graded for s in statuses), [s.line() for s in statuses]
    assert not feedback.generate(course)
    grades.export(course)
    return course, due


def penalty(course, student, assignment=WEEK):
    with Gradebook(course.gradebook_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return submission.late_submission_penalty, submission.score


def page(course, student, assignment=WEEK):
    return (
        course.feedback_dir / student / assignment / course.notebooks(assignment)[0].replace("ipynb", "html")
    ).read_text()


def test_late_work_pays_the_configured_penalty_and_the_feedback_says_so(term):
    course, due = term
    assert penalty(course, "ontime") == (0.0, 4.0)
    assert penalty(course, "late") == (pytest.approx(0.8), 4.0)
    late, ontime = page(course, "late"), page(course, "ontime")
    assert "1 day(s) 12 h 0 min after the due date" in late and "Late penalty: -0.8 points" in late
    assert "10 % of the score per started day late" in late
    assert "Late submission penalty (Score: -0.8)" in late  # nbgrader's own line in the summary
    assert "after the due date" not in ontime
    rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(open(course.reports / "grades.csv"))}
    assert rows[("late", WEEK)]["score"] == "3.2" and rows[("late", WEEK)]["late_penalty"] == "0.8"
    lines = {s.student: s.line() for s in autograde.read_report(course) if s.assignment == WEEK}
    assert "takes 0.8 point(s) off, 3.2 after it" in lines["late"] and "late" not in lines["ontime"]


def test_an_extension_is_honoured(term):
    course, _ = term
    assert penalty(course, "extended") == (0.0, 4.0)
    assert "after the due date" not in page(course, "extended")


def test_a_few_seconds_late_is_said_in_seconds():
    """Under a minute late, the feedback's sentence gives the seconds (both times show them), not '0 min'."""
    due = datetime(2026, 12, 7, 0, 45)
    submission = SimpleNamespace(
        total_seconds_late=12.0, extension=None, timestamp=due + timedelta(seconds=12), duedate=due
    )
    sentence = lateness(submission, 0.1, LatePolicy())
    assert sentence.startswith("Submitted 2026-12-07 00:45:12 UTC, 12 s after the due date 2026-12-07 00:45:00 UTC.")
    assert sentence.endswith("Late penalty: -0.1 points.")


def test_status_counts_on_time_late_and_missing(term):
    course, due = term
    assert deadlines.timeliness(course, WEEK) == (2, 1, None, 0)  # missing is not counted before the due date
    after = due + timedelta(days=3)
    assert deadlines.timeliness(course, WEEK, now=after) == (2, 1, 2, 0)  # absent and quizzer
    assert deadlines.timeliness(course, QUIZ, now=after)[3] == 2  # two written answers wait


def test_pending_answers_are_pending_in_csv_status_table_and_feedback_and_block_the_return(term, tmp_path):
    course, _ = term
    grades.export(course)
    row = next(r for r in csv.DictReader(open(course.reports / "grades.csv")) if r["student"] == "quizzer")
    assert (row["status"], row["score"], row["pending_manual"]) == ("pending", "", "2"), row
    assert float(row["partial_score"]) > 0
    assert "pending" in grades.score_table(course, ["quizzer"])
    status = grading_cli(course, "status", env={"COURSE_EXCHANGE": str(tmp_path)})
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if x.startswith(QUIZ))
    assert line.split()[-2:] == ["2", "1"], status.stdout  # pending, feedback
    quiz_page = page(course, "quizzer", QUIZ)
    assert quiz_page.count("not graded yet") >= 4 and "2 written answer(s) are not graded yet" in quiz_page
    before = digest(course.root / "gradebook.db")
    refused = grading_cli(course, "return-feedback", env={"COURSE_EXCHANGE": str(tmp_path)})
    assert refused.returncode == 1 and "not graded yet" in refused.stderr and "quizzer" in refused.stderr
    assert "FORCE=1" in refused.stderr and not any(tmp_path.iterdir())
    assert digest(course.root / "gradebook.db") == before
    # FORCE=1 goes past the refusal (these synthetic submissions lack the exchange files needed to return them)
    lines, problems = exchange.return_feedback(course, [QUIZ], force=True)
    assert problems and "cannot be returned through the exchange" in problems[0][1] and "LMS" in problems[0][1]
    quizzer = next(s for s in autograde.read_report(course) if s.student == "quizzer")
    assert "2 written answer(s) wait for manual grading" in quizzer.line()  # the autograde report says pending too


def test_one_week_and_one_student_regrade_touches_nothing_else(term):
    course, _ = term
    graded = sorted(course.autograded.rglob("*.ipynb"))
    before = {p: p.stat().st_mtime_ns for p in graded}
    with Gradebook(course.gradebook_url) as gradebook:
        quiz_scores = gradebook.find_submission(QUIZ, "quizzer").score
    result = grading_cli(course, "autograde", "--assignments", WEEK, "--students", "late")
    assert result.returncode == 0, result.stdout + result.stderr
    changed = {p for p in graded if p.stat().st_mtime_ns != before[p]}
    assert changed == {course.autograded / "late" / WEEK / NOTEBOOK}
    assert penalty(course, "late") == (pytest.approx(0.8), 4.0)
    with Gradebook(course.gradebook_url) as gradebook:
        assert gradebook.find_submission(QUIZ, "quizzer").score == quiz_scores
    pages = {p: p.stat().st_mtime_ns for p in course.feedback_dir.rglob("*.html")}
    assert not feedback.generate(course, [WEEK], ["late"])
    assert {p for p in pages if p.stat().st_mtime_ns != pages[p]} == {
        course.feedback_dir / "late" / WEEK / NOTEBOOK.replace("ipynb", "html")
    }


CANVAS = """\
Student,ID,SIS User ID,SIS Login ID,Section,week1_introduction,week1_quiz
Points Possible,,,,,4,4.25
"Noether, Emmy",,absent,emmy@example.org,,,
"Gauss, Carl",103,extended,carl@example.org,,4,
"Pascal, Blaise",102,late,blaise@example.org,,3.2,
"Lovelace, Ada",101,ontime,ada@example.org,,4,
"Quiz, Dora",104,quizzer,dora@example.org,,,{quiz}
"""
MOODLE = """\
First name,Last name,ID number,Email address,week1_introduction,week1_quiz
Emmy,Noether,absent,emmy@example.org,,
Carl,Gauss,extended,carl@example.org,4,
Blaise,Pascal,late,blaise@example.org,3.2,
Ada,Lovelace,ontime,ada@example.org,4,
Dora,Quiz,quizzer,dora@example.org,,{quiz}
"""


def test_lms_exports_match_the_expected_files_pending_empty_then_graded(term):
    course, _ = term
    assert lms.export(course, "canvas").read_text().replace("\r\n", "\n") == CANVAS.format(quiz="")
    assert lms.export(course, "moodle").read_text().replace("\r\n", "\n") == MOODLE.format(quiz="")
    with Gradebook(course.gradebook_url) as gradebook:  # the instructor grades the written answers in Formgrader
        submission = gradebook.find_submission(QUIZ, "quizzer")
        auto = submission.score
        for grade in [g for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade]:
            grade.manual_score, grade.needs_manual_grade = 0.5, False  # what Formgrader's grade API stores
        gradebook.db.commit()
    total = f"{auto + 1.0:g}"
    assert lms.export(course, "canvas").read_text().replace("\r\n", "\n") == CANVAS.format(quiz=total)
    assert lms.export(course, "moodle").read_text().replace("\r\n", "\n") == MOODLE.format(quiz=total)
    assert exchange.pending_answers(course, [QUIZ]) == {}


def test_bad_input_is_refused_with_the_fix_and_the_gradebook_unchanged(term, tmp_path):
    course, due = term
    database = course.root / "gradebook.db"
    before = digest(database)
    schedule = (course.root / "schedule.toml").read_text()
    cases = [
        (("extend", "--student", "nobody", "--assignment", WEEK, "--until", "2099-01-01T00:00"), "unknown student"),
        (("extend", "--student", "late", "--assignment", WEEK, "--until", "next week"), "is not a date and time"),
        (("grades", "--format", "blackboard"), "unknown FORMAT 'blackboard': choose one of canvas, moodle"),
        (("autograde", "--assignments", WEEK, "--students", "ghost"), "STUDENTS= names ['ghost']"),
        (("feedback", "--students", "absent"), "STUDENTS= names ['absent']"),
    ]
    for args, message in cases:
        result = grading_cli(course, *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    for bad, message in [
        (f'{WEEK} = "2020-01-01 00:00"', "due date in the past"),
        (f'{WEEK} = "the Friday after next"', "is not a date and time"),
    ]:
        (course.root / "schedule.toml").write_text(f'timezone = "UTC"\n[due]\n{bad}\n')
        result = grading_cli(course, "release", WEEK)
        assert result.returncode == 2 and message in result.stderr and "schedule.toml" in result.stderr, result.stderr
    (course.root / "schedule.toml").write_text(schedule)
    assert digest(database) == before


def test_a_past_due_date_is_refused_with_an_example_in_the_future():
    now = datetime(2026, 12, 7, 0, 12, tzinfo=timezone.utc)
    with pytest.raises(deadlines.ScheduleError) as refused:
        deadlines.check_future({WEEK: now - timedelta(days=30)}, [WEEK], now=now)
    assert f'{WEEK} = "2026-12-14 23:59"' in str(refused.value) and "schedule.toml" in str(refused.value)


def test_a_download_takes_its_time_from_the_file_name_or_submitted_at(tmp_path):
    course = copy_course(tmp_path / "course")
    (course.root / "schedule.toml").write_text('timezone = "Europe/Berlin"\n')
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    notebook = (REPO_ROOT / "notebooks" / WEEK / NOTEBOOK).read_bytes()
    (downloads / f"s1_20261019-2359_{NOTEBOOK}").write_bytes(notebook)
    (downloads / f"s2_x_{NOTEBOOK}").write_bytes(notebook)
    pattern = r"^(?P<student>[a-z0-9]+)_(?:(?P<submitted>\d{8}-\d{4})_)?"
    result = collect.collect_downloads(course, downloads, WEEK, pattern, submitted_at="2026-10-20T08:00")
    assert not result.problems, result.problems
    assert deadlines.submitted_at(course, "s1", WEEK) == datetime(2026, 10, 19, 21, 59)  # CEST is UTC+2
    assert deadlines.submitted_at(course, "s2", WEEK) == datetime(2026, 10, 20, 6, 0)
    assert load(downloads / f"s2_x_{NOTEBOOK}") == load(course.submitted / "s2" / WEEK / NOTEBOOK)


def test_an_extension_given_after_grading_counts_at_the_next_grades(term):
    course, due = term
    deadlines.extend(course, "late", WEEK, f"{due + timedelta(days=3):%Y-%m-%d %H:%M}")
    grades.export(course)
    row = next(r for r in csv.DictReader(open(course.reports / "grades.csv")) if r["student"] == "late")
    assert (row["score"], row["late_penalty"]) == ("4", "0"), row
