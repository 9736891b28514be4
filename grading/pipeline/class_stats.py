"""The numbers of the class report, computed from :class:`grading.pipeline.class_data.ClassData` alone.

Each failed test cell is filed under one *finding*: the usual mistake the grader diagnosed
(:mod:`course_utils.diagnoses` words it, e.g. "looks like the 1/m factor is missing"), else the kind of problem
its reason names (a warning, an exception, a shape, values off, ...).
"""

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

# The usual mistakes, as course_utils.diagnoses words them: a finding the lecturer can teach again.
DIAGNOSES = (
    ("missing 1/m", r"1/m factor is missing|summed over the examples instead of averaged"),
    ("extra division by m", r"extra division by m"),
    ("off by a factor m (also another size)", r"is both the number of examples and another size"),
    ("derivative of the wrong activation", r"derivative of the wrong activation"),
    ("rank-1 array", r"rank-1 array"),
    ("transposed", r"looks transposed"),
    ("wrong sign", r"the sign is wrong"),
)
# Otherwise the kind of problem, as course_utils.checks and grading.plugins.verification word it (first match).
KINDS = (
    ("not implemented", r"not implemented yet"),
    ("a warning under grading", r"emitted "),
    ("calls course_utils", r"course_utils"),
    ("modifies its input in place", r"in place"),
    ("a name not defined", r"NameError"),
    ("raised an exception", r"raised |stopped .* with "),
    ("a check did not run to the end", r"did not run to the end"),
    ("NaN or inf", r" contains (nan|inf|-inf) "),
    ("wrong shape", r" has shape "),
    ("wrong dtype", r" has dtype "),
    ("wrong type or keys", r" should be | should have "),
    ("values off", r"values off|not within the tolerance|differs from|but expected"),
    ("no verdict recorded", r"^$"),
)
# A diagnosis opens the reason, capitalised (course_utils.checks.with_case): matched in any case.
_FINDINGS = [(label, re.compile(pattern, re.I)) for label, pattern in DIAGNOSES] + [
    (label, re.compile(pattern)) for label, pattern in KINDS
]
MISCONCEPTIONS = tuple(label for label, _ in DIAGNOSES)


def finding(reason):
    """The finding a failed test cell's ``reason`` is filed under ("other" when none fits)."""
    return next((label for label, pattern in _FINDINGS if pattern.search(reason)), "other")


def exercise_name(grade_id):
    return grade_id.removeprefix("test_")


@dataclass
class AssignmentCounts:
    enrolled: int
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    ungradable: int = 0
    unverified: int = 0
    pending_manual: int = 0
    has_duedate: bool = False
    shares: list = field(default_factory=list)  # score / max of each graded submission


def utc_now():
    """The time now as nbgrader stores its due dates and timestamps: UTC, without a time zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def counts(data, info, now=None):
    """Submitted / on time / late / missing / ungradable / pending manual grading of one assignment.

    Late is nbgrader's rule (the submission's timestamp after the assignment's due date); without a due
    date every submission counts as on time. Missing counts as :func:`students_to_help` does: nobody before
    the due date.
    """
    mine = data.of(info.name)
    result = AssignmentCounts(len(data.students), submitted=len(mine), has_duedate=info.duedate is not None)
    if info.duedate is None or info.duedate < (now or utc_now()):
        result.missing = len(data.students) - len({s.student for s in mine})
    for submission in mine:
        late = bool(info.duedate and submission.timestamp and submission.timestamp > info.duedate)
        result.late += late
        result.on_time += not late
        result.ungradable += submission.status == "ungradable"
        result.unverified += submission.status == "unverified"
        result.pending_manual += submission.status == "graded" and submission.pending
        if submission.status == "graded" and submission.max_score > 0:
            result.shares.append(submission.score / submission.max_score)
    return result


@dataclass
class ExerciseStats:
    grade_id: str
    question: bool  # a quiz question (its answers have their own section)
    graded: int
    passed: int
    findings: list  # [(finding, count, example reason)], most frequent first

    @property
    def name(self):
        return exercise_name(self.grade_id)

    @property
    def share(self):
        return self.passed / self.graded if self.graded else 0.0

    @property
    def failed(self):
        return self.graded - self.passed


def exercises(data, info):
    """Per autograded test cell: how many graded submissions got it, and why the others failed; hardest first.

    A cell passed when it got its full points; the example of each finding is the grader's reason (the
    same for every student who made that mistake in that case, and naming no one).
    """
    graded = [s for s in data.of(info.name) if s.status == "graded"]
    questions = {q.grade_id for q in info.questions}
    found = []
    for grade_id in info.cells:
        cells = [s.cells[grade_id] for s in graded if grade_id in s.cells]
        if not cells or cells[0].kind != "code":
            continue
        failed = [c for c in cells if c.score < c.max_score or c.passed is False]
        labels = [finding(c.reason) for c in failed]
        if grade_id in questions:  # a quiz answer compared with its key: "values off" is a wrong answer
            labels = ["wrong answer" if label == "values off" else label for label in labels]
        tally = Counter(labels)
        examples = {}
        for cell, label in zip(failed, labels):
            examples.setdefault(label, Counter())[cell.reason] += 1
        findings = [(label, n, examples[label].most_common(1)[0][0]) for label, n in tally.most_common()]
        found.append(ExerciseStats(grade_id, grade_id in questions, len(cells), len(cells) - len(failed), findings))
    return sorted(found, key=lambda e: (e.share, -e.failed, e.grade_id))


@dataclass
class QuestionStats:
    name: str
    options: list  # [(option, count)], options in order (numbers: the most frequent values)
    invalid: int  # no answer the report may show (blank, not an option, not a number)
    key: object
    answered: int


def quiz(data, info, shown=4):
    """Per quiz question, how many gave each answer (a number question: its ``shown`` most frequent values)."""
    graded = [s for s in data.of(info.name) if s.status == "graded"]
    found = []
    for question in info.questions:
        answers = [s.answers.get(question.name) for s in graded]
        tally = Counter(a for a in answers if a is not None)
        if question.options:
            options = [(letter, tally.get(letter, 0)) for letter in question.options]
        else:
            options = sorted(tally.most_common(shown), key=lambda item: item[0])
            other = sum(tally.values()) - sum(n for _, n in options)
            options += [("other", other)] if other else []
        invalid = sum(a is None for a in answers)
        found.append(QuestionStats(question.name, options, invalid, question.key, len(answers)))
    return found


def written(data, info):
    """Per written answer (graded by hand): ``(grade_id, mean manual score or None, max, graded, pending)``."""
    graded = [s for s in data.of(info.name) if s.status == "graded"]
    found = []
    for grade_id in info.cells:
        cells = [s.cells[grade_id] for s in graded if grade_id in s.cells]
        if not cells or cells[0].kind == "code":
            continue
        done = [c.score for c in cells if not c.pending]
        mean = statistics.fmean(done) if done else None
        found.append((grade_id, mean, cells[0].max_score, len(done), len(cells) - len(done)))
    return found


def student_shares(data):
    """``{student: [score share or None per assignment]}`` (None: no graded submission), in term order."""
    table = {}
    for student in data.students:
        row = []
        for info in data.assignments:
            submission = data.submissions.get((student, info.name))
            ok = submission is not None and submission.status == "graded" and submission.max_score > 0
            row.append(submission.score / submission.max_score if ok else None)
        table[student] = row
    return table


@dataclass
class Concern:
    student: str
    low: list  # [(assignment, share)] below the threshold among the last two assignments
    missed: list  # [assignment] not submitted
    ungradable: list  # [(assignment, reason)]
    median: float | None

    @property
    def weight(self):
        return len(self.low) + len(self.missed) + len(self.ungradable)


def students_to_help(data, threshold=0.5, now=None):
    """Students below ``threshold`` on either of the last two assignments anyone submitted, those who missed
    an assignment (past its due date, or without one, that others submitted), those with an ungradable
    submission; most concerns first."""
    now = now or utc_now()
    active = [a for a in data.assignments if data.of(a.name)]
    last_two = active[-2:]
    due = [a.name for a in active if a.duedate is None or a.duedate < now]
    shares = student_shares(data)
    index = {a.name: k for k, a in enumerate(data.assignments)}
    found = []
    for student in data.students:
        row = shares[student]
        low = [(a.name, row[index[a.name]]) for a in last_two if row[index[a.name]] is not None]
        low = [(name, share) for name, share in low if share < threshold]
        missed = [name for name in due if (student, name) not in data.submissions]
        ungradable = [
            (a.name, data.submissions[(student, a.name)].reason)
            for a in data.assignments
            if (student, a.name) in data.submissions and data.submissions[(student, a.name)].status != "graded"
        ]
        values = [v for v in row if v is not None]
        concern = Concern(student, low, missed, ungradable, statistics.median(values) if values else None)
        if concern.weight:
            found.append(concern)
    return sorted(found, key=lambda c: (-c.weight, c.median if c.median is not None else -1, c.student))


def all_ungradable(data):
    """Students who submitted something and have not one gradable submission."""
    return [
        student
        for student in data.students
        if (mine := [s for (who, _), s in data.submissions.items() if who == student])
        and all(s.status != "graded" for s in mine)
    ]


def misconceptions(data):
    """``{misconception: [share of graded submissions showing it, per assignment]}`` for those seen at all."""
    table = {}
    for label in MISCONCEPTIONS:
        row = []
        for info in data.assignments:
            graded = [s for s in data.of(info.name) if s.status == "graded"]
            seen = sum(any(c.passed is False and finding(c.reason) == label for c in s.cells.values()) for s in graded)
            row.append(seen / len(graded) if graded else None)
        if any(row_value for row_value in row):
            table[label] = row
    return table


def fades(row):
    """Whether a misconception fades after the assignment where it first appears: a sentence."""
    first = next(k for k, v in enumerate(row) if v)
    later = [v for v in row[first + 1 :] if v is not None]
    if not later:
        return first, "no later assignment yet"
    peak = max(later)
    if peak == 0:
        return first, "not seen again"
    if peak < row[first] / 2:
        return first, f"fades: at most {peak:.0%} later"
    return first, f"persists: up to {peak:.0%} later"
