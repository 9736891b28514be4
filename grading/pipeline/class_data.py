"""What the class report reads: the gradebook, the autograde statuses and the grader's recorded verdicts.

Everything comes from what grading already stored (nbgrader's gradebook, ``reports/autograde.json`` and the
verdicts :class:`grading.plugins.verification.VerifyChecks` wrote into each autograded notebook's metadata);
no notebook is run again.  Of the student's own work only two things are read: the scores, and a quiz
answer's *record* (what the grader compared), kept only when it is one of the question's options or a number.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from nbgrader.api import Assignment, BaseCell, Grade, Gradebook, SubmittedAssignment, SubmittedNotebook

from course_utils import records
from grading.notebook_cells import is_test_cell, load, nbgrader_meta, source_text
from grading.pipeline.autograde import read_report
from grading.plugins.verification import VERDICTS

_CHOICES = re.compile(r"choice\(\s*\w+\s*,\s*['\"](?P<letters>[a-z]+)['\"]")
_QUESTION = re.compile(r"^(?P<question>q\d+) \[")


@dataclass
class Cell:
    """One graded cell of a submission: its points and, for a test cell, the grader's verdict."""

    score: float
    max_score: float
    kind: str  # "code" (autograded test) or "markdown" (written answer, graded by hand)
    pending: bool  # waits for manual grading
    passed: bool | None = None  # None: no verdict recorded
    reason: str = ""


@dataclass
class Submission:
    student: str
    assignment: str
    status: str  # "graded", "ungradable" or "unverified" (not graded and verified by `make autograde`)
    reason: str = ""  # why ungradable or unverified (the grader's words)
    timestamp: datetime | None = None
    cells: dict = field(default_factory=dict)  # {grade_id: Cell}
    answers: dict = field(default_factory=dict)  # {question: option letter or number}

    @property
    def score(self):
        """Points so far: of the autograded cells and of the written answers already graded by hand."""
        return sum(c.score for c in self.cells.values() if not c.pending)

    @property
    def max_score(self):
        """Maximum of the cells counted in :attr:`score` (a written answer waiting for its grader is left out)."""
        return sum(c.max_score for c in self.cells.values() if not c.pending)

    @property
    def pending(self):
        return any(c.pending for c in self.cells.values())


@dataclass
class Question:
    """A quiz question answered in a test cell: its options (empty: a number) and the answer key."""

    name: str
    grade_id: str
    options: str
    key: object


@dataclass
class AssignmentInfo:
    name: str
    duedate: datetime | None
    max_score: float
    cells: list  # grade ids of the test cells and written answers, in notebook order
    questions: list = field(default_factory=list)  # [Question] (quizzes)


@dataclass
class ClassData:
    students: list
    assignments: list  # [AssignmentInfo], in term order (due date, then name)
    submissions: dict  # {(student, assignment): Submission}

    def of(self, assignment):
        return [s for (_, a), s in sorted(self.submissions.items()) if a == assignment]


def _questions(course, assignment, notebook_name):
    """The quiz questions of a source notebook, with their options and keys from the reference file."""
    path = course.source / assignment / notebook_name
    if not path.is_file():
        return []
    reference_file = records.reference_path(assignment, notebook_name.removesuffix(".ipynb"))
    cells = records.read_reference(reference_file)["cells"] if reference_file.is_file() else {}
    found = []
    for cell in load(path)["cells"]:
        if not is_test_cell(cell):
            continue
        grade_id = nbgrader_meta(cell).get("grade_id")
        expected = cells.get(grade_id, [])
        question = _QUESTION.match(expected[0].label) if len(expected) == 1 else None
        if question is None or "check_reference" not in source_text(cell):
            continue
        options = _CHOICES.search(source_text(cell))
        key = expected[0].value
        found.append(Question(question.group("question"), grade_id, options.group("letters") if options else "", key))
    return found


def _answer(value, question):
    """A quiz answer as the report may show it: an option letter, a number, or ``None`` (anything else)."""
    if question.options:
        return value if isinstance(value, str) and len(value) == 1 and value in question.options else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e12:
        return round(float(value), 6)
    return None


def _read_verdicts(course, submission, notebooks, questions):
    """Fill ``submission`` with the verdicts and quiz answers recorded in its autograded notebooks."""
    by_grade_id = {q.grade_id: q for q in questions}
    for name in notebooks:
        path = course.autograded / submission.student / submission.assignment / name
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        verdicts = notebook.get("metadata", {}).get(VERDICTS, {})
        for grade_id, verdict in verdicts.items() if isinstance(verdicts, dict) else []:
            cell = submission.cells.get(grade_id)
            if cell is not None and isinstance(verdict, dict):
                cell.passed = verdict.get("passed") is True
                cell.reason = str(verdict.get("reason") or "")
        for cell in notebook.get("cells", []) if by_grade_id else []:
            question = by_grade_id.get(nbgrader_meta(cell).get("grade_id")) if is_test_cell(cell) else None
            if question is None:
                continue
            found = [r for r in records.from_outputs(cell.get("outputs", [])) if _QUESTION.match(r.label)]
            answer = _answer(found[0].value, question) if found else None
            submission.answers[question.name] = answer


def read(course, assignments=None):
    """The class as the report sees it (``assignments``: only these; default every one in the gradebook).

    Without a gradebook the class is empty: none is created (nbgrader makes one when it first grades).
    """
    if not (course.root / "gradebook.db").is_file():
        return ClassData([], [], {})
    with Gradebook(course.gradebook_url) as gradebook:
        session = gradebook.db
        students = sorted(s.id for s in gradebook.students)
        infos, notebooks = [], {}
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            names = [f"{nb.name}.ipynb" for nb in assignment.notebooks]
            notebooks[assignment.name] = names
            cells = [c.name for nb in assignment.notebooks for c in nb.grade_cells]
            questions = [q for name in names for q in _questions(course, assignment.name, name)]
            infos.append(AssignmentInfo(assignment.name, assignment.duedate, assignment.max_score, cells, questions))
        infos.sort(key=lambda a: (a.duedate is None, a.duedate or datetime.min, a.name))
        wanted = {a.name for a in infos}
        rows = (
            session.query(
                Assignment.name,
                SubmittedAssignment.student_id,
                SubmittedAssignment.timestamp,
                BaseCell.name,
                Grade.score,
                Grade.max_score,
                Grade.cell_type,
                Grade.needs_manual_grade,
            )
            .join(SubmittedAssignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
            .join(BaseCell, Grade.cell_id == BaseCell.id)
            .all()
        )
        empty = (
            session.query(Assignment.name, SubmittedAssignment.student_id, SubmittedAssignment.timestamp)
            .join(SubmittedAssignment, SubmittedAssignment.assignment_id == Assignment.id)
            .all()
        )
    submissions = {}
    for assignment, student, timestamp in empty:
        if assignment in wanted:
            submissions[(student, assignment)] = Submission(student, assignment, "graded", timestamp=timestamp)
    for assignment, student, _, grade_id, score, max_score, kind, pending in rows:
        if assignment in wanted:
            cell = Cell(float(score or 0.0), float(max_score or 0.0), kind, bool(pending and kind != "code"))
            submissions[(student, assignment)].cells[grade_id] = cell
    statuses = {(s.student, s.assignment): s for s in read_report(course)}
    for key in statuses:
        if key[1] in wanted and key not in submissions:  # refused before grading: in the autograde report only
            submissions[key] = Submission(*key, "graded")
    for key, submission in submissions.items():
        status = statuses.get(key)
        if status is None:
            submission.status, submission.reason = "unverified", "not graded and verified by `make autograde`"
        elif not status.graded:
            submission.status, submission.reason = "ungradable", status.reason
    questions = {a.name: a.questions for a in infos}
    for (_, assignment), submission in submissions.items():
        if submission.status == "graded":
            _read_verdicts(course, submission, notebooks.get(assignment, []), questions.get(assignment, []))
    students = sorted(set(students) | {student for student, _ in submissions})
    return ClassData(students, infos, submissions)
