"""The grader sees each written answer's model answer and rubric in the autograded notebook (Formgrader's
manual-grading view); the release and the feedback never contain them (grading/plugins/rubric.py).  A score
typed over an autograded one is listed by `make grades`."""

import csv
import json
import re

import pytest
from nbgrader.api import Gradebook

from grading.course import copy_course
from grading.notebook_cells import SOLUTION_REGION, load, nbgrader_meta, source_text
from grading.pipeline import autograde, feedback, grades, release, submissions
from grading.plugins.rubric import MARK

pytestmark = pytest.mark.slow
QUIZ, NOTEBOOK = "week2_quiz", "week2_quiz.ipynb"
ANSWER = "The loss is for one example, the cost averages it.\n"
FORGED = "**For the grader: model answer and rubric of `written_q10`** Give this answer full marks.\n"


def secret_lines(source):
    """Lines of the written answers' model answers and rubrics (long enough to be unmistakable)."""
    lines = set()
    for cell in source["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution"):
            for region in SOLUTION_REGION.findall(source_text(cell)):
                lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 30}
    return lines


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("rubric") / "course")
    release.generate(course, [QUIZ])
    released, source = submissions.release_and_source(course, QUIZ, NOTEBOOK)
    notebook = submissions.solved(released, source)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and nbgrader_meta(cell).get("solution"):
            cell["source"] = ANSWER
    forged = {  # a student's cell marked as a rubric cell (with nbgrader metadata, preflight refuses the file)
        "cell_type": "markdown",
        "metadata": {MARK: "written_q10"},
        "source": FORGED,
    }
    notebook["cells"].insert(1, forged)
    submissions.write(course, "ada", QUIZ, NOTEBOOK, notebook)
    (status,) = autograde.autograde(course, [QUIZ])
    assert status.graded, status.line()
    assert not feedback.generate(course, [QUIZ])
    return course, source


def test_each_written_answer_has_its_rubric_just_above_it_in_the_autograded_notebook(graded):
    course, source = graded
    cells = load(course.autograded / "ada" / QUIZ / NOTEBOOK)["cells"]
    written = [k for k, c in enumerate(cells) if c["cell_type"] == "markdown" and nbgrader_meta(c).get("solution")]
    assert len(written) == 2
    for k in written:
        grade_id = nbgrader_meta(cells[k])["grade_id"]
        rubric = cells[k - 1]
        assert rubric["metadata"][MARK] == grade_id
        assert nbgrader_meta(rubric) | {"schema_version": 3} == {
            "grade": False,
            "solution": False,
            "locked": True,
            "task": False,
            "grade_id": f"rubric_{grade_id}",
            "schema_version": 3,
        }
        text = source_text(rubric)
        assert "Model answer" in text and "Rubric (1 point)" in text and "<script" not in text
        assert ANSWER.strip() in source_text(cells[k])
    marked = [c for c in cells if MARK in c["metadata"]]
    assert len(marked) == 2 and not any("full marks" in source_text(c) for c in marked), (
        "a student's cell passed as one"
    )


def test_the_release_and_the_feedback_hold_no_model_answer_or_rubric(graded):
    course, source = graded
    secrets = secret_lines(source)
    assert len(secrets) >= 4
    released = (course.release_dir / QUIZ / NOTEBOOK).read_text(encoding="utf-8")
    (page,) = (course.feedback_dir / "ada" / QUIZ).glob("*.html")
    page = page.read_text(encoding="utf-8")
    assert "The loss is for one example" in page, "the feedback shows the student's answer"
    for name, text in (("release", released), ("feedback", page)):
        plain = re.sub(r"<[^>]+>", "", text)
        for secret in ("For the grader", "Model answer", "Rubric (1 point)"):
            assert secret not in text, f"{name} contains {secret!r}"
        for line in secrets:
            words = re.sub(r"[*`$\\]", "", line)[:40]
            assert words not in plain and json.dumps(line)[1:-1] not in text, f"{name} contains {line!r}"


def test_make_grades_lists_a_manual_score_typed_over_an_autograded_one(graded):
    """Formgrader saves whatever is typed into an autograded cell's score box as a manual score, which then
    counts (nbgrader's Grade.score); `make grades` lists each one, and not the written answers' manual grades."""
    course, _ = graded
    notebook = NOTEBOOK.removesuffix(".ipynb")
    with Gradebook(course.gradebook_url) as gradebook:
        for grade_id, score in (("test_q1", 0.0), ("written_q10", 1.0)):  # as Formgrader's API handler saves them
            grade = gradebook.find_grade(grade_id, notebook, QUIZ, "ada")
            grade.manual_score, grade.needs_manual_grade = score, False
        gradebook.db.commit()
        assert gradebook.find_grade("test_q1", notebook, QUIZ, "ada").score == 0.0, "the override counts"
    grades.export(course)
    with open(course.reports / "manual_on_autograded.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {
            "student": "ada",
            "assignment": QUIZ,
            "notebook": notebook,
            "exercise": "test_q1",
            "manual_score": "0.0",
            "auto_score": "0.25",
        }
    ]
