"""The variants of tests/fairness_variants.py, graded in one batch, get the grade each deserves.

Correct variants keep every point; wrong ones lose exactly the cells they break, each with a reason that names
the cause and no misleading advice.  One module fixture releases the notebooks in a temporary course,
submits every student and autogrades them all at once (2 jobs), as tests/test_bad_submissions.py does.
"""

from pathlib import Path

import fairness_variants as fv
import pytest
from nbgrader.api import Gradebook

from grading.course import copy_course
from grading.notebook_cells import grade_cells, load, nbgrader_meta
from grading.pipeline import autograde, release, submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fairness")]
PROBLEM, _ = autograde.sandbox_problem()


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
def graded(tmp_path_factory):
    """``{student name: {test grade_id: (score, reason, shown)}}`` after one autograde of every student."""
    course = copy_course(tmp_path_factory.mktemp("fairness") / "course")
    assignments = sorted({s.assignment for s in fv.STUDENTS})
    release.generate(course, assignments)
    for student in fv.STUDENTS:
        release_nb, source_nb = submissions.release_and_source(course, student.assignment, student.notebook)
        submissions.write(
            course, student.name, student.assignment, student.notebook, fv.submission(student, release_nb, source_nb)
        )
    statuses = {
        s.student: s for s in autograde.autograde(course, assignments=assignments, jobs=2, unisolated=bool(PROBLEM))
    }
    ungradable = {name: s.reason for name, s in statuses.items() if not s.graded}
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
