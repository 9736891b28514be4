"""A simulated class for the class report: a gradebook and the grader's recorded verdicts, without grading.

Grading 300 students x 13 assignments takes hours; the report reads only what grading stores, so this writes
that directly, in a copy of the course: nbgrader's gradebook (assignments, due dates, submissions, one grade
per graded cell), ``reports/autograde.json`` and, per submission, an autograded notebook holding only its test
cells (a quiz's with the record of the answer) and the verdicts in its metadata.  Students are named like
tools/bench.py's (``s0000001``...).  Each planted mistake's reason is worded by the grader's own code
(:func:`course_utils.checks.first_problem`, :func:`grading.plugins.verification.stop_reason`) from a result
with that mistake, so the report files it as the grader's diagnosis says.
"""

import functools
import json
import random
from datetime import datetime, timedelta

import numpy as np
from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook

from course_utils import records
from course_utils.checks import first_problem, with_case
from grading.course import scripts_on_path
from grading.notebook_cells import is_test_cell, load, nbgrader_meta
from grading.pipeline import class_data
from grading.plugins.verification import VERDICTS, failure_output, stop_reason

START = datetime(2026, 9, 7, 23, 59)


def _rng_arrays(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, 3))
    expected = rng.normal(size=(2, 1))
    return rng, X, expected


@functools.cache
def reason_for(mistake, name, seed=0):
    """The grader's reason for a test of ``name`` failed by ``mistake`` (one of :data:`MISTAKES`)."""
    rng, X, expected = _rng_arrays(seed)
    case = " in test case 'small'"
    if mistake == "missing 1/m":  # visible case: the factor diagnosis may be said
        return with_case(first_problem(expected * 3, expected, name=name, inputs=(X, rng.normal(size=(1, 3)))), case)
    if mistake == "derivative of the wrong activation":
        dA, A = rng.normal(size=(3, 4)), np.tanh(rng.normal(size=(3, 4)))
        got, right = dA * (1 - A), dA * (1 - A**2)
        problem = first_problem(got, right, name=f"{name}(...)", reveal=False, inputs=(dA, A), echo=False)
        return with_case(problem, " in hidden test case 'random 3x4'")
    if mistake == "rank-1 array":
        return with_case(first_problem(expected.ravel(), expected, name=name), case)
    if mistake == "transposed":
        return with_case(first_problem(X.T, X, name=name), case)
    if mistake == "wrong answer":  # a quiz answer, compared with its key as a hidden case
        problem = first_problem("a", "b", name=f"{name}(...)", reveal=False, echo=False)
        return with_case(problem, " in hidden test case 'your answer'")
    if mistake == "values off":
        got = expected + np.array([[0.5], [0.0]])
        return with_case(
            first_problem(got, expected, name=f"{name}(...)", reveal=False, echo=False), " in hidden test case 'random'"
        )
    label = f"{name} [small]"
    messages = {
        "a warning under grading": f"{label} emitted RuntimeWarning: overflow encountered in exp",
        "not implemented": f"{label} is not implemented yet: replace `raise NotImplementedError()`",
    }
    outputs = [failure_output(messages[mistake])]
    return stop_reason(outputs, [records.Record(label, 0.0)], "")


MISTAKES = (
    "wrong answer",
    "missing 1/m",
    "derivative of the wrong activation",
    "rank-1 array",
    "transposed",
    "values off",
    "a warning under grading",
    "not implemented",
)
# (assignment, test cell, mistake, share of the class, test cells it breaks as well): the demo's bugs and a few
# more, in realistic shares; "missing 1/m" comes back, rarer, after week 2.
PLANTED = (
    ("week1_introduction", "test_network_forward", "values off", 0.20, ()),
    ("week2_numpy_basics", "test_sigmoid", "a warning under grading", 0.30, ()),
    ("week2_numpy_basics", "test_sigmoid_derivative", "derivative of the wrong activation", 0.35, ()),
    ("week2_numpy_basics", "test_normalize_rows", "rank-1 array", 0.18, ()),
    ("week2_logistic_regression", "test_propagate", "missing 1/m", 0.35, ("test_optimize", "test_model")),
    ("week3_shallow_network", "test_backward_propagation", "values off", 0.30, ("test_nn_model",)),
    (
        "week4_deep_network_step_by_step",
        "test_linear_backward",
        "missing 1/m",
        0.10,
        ("test_linear_activation_backward", "test_L_model_backward"),
    ),
    ("week4_deep_network_application", "test_softmax", "transposed", 0.22, ("test_compute_multiclass_cost",)),
    ("week5_regularization", "test_forward_propagation_with_dropout", "values off", 0.25, ()),
    ("week5_optimization", "test_update_parameters_with_momentum", "values off", 0.20, ("test_model",)),
)
NOT_IMPLEMENTED = 0.02  # per test cell: left undone
MISSING, LATE, UNGRADABLE = 0.03, 0.08, 0.01
DISTRACTOR = ("week2_quiz", "q3")  # a distractor that catches about half the class


def _cells(course, assignment):
    """``[(notebook, grade_id, points, cell_type, test source cell)]`` of the assignment's graded cells."""
    found = []
    for name in course.notebooks(assignment):
        for cell in load(course.source / assignment / name)["cells"]:
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                found.append((name, meta["grade_id"], float(meta.get("points", 0)), cell["cell_type"], cell))
    return found


def build(course, students=300, seed=0):
    """Write the simulated class into ``course``; returns ``{(assignment, exercise): planted mistake}``."""
    scripts_on_path()
    rng = random.Random(seed)
    ids = [f"s{number:07d}" for number in range(1, students + 1)]
    stuck = set(ids[-2:])  # every submission of these two is ungradable
    assignments = course.assignments()
    weeks = {a: int(a[4]) for a in assignments}
    planted = {(a, g.removeprefix("test_")): m for a, g, m, _, _ in PLANTED}
    statuses, notebooks = [], []
    with Gradebook(course.gradebook_url) as gradebook:
        session = gradebook.db
        people = {student: Student(id=student) for student in ids}
        session.add_all(people.values())
        for assignment in assignments:
            duedate = START + timedelta(weeks=weeks[assignment] - 1, hours=assignments.index(assignment))
            gradebook.add_assignment(assignment, duedate=duedate)
            cells = _cells(course, assignment)
            for name in dict.fromkeys(c[0] for c in cells):
                gradebook.add_notebook(name.removesuffix(".ipynb"), assignment)
            for name, grade_id, points, kind, _ in cells:
                gradebook.add_grade_cell(
                    grade_id, name.removesuffix(".ipynb"), assignment, max_score=points, cell_type=kind
                )
        for assignment in assignments:
            cells = _cells(course, assignment)
            master = gradebook.find_assignment(assignment)
            grade_cells = {(c.notebook.name, c.name): c for nb in master.notebooks for c in nb.grade_cells}
            questions = [
                q for name in course.notebooks(assignment) for q in class_data._questions(course, assignment, name)
            ]
            plants = [p for p in PLANTED if p[0] == assignment]
            for student in ids:
                if student not in stuck and rng.random() < MISSING:
                    continue
                late = rng.random() < LATE
                timestamp = master.duedate + timedelta(hours=rng.uniform(1, 48) if late else -rng.uniform(1, 96))
                submitted = SubmittedAssignment(assignment=master, student=people[student], timestamp=timestamp)
                session.add(submitted)
                ungradable = student in stuck or rng.random() < UNGRADABLE
                failed = {}
                for _, grade_id, mistake, share, breaks in plants:
                    if rng.random() < share:
                        failed[grade_id] = mistake
                        for other in breaks:
                            failed.setdefault(other, "values off")
                for _, grade_id, _, kind, _ in cells:
                    undone = kind == "code" and not grade_id.startswith("test_q") and rng.random() < NOT_IMPLEMENTED
                    if undone and grade_id not in failed:
                        failed[grade_id] = "not implemented"
                answers = _answers(rng, assignment, questions)
                for question in questions:
                    if answers[question.name] != question.key:
                        failed[question.grade_id] = "wrong answer"
                by_notebook = {}
                for name, grade_id, points, kind, _cell in cells:
                    part = by_notebook.get(name)
                    if part is None:
                        part = by_notebook[name] = SubmittedNotebook(
                            assignment=submitted, notebook=grade_cells[(name.removesuffix(".ipynb"), grade_id)].notebook
                        )
                        session.add(part)
                    if kind == "code":
                        score, manual = (0.0 if ungradable or grade_id in failed else points), False
                    else:
                        graded_by_hand = rng.random() < 0.5
                        score, manual = (
                            rng.choice([0.0, points / 2, points]) if graded_by_hand else None,
                            not graded_by_hand,
                        )
                    session.add(
                        Grade(
                            notebook=part,
                            cell=grade_cells[(name.removesuffix(".ipynb"), grade_id)],
                            auto_score=score if kind == "code" else None,
                            manual_score=score if kind != "code" else None,
                            needs_manual_grade=manual,
                        )
                    )
                total = sum(p for _, g, p, k, _ in cells if k == "code" and g not in failed)
                maximum = sum(p for *_, p, k, _ in cells if k == "code")
                if ungradable:
                    statuses.append(
                        {
                            "student": student,
                            "assignment": assignment,
                            "graded": False,
                            "max_score": maximum,
                            "reason": "the kernel died while executing (exit code 1)",
                        }
                    )
                    continue
                statuses.append(
                    {"student": student, "assignment": assignment, "graded": True, "score": total, "max_score": maximum}
                )
                notebooks.append((student, assignment, cells, failed, answers, questions))
        session.commit()
    for entry in notebooks:
        _write_autograded(course, *entry)
    course.reports.mkdir(exist_ok=True)
    (course.reports / "autograde.json").write_text(json.dumps(statuses))
    return planted


def _answers(rng, assignment, questions):
    answers = {}
    for k, question in enumerate(questions):
        if question.options:
            wrong = [o for o in question.options if o != question.key]
            lure = wrong[k % len(wrong)]
            p_key, p_lure = (0.4, 0.5) if (assignment, question.name) == DISTRACTOR else (0.7, 0.15)
            draw = rng.random()
            answers[question.name] = (
                question.key if draw < p_key else lure if draw < p_key + p_lure else rng.choice(wrong)
            )
        else:
            answers[question.name] = float(question.key) if rng.random() < 0.7 else float(question.key) + 1
    return answers


def _write_autograded(course, student, assignment, cells, failed, answers, questions):
    """The autograded notebooks of one graded submission: test cells, quiz answers' records and verdicts."""
    by_grade_id = {q.grade_id: q for q in questions}
    for name in dict.fromkeys(c[0] for c in cells):
        notebook_cells, verdicts = [], {}
        for notebook, grade_id, _, _kind, cell in cells:
            if notebook != name or not is_test_cell(cell):
                continue
            mistake = failed.get(grade_id)
            reason = reason_for(mistake, grade_id.removeprefix("test_")) if mistake else ""
            verdicts[grade_id] = {"passed": mistake is None, "reason": reason}
            question = by_grade_id.get(grade_id)
            outputs = []
            if question is not None:
                bundle = records.bundle(f"{question.name} [your answer]", answers[question.name], hidden=True)
                outputs.append({"output_type": "display_data", "data": bundle, "metadata": {}})
            notebook_cells.append({**cell, "outputs": outputs})
        folder = course.autograded / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        content = {"cells": notebook_cells, "metadata": {VERDICTS: verdicts}, "nbformat": 4, "nbformat_minor": 5}
        (folder / name).write_text(json.dumps(content))
