"""The instructor's main job, end to end and headless, on three demo students.

alice submits the solved notebooks, bob the untouched release, carol the solved notebooks with one
realistic bug per assignment.  Expected: full marks, zero, and exactly the points of the tests that
carol's bugs break.
"""

import shutil
from pathlib import Path

from grading.course import copy_course
from grading.notebook_cells import grade_cells, load
from grading.pipeline import autograde, feedback, grades, release, report, submissions

MARKER = ".nn-from-scratch-demo"  # written into every folder the demo creates, and only there


class DemoError(RuntimeError):
    """The demo folder cannot be used; the message says why."""


def prepare(where):
    """A fresh demo course at ``where``.

    A folder a previous demo created (it holds :data:`MARKER`) is replaced; any other existing,
    non-empty folder is refused, never deleted.
    """
    where = Path(where)
    if where.exists():
        if not where.is_dir():
            raise DemoError(f"{where} is a file, not a demo folder: choose another --where")
        if (where / MARKER).is_file():
            shutil.rmtree(where)
        elif any(where.iterdir()):
            raise DemoError(
                f"{where} exists and was not created by the demo (no {MARKER} in it): it is left as it is; "
                "choose another --where or an empty folder"
            )
    course = copy_course(where)
    (where / MARKER).write_text("created by `python -m grading demo`; the next demo run replaces this folder\n")
    return course


# Per assignment: the bug carol plants ({solution grade_id: (old text, new text)}) and the test
# cells it is expected to fail.
BUGS = {
    "week1_introduction": {  # the hidden layer forgets its bias b1
        "replace": {"network_forward": ("A1 = np.maximum(0.0, W1 @ X + b1)", "A1 = np.maximum(0.0, W1 @ X)")},
        "fails": ["test_network_forward"],
    },
    "week2_numpy_basics": {  # the textbook sigmoid overflows (a RuntimeWarning) for z = -1000
        "replace": {"sigmoid": ("return np.where(z >= 0, 1.0, E) / (1.0 + E)", "return 1.0 / (1.0 + np.exp(-z))")},
        "fails": ["test_sigmoid", "test_sigmoid_derivative"],
    },
    "week2_logistic_regression": {  # the gradient of the weights forgets the 1/m
        "replace": {"propagate": ("dw = (X @ dZ.T) / m", "dw = (X @ dZ.T)")},
        "fails": ["test_propagate", "test_optimize", "test_model"],
    },
    "week3_shallow_network": {  # tanh's derivative written as 1 - a instead of 1 - a^2
        "replace": {"backward_propagation": ("dZ1 = dA1 * (1 - A1 ** 2)", "dZ1 = dA1 * (1 - A1)")},
        "fails": ["test_backward_propagation", "test_nn_model"],
    },
    "week4_deep_network_step_by_step": {  # linear_backward forgets the 1/m in dW
        "replace": {"linear_backward": ("dW = dZ @ A_prev.T / m", "dW = dZ @ A_prev.T")},
        "fails": ["test_linear_backward", "test_linear_activation_backward", "test_L_model_backward"],
    },
    "week5_regularization": {  # inverted dropout without the 1/keep_prob scaling
        "replace": {"forward_propagation_with_dropout": ("A = A * D / keep_prob", "A = A * D")},
        "fails": ["test_forward_propagation_with_dropout"],
    },
    "week5_optimization": {  # momentum's average forgets the (1 - beta) on the new gradient
        "replace": {
            "update_parameters_with_momentum": (
                'beta * v[f"d{name}"] + (1 - beta) * grads[f"d{name}"]',
                'beta * v[f"d{name}"] + grads[f"d{name}"]',
            )
        },
        "fails": ["test_update_parameters_with_momentum", "test_model"],
    },
}


def expected_scores(course):
    """``{(student, assignment): score}`` that the demo must reproduce."""
    expected = {}
    for assignment in course.assignments():
        points = {}
        for name in course.notebooks(assignment):
            points.update(grade_cells(load(course.source / assignment / name)))
        total = sum(points.values())
        lost = sum(points[g] for g in BUGS.get(assignment, {}).get("fails", []))
        expected.update({("alice", assignment): total, ("bob", assignment): 0.0, ("carol", assignment): total - lost})
    return expected


def make_submissions(course):
    for assignment in course.assignments():
        bug = BUGS.get(assignment, {}).get("replace", {})
        for name in course.notebooks(assignment):
            released, source = submissions.release_and_source(course, assignment, name)
            submissions.write(course, "alice", assignment, name, submissions.solved(released, source))
            submissions.write(course, "bob", assignment, name, released)
            submissions.write(course, "carol", assignment, name, submissions.solved(released, source, bug))


def run(course, say=print, before_grading=None, jobs=2):
    """Release, submit, autograde, feedback, grades, class report; returns ``(statuses, expected, table)``.

    ``before_grading(course)`` may add more submissions (the tests add broken ones).
    """
    say(f"course directory: {course.root}")
    say("generating the student release ...")
    release.generate(course)
    say("writing submissions for alice (solved), bob (untouched release), carol (solved, with bugs) ...")
    make_submissions(course)
    if before_grading:
        before_grading(course)
    say("autograding ...")
    statuses = autograde.autograde(course, jobs=jobs)
    say("generating feedback ...")
    failures = feedback.generate(course)
    for assignment, text in failures.items():
        say(f"feedback failed for {assignment}:\n{text}")
    summary, detail, _ = grades.export(course)
    say(f"grades written to {summary} and {detail}")
    say(f"class report (instructors only) written to {report.generate(course)}")
    return statuses, expected_scores(course), grades.score_table(course)
