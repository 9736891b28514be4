"""Quizzes: no key reaches a release or a kernel, the questions are fair, and every one is graded right.

Two students answer every quiz, and are graded in the same batch as the demo round trip
(``demo_batch`` in conftest.py, so the quizzes are released and graded once): right answers written in
other accepted forms (upper case, floats), and wrong answers (of the right form for even questions, of a
wrong form for odd ones). The demo's bob submits the untouched release; alice the solved quizzes.  The same
batch grades the quiz-key attack of tests/bad_submissions.py (``bs.quiz_fixtures``) with its two controls.
"""

import ast
import json
import math
import re
from collections import Counter

import bad_submissions as bs
import pytest
from nbgrader.api import Gradebook

from course_utils.records import read_reference, reference_path
from grading import explanations
from grading.course import REPO_ROOT
from grading.notebook_cells import (
    HIDDEN_REGION,
    SOLUTION_REGION,
    grade_cells,
    is_test_cell,
    load,
    nbgrader_meta,
    source_text,
    strip_markers,
)
from grading.pipeline import submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]  # shares the demo batch
QUIZZES = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*_quiz") if any(p.glob("*.ipynb")))
ANSWER = re.compile(r"^answer_q(\d+)$")
QUESTION = re.compile(r"^### Question (\d+) \(")
OPTION = re.compile(r"^- \(([a-z])\) (.+)$", re.M)


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
            submissions.write(course, student, assignment, name, answered(released, key, transform, "I am not sure.\n"))


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
    auto = [nbgrader_meta(c) for c in notebook["cells"] if is_test_cell(c)]
    written = [m for m in metas if m.get("grade") and m.get("solution")]
    assert len(auto) + len(written) >= 8 and len(auto) >= 6, f"{len(auto)} auto-graded, {len(written)} written"
    assert len(answer_key(notebook)) == len(auto)
    for cell in notebook["cells"]:
        if nbgrader_meta(cell).get("grade") and nbgrader_meta(cell).get("solution"):
            assert cell["cell_type"] == "markdown" and "**Rubric" in source_text(cell), nbgrader_meta(cell)["grade_id"]


def multiple_choice(notebook):
    """``[(question, key letter, {letter: option text})]`` of a source quiz's multiple-choice questions."""
    key = answer_key(notebook)
    found = []
    for cell in notebook["cells"]:
        heading = QUESTION.match(source_text(cell)) if cell["cell_type"] == "markdown" else None
        options = dict(OPTION.findall(source_text(cell)))
        if heading and options:
            found.append((int(heading.group(1)), key[f"answer_q{heading.group(1)}"], options))
    return found


@pytest.mark.parametrize("assignment", QUIZZES)
def test_no_letter_is_the_key_of_more_than_a_third_of_the_week(assignment):
    """Rounded up: a week of 4 to 6 multiple-choice questions uses each letter at most twice."""
    questions = multiple_choice(quiz_notebook(assignment)[1])
    assert questions and all(sorted(options) == list("abcd") for _, _, options in questions)
    counts = Counter(key for _, key, _ in questions)
    assert max(counts.values()) <= math.ceil(len(questions) / 3), counts


def test_every_letter_is_a_key_about_as_often_over_the_course():
    keys = [key for a in QUIZZES for _, key, _ in multiple_choice(quiz_notebook(a)[1])]
    counts = Counter(keys)
    assert set(counts) == set("abcd") and all(len(keys) / 6 <= n <= len(keys) / 3 for n in counts.values()), counts


def test_the_key_is_not_the_longest_or_shortest_option_more_often_than_chance():
    """Over the course, the key is among the longest options no more often than a letter drawn at random would
    be (ties count for every tied option), the same for the shortest, and never stands out by its length."""
    longest = shortest = chance_longest = chance_shortest = 0
    for assignment in QUIZZES:
        for question, key, options in multiple_choice(quiz_notebook(assignment)[1]):
            lengths = {letter: len(text) for letter, text in options.items()}
            top, bottom = max(lengths.values()), min(lengths.values())
            longest += lengths[key] == top
            shortest += lengths[key] == bottom
            chance_longest += list(lengths.values()).count(top) / len(lengths)
            chance_shortest += list(lengths.values()).count(bottom) / len(lengths)
            others = max(n for letter, n in lengths.items() if letter != key)
            assert lengths[key] <= 1.2 * others, f"{assignment} Q{question}: the key is the longest by far {lengths}"
    assert longest <= chance_longest, f"the key is the longest option in {longest} questions (chance: {chance_longest})"
    assert shortest <= chance_shortest, f"the key is the shortest in {shortest} questions (chance: {chance_shortest})"


def numbers(text):
    """The numeric tokens of a text (not parts of names such as ``q1`` or of numbers such as ``1e-06``)."""
    return set(re.findall(r"(?<![\w.-])-?\d+(?:\.\d+)?(?![\w.])", text))


@pytest.mark.parametrize("assignment", QUIZZES)
def test_no_key_or_explanation_is_in_a_cell_the_kernel_runs(assignment):
    """Under grading the kernel runs the student's answer cells and every other code cell of the source, hidden tests
    included (a hook can read them before they run): none may hold an answer's key or its explanation."""
    _, source = quiz_notebook(assignment)
    key, why = answer_key(source), explanations.written(source)
    assert set(why) == {f"test_{g.removeprefix('answer_')}" for g in key}, "every auto-graded answer needs a # Why:"
    run = "\n".join(SOLUTION_REGION.sub("", source_text(c)) for c in source["cells"] if c["cell_type"] == "code")
    assert "Answer key" not in run and "Why:" not in run
    for text in why.values():
        assert text[:40] not in run, text
    for cell in source["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id", "")
        if grade_id.startswith("test_"):
            value = key[f"answer_{grade_id.removeprefix('test_')}"]
            text = "\n".join(HIDDEN_REGION.findall(source_text(cell)))
            if isinstance(value, str):
                assert not re.search(rf"['\"]{value}['\"]", text), f"{assignment} {grade_id}: the key {value!r}"
            else:
                written = {f"{value:g}", f"{float(value)!r}"}
                assert not written & numbers(text), f"{assignment} {grade_id}: the key {value}"


@pytest.mark.parametrize("assignment", QUIZZES)
def test_the_reference_explains_each_answer_with_its_key(assignment):
    name, source = quiz_notebook(assignment)
    reference = read_reference(reference_path(assignment, name))
    assert reference["explanations"] == explanations.lines(source, reference["cells"])
    for grade_id, text in reference["explanations"].items():
        value = answer_key(source)[f"answer_{grade_id.removeprefix('test_')}"]
        key = explanations.key_text(value if isinstance(value, str) else float(value))
        assert text.startswith(f"Answer key: {key}. "), text


@pytest.mark.parametrize("assignment", QUIZZES)
def test_each_rubric_has_a_rule_and_a_sample_answer_per_score_level(assignment):
    _, notebook = quiz_notebook(assignment)
    for cell in notebook["cells"]:
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") and meta.get("solution")):
            continue
        points = meta["points"]
        text = source_text(cell)
        assert f"**Rubric ({points:g} point" in text, meta["grade_id"]
        levels = [points - 0.5 * k for k in range(int(points / 0.5) + 1)]
        blocks = re.split(r"^- \*\*", text.split("**Rubric", 1)[1], flags=re.M)[1:]
        assert [float(b.split(" point")[0]) for b in blocks] == levels, (meta["grade_id"], blocks)
        for block in blocks:
            rule, _, sample = block.partition("*Sample:*")
            assert len(rule) > 30 and len(sample.strip().strip('"')) > 30, (meta["grade_id"], block)


def test_quiz_points_follow_the_work():
    """Auto-graded questions 0.25 points, written ones 1 (see the README): the quizzes are about a fifth of the
    course's points for about an eighth of its work."""
    quiz = course = 0.0
    for path in (REPO_ROOT / "notebooks").glob("*/*.ipynb"):
        points = sum(grade_cells(load(path)).values()) + sum(
            nbgrader_meta(c)["points"]
            for c in load(path)["cells"]
            if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
        )
        course += points
        quiz += points if path.parent.name in QUIZZES else 0.0
    for assignment in QUIZZES:
        for cell in quiz_notebook(assignment)[1]["cells"]:
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                assert meta["points"] == (1 if meta.get("solution") else 0.25), (assignment, meta["grade_id"])
    assert 0.12 <= quiz / course <= 0.25, f"quizzes {quiz:g} of {course:g} points"


def test_release_holds_no_answer_key(graded):
    course, _ = graded
    for assignment in QUIZZES:
        name, source = quiz_notebook(assignment)
        text = (course.release_dir / assignment / name).read_text(encoding="utf-8")
        for grade_id in answer_key(source):
            assert not re.search(rf"{grade_id}\s*=", text.replace(f"`{grade_id} = ", "")), (
                f"{assignment}: the release assigns {grade_id}"
            )
        for secret in ("Answer key", "Rubric", "Model answer", "check_reference(ASSIGNMENT"):
            assert secret not in text, f"{assignment}: the release contains {secret!r}"


def test_every_quiz_submission_is_graded_not_ungradable(graded):
    _, statuses = graded  # the shared batch also holds test_pipeline's broken notebooks, in other assignments
    problems = [s.line() for (_, assignment), s in statuses.items() if assignment in QUIZZES and not s.graded]
    attack = len(bs.quiz_fixtures(None, load(QUIZ_SOURCE)))  # on bs.QUIZ_ASSIGNMENT only
    assert len([a for _, a in statuses if a in QUIZZES]) == len(QUIZZES) * (3 + len(STUDENTS)) + attack, sorted(
        statuses
    )  # alice, bob, carol too
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
                assert grade.auto_score == (maximum if is_right else 0.0), (
                    f"{assignment} {student} {grade_id}: {grade.auto_score} of {maximum}"
                )
            written = [c for c in source["cells"] if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
            for cell in written:
                grade = gradebook.find_grade(
                    nbgrader_meta(cell)["grade_id"], name.removesuffix(".ipynb"), assignment, student
                )
                if student == BLANK:
                    assert grade.auto_score == 0.0  # nbgrader scores an untouched answer 0
                else:
                    assert grade.auto_score is None and grade.needs_manual_grade


def test_graded_notebook_explains_each_answer(graded):
    course, _ = graded
    for assignment in QUIZZES:
        name, source = quiz_notebook(assignment)
        notebook = load(course.autograded / "wrong" / assignment / name)
        tests = [c for c in notebook["cells"] if is_test_cell(c)]
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


# --- issue 17: quiz answer keys (the attack of tests/bad_submissions.py, graded in the demo batch) ---

QUIZ_SOURCE = REPO_ROOT / "notebooks" / bs.QUIZ_ASSIGNMENT / bs.QUIZ_NOTEBOOK


def add_key_attack(course):
    """Submit the quiz-key attack and its controls for bs.QUIZ_ASSIGNMENT (called before the demo batch is graded)."""
    released = load(course.release_dir / bs.QUIZ_ASSIGNMENT / bs.QUIZ_NOTEBOOK)
    bs.write(course.submitted, bs.quiz_fixtures(released, load(QUIZ_SOURCE)), assignment=bs.QUIZ_ASSIGNMENT)


@pytest.fixture
def quiz_batch(demo_batch):
    """``(course, {student: status}, {student: autograded notebook})`` of the quiz-key fixtures."""
    course, statuses, _, _, _ = demo_batch
    students = [f.student for f in bs.quiz_fixtures(None, load(QUIZ_SOURCE))]
    paths = {s: course.autograded / s / bs.QUIZ_ASSIGNMENT / bs.QUIZ_NOTEBOOK for s in students}
    graded = {s: load(path) for s, path in paths.items() if path.is_file()}
    return course, {s.student: s for s in statuses if s.assignment == bs.QUIZ_ASSIGNMENT}, graded


@pytest.mark.parametrize("fixture", bs.quiz_fixtures(None, load(QUIZ_SOURCE)), ids=lambda f: f.student)
def test_quiz_outcome(quiz_batch, fixture):
    """The hook that reads each test cell's source before it runs finds no key there: it scores like the blank quiz."""
    _, statuses, graded = quiz_batch
    status = statuses[fixture.student]
    assert status.graded and status.score == fixture.score, status.line()
    outputs = json.dumps([c.get("outputs", []) for c in graded[fixture.student]["cells"]])
    assert bs.QUIZ_HOOK_SAW not in outputs, f"{fixture.student}: a key reached the kernel"


def test_every_graded_quiz_answer_is_explained_after_grading(quiz_batch):
    """The explanations are added outside the kernel, for blank, wrong and right answers alike."""
    _, _, graded = quiz_batch
    tests = [g for g in grade_cells(load(QUIZ_SOURCE)) if g.startswith("test_")]
    for student, notebook in graded.items():
        for c in notebook["cells"]:
            if nbgrader_meta(c).get("grade_id") in tests:
                text = "".join(
                    "".join(o.get("text", "")) for o in c.get("outputs", []) if o.get("output_type") == "stream"
                )
                assert "Answer key: " in text, (student, nbgrader_meta(c)["grade_id"], text)
