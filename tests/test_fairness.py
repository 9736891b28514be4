"""The variants of tests/fairness_variants.py get the grade each deserves.

Correct variants keep every point; wrong ones lose exactly the cells they break, each with a reason that names
the cause and no misleading advice.  Every variant is submitted as a student of its own and graded in the demo
batch (``demo_batch`` in conftest.py), whose release and nbgrader runs per assignment it shares.
"""

from pathlib import Path

import fairness_variants as fv
import pytest
from nbgrader.api import Gradebook

from grading.notebook_cells import grade_cells, load, nbgrader_meta
from grading.pipeline import submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]  # shares the demo batch


def add_variants(course):
    """Submit every variant as its own student (called before the demo batch is graded)."""
    for student in fv.STUDENTS:
        release_nb, source_nb = submissions.release_and_source(course, student.assignment, student.notebook)
        submissions.write(
            course, student.name, student.assignment, student.notebook, fv.submission(student, release_nb, source_nb)
        )


def cell_outcomes(course, student):
    """``{test grade_id: (score, reason, shown text)}`` of one graded student."""
    path = course.autograded / student.name / student.assignment / student.notebook
    notebook = load(path)
    found = {}
    with Gradebook(course.gradebook_url) as gradebook:
        for grade_id in grade_cells(notebook):
            score = gradebook.find_grade(
                grade_id, Path(student.notebook).stem, student.assignment, student.name
            ).auto_score
            cell = next(c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == grade_id)
            errors = [
                f"{o.get('ename')}: {o.get('evalue')}"
                for o in cell.get("outputs", [])
                if o.get("output_type") == "error"
            ]
            shown = "".join(
                "".join(o.get("text", ""))
                for o in cell.get("outputs", [])
                if o.get("output_type") == "stream" and o.get("name") == "stdout"
            )
            found[grade_id] = (score, " | ".join(errors), shown)
    return found


@pytest.fixture(scope="module")
def graded(demo_batch):
    """``{student name: {test grade_id: (score, reason, shown)}}`` of every variant, graded in the demo batch."""
    course, statuses, _, _, _ = demo_batch
    statuses = {(s.student, s.assignment): s for s in statuses}
    found = {student.name: statuses.get((student.name, student.assignment)) for student in fv.STUDENTS}
    ungradable = {name: s.reason if s else "not graded" for name, s in found.items() if not (s and s.graded)}
    assert not ungradable, ungradable
    return {student.name: cell_outcomes(course, student) for student in fv.STUDENTS}


def test_the_catalogue_holds_every_misgraded_variant_of_the_review():
    covered = {variant for student in fv.STUDENTS if student not in fv.KNOWN_MISTAKES for variant in student.variants}
    assert len(covered) == 19  # appendix B: 9 false negatives, 1 false positive, 9 more unhelpful messages


@pytest.mark.parametrize("student", fv.STUDENTS, ids=lambda s: s.name)
def test_each_variant_gets_the_grade_it_deserves(graded, student):
    outcomes = graded[student.name]
    for grade_id, (score, reason, _shown) in outcomes.items():
        if grade_id in student.fails:
            assert score == 0, f"{grade_id} kept its points: {reason}"
            for text in student.fails[grade_id]:
                assert text in reason, f"{grade_id}: {text!r} not in the reason {reason!r}"
        else:
            assert score > 0 and not reason, f"{grade_id} lost its points: {reason}"
        for text in student.forbidden:
            assert text not in reason, f"{grade_id}: misleading {text!r} in {reason!r}"
    shown = "".join(text for _, _, text in outcomes.values())
    for text in student.shown:
        assert text in shown, f"{text!r} is not shown in any test cell"
