"""Quizzes: the release holds no answer key, and every question is graded right in release -> autograde.

Two students answer every quiz, and are graded in the same batch as the demo round trip
(``demo_batch`` in conftest.py, so the quizzes are released and graded once): right answers written in
other accepted forms (upper case, floats), and wrong answers (of the right form for even questions, of a
wrong form for odd ones). The demo's bob submits the untouched release; alice the solved quizzes.
"""
import ast
import json
import re

import pytest
from nbgrader.api import Gradebook

from grading.course import REPO_ROOT
from grading.notebook_cells import grade_cells, load, nbgrader_meta, source_text, strip_markers
from grading.pipeline import submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]  # shares the demo batch
QUIZZES = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*_quiz") if any(p.glob("*.ipynb")))
ANSWER = re.compile(r"^answer_q(\d+)$")


def quiz_notebook(assignment):
    (path,) = (REPO_ROOT / "notebooks" / assignment).glob("*.ipynb")
    return path.name, load(path)


def answer_key(notebook):
    """``{grade_id: answer}`` of the auto-graded answer cells of a source quiz."""
    key = {}
    for cell in notebook["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and ANSWER.match(meta["grade_id"]):
            (statement,) = ast.parse(strip_markers(source_text(cell))).body
            key[meta["grade_id"]] = ast.literal_eval(statement.value)
    return key


def variant(value):
    """The right answer written another accepted way."""
    return f" {value.upper()} " if isinstance(value, str) else float(value)


def wrong(value):
    """A wrong answer of the right form."""
    return ("b" if value == "a" else "a") if isinstance(value, str) else value + 1


def malformed(value):
    """An answer of the wrong form: a letter outside the choices, a number in quotes."""
    return "z" if isinstance(value, str) else str(value)


def wrong_or_malformed(grade_id, value):
    return (wrong if int(ANSWER.match(grade_id).group(1)) % 2 == 0 else malformed)(value)


def answered(released, key, transform, written_text):
    """The release with each answer cell set to ``transform(grade_id, right answer)``."""
    notebook = json.loads(json.dumps(released))
    for cell in notebook["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id") in key:
            cell["source"] = f"{meta['grade_id']} = {transform(meta['grade_id'], key[meta['grade_id']])!r}\n"
        elif meta.get("solution") and cell["cell_type"] == "markdown":
            cell["source"] = written_text
    return notebook


BLANK = "bob"  # the demo student who submits the untouched release
STUDENTS = {  # student: (transform of the key, are the auto-graded answers right?)
    "right": (lambda grade_id, value: variant(value), True),
    "wrong": (wrong_or_malformed, False),
}


def add_quiz_students(course):
    """Submit every released quiz for the students of :data:`STUDENTS` (called before the demo batch is graded)."""
    for assignment in QUIZZES:
        name, source = quiz_notebook(assignment)
        released = load(course.release_dir / assignment / name)
        key = answer_key(source)
        for student, (transform, _) in STUDENTS.items():
            submissions.write(course, student, assignment, name,
                              answered(released, key, transform, "I am not sure.\n"))


@pytest.fixture
def graded(demo_batch):
    course, statuses, _, _, _ = demo_batch
    return course, {(s.student, s.assignment): s for s in statuses}


def test_there_is_a_quiz_per_week():
    weeks = {int(re.match(r"week(\d+)_quiz$", q).group(1)) for q in QUIZZES}
    assert weeks >= {1, 2, 3, 4}, QUIZZES


@pytest.mark.parametrize("assignment", QUIZZES)
def test_quiz_has_enough_questions(assignment):
    _, notebook = quiz_notebook(assignment)
    metas = [nbgrader_meta(c) for c in notebook["cells"]]
    auto = [m for m in metas if m.get("grade") and not m.get("solution")]
    written = [m for m in metas if m.get("grade") and m.get("solution")]
    assert len(auto) + len(written) >= 8 and len(auto) >= 6, f"{len(auto)} auto-graded, {len(written)} written"
    assert len(answer_key(notebook)) == len(auto)
    for cell in notebook["cells"]:
        if nbgrader_meta(cell).get("grade") and nbgrader_meta(cell).get("solution"):
            assert cell["cell_type"] == "markdown" and "**Rubric" in source_text(cell), nbgrader_meta(cell)["grade_id"]


def test_release_holds_no_answer_key(graded):
    course, _ = graded
    for assignment in QUIZZES:
        name, source = quiz_notebook(assignment)
        text = (course.release_dir / assignment / name).read_text(encoding="utf-8")
        for grade_id in answer_key(source):
            assert not re.search(rf"{grade_id}\s*=", text.replace(f"`{grade_id} = ", "")), \
                f"{assignment}: the release assigns {grade_id}"
        for secret in ("Answer key", "Rubric", "Model answer", "check_reference(ASSIGNMENT"):
            assert secret not in text, f"{assignment}: the release contains {secret!r}"


def test_every_quiz_submission_is_graded_not_ungradable(graded):
    _, statuses = graded  # the shared batch also holds test_pipeline's broken notebooks, in other assignments
    problems = [s.line() for (_, assignment), s in statuses.items() if assignment in QUIZZES and not s.graded]
    assert len([a for _, a in statuses if a in QUIZZES]) == len(QUIZZES) * (3 + len(STUDENTS)), sorted(statuses)  # alice, bob, carol too
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("assignment", QUIZZES)
def test_each_question_gets_exactly_its_points(graded, assignment):
    course, _ = graded
    name, source = quiz_notebook(assignment)
    points = grade_cells(source)
    right = {BLANK: False, **{s: ok for s, (_, ok) in STUDENTS.items()}}
    with Gradebook(course.gradebook_url) as gradebook:
        for student, is_right in right.items():
            for grade_id, maximum in points.items():
                grade = gradebook.find_grade(grade_id, name.removesuffix(".ipynb"), assignment, student)
                assert grade.auto_score == (maximum if is_right else 0.0), \
                    f"{assignment} {student} {grade_id}: {grade.auto_score} of {maximum}"
            written = [c for c in source["cells"] if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
            for cell in written:
                grade = gradebook.find_grade(nbgrader_meta(cell)["grade_id"], name.removesuffix(".ipynb"), assignment, student)
                if student == BLANK:
                    assert grade.auto_score == 0.0  # nbgrader scores an untouched answer 0
                else:
                    assert grade.auto_score is None and grade.needs_manual_grade


def test_graded_notebook_explains_each_answer(graded):
    course, _ = graded
    for assignment in QUIZZES:
        name, source = quiz_notebook(assignment)
        notebook = load(course.autograded / "wrong" / assignment / name)
        tests = [c for c in notebook["cells"] if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]
        for cell in tests:
            text = "".join("".join(o["text"]) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            assert "Answer key: " in text, f"{assignment} {nbgrader_meta(cell)['grade_id']}: no explanation in {text!r}"


def test_choice_accepts_case_spaces_and_parentheses_and_names_the_choices():
    from course_utils.checks import CheckFailure
    from course_utils.quiz import choice

    assert [choice(a, "abcd", name="answer_q1") for a in ("b", " B ", "(c)")] == ["b", "b", "c"]
    for bad in ("e", "ab", "", 2, None):
        with pytest.raises(CheckFailure, match=r'answer_q1 should .*"a", "b", "c", "d"'):
            choice(bad, "abcd", name="answer_q1")


def test_number_accepts_ints_and_floats_only():
    import numpy as np

    from course_utils.checks import CheckFailure
    from course_utils.quiz import number

    assert number(12, name="answer_q2") == 12.0 and number(np.float64(0.25), name="answer_q2") == 0.25
    with pytest.raises(CheckFailure, match="without quotes"):
        number("12", name="answer_q2")
    for bad in (True, None, float("nan"), [1]):
        with pytest.raises(CheckFailure, match="answer_q2 should be a"):
            number(bad, name="answer_q2")
