"""`make demo` ends with the class report: its numbers checked against the gradebook and the recorded verdicts.

The demo batch (tests/conftest.py) grades alice, bob, carol, the broken and hidden-failure submissions of
test_pipeline and the quiz students of test_quizzes; the report is written at its end.
"""

import json
import re
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.pipeline import class_stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bench_report  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
# carol's bugs (grading.pipeline.demo.BUGS) that the grader's own reason diagnoses, and the finding it is filed under
CAROL = {
    ("week2_logistic_regression", "propagate"): "missing 1/m",
    ("week4_deep_network_step_by_step", "linear_backward"): "off by a factor m (also another size)",  # A_prev is 3x3
}


@pytest.fixture
def demo_report(demo_batch):
    course, statuses, _, _, _ = demo_batch
    return course, {(s.student, s.assignment): s for s in statuses}, course.reports / "class"


def glance(folder):
    """``{assignment: [submitted, on time, late, missing, ungradable, pending manual, median]}`` of the index."""
    text = (folder / "index.html").read_text()
    table = text.split('class="glance"')[1].split("</table>")[0]
    rows = re.findall(r'\.html">([^<]+)</a></td><td>[^<]*</td>((?:<td class="n">[^<]*</td>)+)', table)
    return {name: re.findall(r'<td class="n">([^<]*)</td>', cells) for name, cells in rows}


def test_the_demo_writes_the_report_for_instructors_only(demo_report):
    course, _, folder = demo_report
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())
    assert {p.name for p in folder.glob("*.html")} == {"index.html"} | {f"{a}.html" for a in course.assignments()}


def test_the_report_counts_what_the_gradebook_holds(demo_report):
    course, statuses, folder = demo_report
    rows = glance(folder)
    with Gradebook(course.gradebook_url) as gradebook:
        students = {s.id for s in gradebook.students}
        for assignment in gradebook.assignments:
            submitted = {s.student_id for s in gradebook.assignment_submissions(assignment.name)}
            submitted |= {who for who, a in statuses if a == assignment.name}
            pending = sum(
                s.needs_manual_grade
                for s in gradebook.assignment_submissions(assignment.name)
                if statuses.get((s.student_id, assignment.name)) and statuses[(s.student_id, assignment.name)].graded
            )
            ungradable = sum(1 for (_, a), s in statuses.items() if a == assignment.name and not s.graded)
            got = rows[assignment.name]
            assert got[0] == str(len(submitted)) and got[1] == str(len(submitted)) and got[2] == "0"
            assert got[3] == str(len(students | {w for w, _ in statuses}) - len(submitted))
            assert got[4] == str(ungradable) and got[5] == str(pending), (assignment.name, got)


def test_each_exercise_share_and_finding_match_the_gradebook_and_the_verdicts(demo_report):
    course, statuses, folder = demo_report
    with Gradebook(course.gradebook_url) as gradebook:
        for assignment in course.assignments():
            found = bench_report.findings(folder, assignment)
            cells = {}
            for submission in gradebook.assignment_submissions(assignment):
                status = statuses.get((submission.student_id, assignment))
                if not (status and status.graded):
                    continue
                for notebook in submission.notebooks:
                    path = course.autograded / submission.student_id / assignment / f"{notebook.name}.ipynb"
                    verdicts = json.loads(path.read_text())["metadata"]["nn_from_scratch_verdicts"]
                    for grade in notebook.grades:
                        if grade.cell_type == "code":
                            passed = grade.score == grade.max_score
                            reason = verdicts.get(grade.name, {}).get("reason", "")
                            cells.setdefault(grade.name.removeprefix("test_"), []).append((passed, reason))
            assert set(found) == set(cells), assignment
            for exercise, results in cells.items():
                graded, passed, top, count = found[exercise]
                assert (graded, passed) == (len(results), sum(p for p, _ in results)), (assignment, exercise)
                tally = {}
                for _, reason in (r for r in results if not r[0]):
                    tally[class_stats.finding(reason)] = tally.get(class_stats.finding(reason), 0) + 1
                assert count == max(tally.values(), default=0), (assignment, exercise, tally)
            shares = [found[e][1] / found[e][0] for e in found]
            order = re.findall(r'data-exercise="([^"]+)"', (folder / f"{assignment}.html").read_text())
            assert [found[e][1] / found[e][0] for e in order] == sorted(shares), assignment


def test_carols_bugs_are_named_as_the_grader_diagnosed_them(demo_report):
    _, _, folder = demo_report
    for (assignment, exercise), finding in CAROL.items():
        page = (folder / f"{assignment}.html").read_text()
        row = re.search(rf'data-exercise="{exercise}".*?</tr>', page, re.S).group(0)
        assert f'data-finding="{finding}" data-count="1"' in row, (assignment, exercise, row[:2000])


def test_no_written_answer_reaches_the_report(demo_report):
    _, _, folder = demo_report
    pages = "".join(p.read_text() for p in folder.iterdir())
    assert "I am not sure" not in pages
