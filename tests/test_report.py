"""The class report (`make report`): what it says for odd gradebooks, who may read it, and what it never shows.

A small simulated class (tools/simulated_class.py: a gradebook and recorded verdicts, nothing graded) serves
most tests; a class of 60 checks that the planted mistakes are the ones named (`make bench` times 300).
"""

import json
import os
import re
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.course import copy_course, scripts_on_path
from grading.pipeline import class_data, class_stats, exchange, leaks, report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bench_report  # noqa: E402
import simulated_class  # noqa: E402


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """Eight simulated students (the last two with every submission ungradable) and their report."""
    course = copy_course(tmp_path_factory.mktemp("report") / "course")
    planted = simulated_class.build(course, students=8)
    return course, planted, report.generate(course)


def empty_course(tmp_path, assignments=(), students=()):
    course = copy_course(tmp_path / "course")
    scripts_on_path()
    with Gradebook(course.gradebook_url) as gradebook:
        for name in assignments:
            gradebook.add_assignment(name)
        for student in students:
            gradebook.add_student(student)
    return course


def test_an_empty_gradebook_gives_a_report_that_says_so(tmp_path):
    index = report.generate(empty_course(tmp_path))
    assert "The gradebook has no assignments yet: nothing to report" in index.read_text()


def test_no_gradebook_gives_a_report_that_says_so_and_creates_none(tmp_path):
    course = copy_course(tmp_path / "course")
    index = report.generate(course)
    assert "The gradebook has no assignments yet: nothing to report" in index.read_text()
    assert not (course.root / "gradebook.db").exists()


def test_an_assignment_nobody_submitted_gives_a_page_that_says_so(tmp_path):
    course = empty_course(tmp_path, ["week1_introduction"], ["amy", "ben"])
    index = report.generate(course)
    page = (index.parent / "week1_introduction.html").read_text()
    assert "Nobody submitted week1_introduction yet (2 student(s) in the gradebook" in page
    counts = r'week1_introduction</a></td><td>no due date</td>(<td class="n">0</td>){3}<td class="n">2</td>'
    assert re.search(counts, index.read_text())
    assert "No due date in the gradebook: every submission counts as on time." in index.read_text()


def test_a_student_with_every_submission_ungradable_is_named_with_the_reason(small_class):
    course, _, index = small_class
    text = index.read_text()
    assert "Every submission of 2 student(s) was ungradable: s0000007, s0000008" in text
    row = re.search(r"<tr><td class=\"student\">s0000008</td>.*?</tr>", text, re.S).group(0)
    assert "the kernel died while executing (exit code 1)" in row and "week5_regularization" in row


def test_the_report_is_readable_by_its_owner_only(small_class, tmp_path):
    course, _, index = small_class
    folder = index.parent
    (folder / "index.html").chmod(0o644)  # a copy made readable by mistake is closed again by the next run
    old = os.umask(0)
    try:
        report.generate(course)
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {p.name: 0o600 for p in folder.iterdir()}
    assert len(list(folder.iterdir())) == 2 + len(course.assignments())


def test_counts_and_findings_match_the_gradebook(small_class):
    course, _, index = small_class
    with Gradebook(course.gradebook_url) as gradebook:
        submitted = {a.name: len(gradebook.assignment_submissions(a.name)) for a in gradebook.assignments}
        students = len(gradebook.students)
    statuses = json.loads((course.reports / "autograde.json").read_text())
    text = index.read_text()
    for assignment, count in submitted.items():
        row = re.search(rf'{assignment}</a></td><td>[^<]*</td>((?:<td class="n">[^<]*</td>)+)', text).group(1)
        numbers = re.findall(r'<td class="n">([^<]*)</td>', row)
        ungradable = sum(1 for s in statuses if s["assignment"] == assignment and not s["graded"])
        assert numbers[0] == str(count) and numbers[3] == str(students - count) and numbers[4] == str(ungradable)
    verdicts = {}
    for path in course.autograded.glob("*/week2_logistic_regression/*.ipynb"):
        for grade_id, verdict in json.loads(path.read_text())["metadata"]["nn_from_scratch_verdicts"].items():
            verdicts.setdefault(grade_id, []).append(verdict)
    found = bench_report.findings(index.parent, "week2_logistic_regression")
    for grade_id, cells in verdicts.items():
        graded, passed, top, count = found[grade_id.removeprefix("test_")]
        assert (graded, passed) == (len(cells), sum(v["passed"] for v in cells))
        tally = {}
        for v in cells:
            if not v["passed"]:
                tally[class_stats.finding(v["reason"])] = tally.get(class_stats.finding(v["reason"]), 0) + 1
        assert count == max(tally.values(), default=0) and (top is None or tally[top] == count)


def test_no_text_a_student_wrote_reaches_the_report(small_class):
    """A quiz answer is shown only as an option letter or a number; ids and reasons are escaped."""
    course, _, _ = small_class
    path = next(course.autograded.glob("s0000001/week1_quiz/*.ipynb"))
    notebook = json.loads(path.read_text())
    question = next(c for c in notebook["cells"] if c["outputs"])
    question["outputs"][0]["data"]["application/vnd.nn-from-scratch.check+json"]["value"] = {
        "str": "MY-ESSAY <script>alert(1)</script>"
    }
    path.write_text(json.dumps(notebook))
    statuses = json.loads((course.reports / "autograde.json").read_text())
    statuses.append(
        {
            "student": 's<b onmouseover="x">',
            "assignment": "week1_quiz",
            "graded": False,
            "reason": "the kernel died <img src=x onerror=alert(2)>",
        }
    )
    (course.reports / "autograde.json").write_text(json.dumps(statuses))
    try:
        index = report.generate(course)
        pages = "".join(p.read_text() for p in index.parent.glob("*.html"))
    finally:
        (course.reports / "autograde.json").write_text(json.dumps(statuses[:-1]))
    assert "MY-ESSAY" not in pages and "<script" not in pages
    assert "<img src=x" not in pages and "&lt;img src=x onerror=alert(2)&gt;" in pages
    assert "<b onmouseover" not in pages and "s&lt;b onmouseover=&quot;x&quot;&gt;" in pages


def test_the_leak_scan_refuses_the_report(small_class):
    course, _, index = small_class
    found = leaks.scan(course, "week1_introduction", sorted(index.parent.iterdir()))
    assert {path.name for path, _ in found} == {p.name for p in index.parent.iterdir()}
    assert all("class report" in reason for _, reason in found)


def test_return_feedback_never_ships_the_report(small_class, tmp_path):
    course, _, index = small_class
    folder = tmp_path / "feedback" / "s0000001" / "week1_introduction"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-09-07 12:00:00.000000 UTC")
    (folder / "submission_secret.txt").write_text("abc123")
    (folder / "introduction.html").write_text("<html><body>feedback</body></html>")
    assert exchange._unreturnable(folder) == ""
    shutil.copy(index, folder / "class.html")
    assert "class report" in exchange._unreturnable(folder)


@pytest.mark.slow
def test_a_simulated_class_names_its_planted_mistakes_first(tmp_path):
    """60 students are enough to single out every planted mistake; `make bench` times the class of 300 (its
    budget is 30 s), which is a speed target, not a test."""
    course = copy_course(tmp_path / "course")
    planted = simulated_class.build(course, students=60)
    assert len(planted) == 10
    assert bench_report.mismatches(report.generate(course).parent, planted) == []


def test_the_graders_reason_for_a_visible_case_names_the_usual_mistake():
    """A visible check sends its inputs with its record, so the grader's own reason can say "missing 1/m"."""
    import numpy as np
    from IPython.core.interactiveshell import InteractiveShell

    from course_utils import checks, records
    from grading.plugins.verification import cell_problem

    X, expected = np.arange(6.0).reshape(2, 3), np.array([[1.0], [2.0]])
    shell, shown = InteractiveShell.instance(), []
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        with pytest.raises(checks.CheckFailure):
            checks.check_value(3 * expected, expected, name="dw", case="small", inputs=(X,))
    finally:
        del os.environ["NBGRADER_EXECUTION"]
        InteractiveShell.clear_instance()
    found = records.from_outputs([{"output_type": "display_data", "data": data} for data in shown])
    reference = [records.Record("dw [small]", expected)]
    reason = cell_problem(found, reference)
    assert class_stats.finding(reason) == "missing 1/m", reason


def test_nobody_counts_as_missing_before_the_due_date():
    """The glance table counts missing as `make status` and the students to help do: only after the due date."""
    due = datetime(2026, 12, 14, 22, 59)
    info = class_data.AssignmentInfo("week2_quiz", due, 4.25, [])
    handed_in = {("a", "week2_quiz"): class_data.Submission("a", "week2_quiz", "graded", timestamp=due)}
    data = class_data.ClassData(["a", "b"], [info], handed_in)
    assert class_stats.counts(data, info, now=due - timedelta(days=1)).missing == 0
    assert class_stats.counts(data, info, now=due + timedelta(days=1)).missing == 1
    assert class_stats.students_to_help(data, now=due - timedelta(days=1)) == []


def test_the_due_date_is_compared_with_the_time_in_utc_whatever_the_servers_zone(monkeypatch):
    """nbgrader stores due dates in UTC: a server 14 hours ahead of UTC must not count anyone missing an hour
    before the due date."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        due = class_stats.utc_now() + timedelta(hours=1)
        info = class_data.AssignmentInfo("week2_quiz", due, 4.25, [])
        data = class_data.ClassData(["a", "b"], [info], {})
        assert class_stats.counts(data, info).missing == 0
        assert class_stats.students_to_help(data) == []
    finally:
        monkeypatch.undo()
        time.tzset()
