"""Which nbgrader processes `make release`, `make autograde` and `make feedback` start, and how their work is split.

nbgrader is replaced by a recorder: the processes started are the subject here; what they render is
tested on real grading runs (test_pipeline, test_term, test_rubric).
"""

import json
import subprocess
from dataclasses import dataclass, field

import pytest

from grading.course import Course
from grading.pipeline import autograde, deadlines, feedback, release

NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@dataclass(frozen=True)
class RecordingCourse(Course):
    """A course whose nbgrader only records its arguments; it fails for the arguments in ``failing``."""

    failing: tuple = ()
    calls: list = field(default_factory=list, compare=False)

    def nbgrader(self, *args, env=None, on_line=None):
        self.calls.append(args)
        failed = any(all(part in args for part in case) for case in self.failing)
        return subprocess.CompletedProcess(args, 1 if failed else 0, "", "error" if failed else "")


def course_with(tmp_path, autograded, failing=(), big=()):
    """A course with two assignments and the given ``{student: [assignment]}`` autograded; ``big`` lists the
    ``(student, assignment)`` whose notebook has more cells than a submission may."""
    for assignment in ("week1", "week2"):
        (tmp_path / "notebooks" / assignment).mkdir(parents=True)
        (tmp_path / "notebooks" / assignment / "a.ipynb").write_text(json.dumps(NOTEBOOK))
    for student, assignments in autograded.items():
        (tmp_path / "submitted" / student).mkdir(parents=True)
        for assignment in assignments:
            folder = tmp_path / "autograded" / student / assignment
            folder.mkdir(parents=True)
            cells = [{"cell_type": "raw", "source": "", "metadata": {}}] * (500 if (student, assignment) in big else 0)
            (folder / "a.ipynb").write_text(json.dumps(dict(NOTEBOOK, cells=cells)))
    return RecordingCourse(tmp_path, failing=tuple(failing))


@pytest.fixture(autouse=True)
def no_gradebook(monkeypatch):
    monkeypatch.setattr(deadlines, "reapply_penalties", lambda course, assignments=None: None)


def rendered(course):
    """``[(assignment, excluded students or --student)]`` of each generate_feedback started."""
    return [(call[1], call[-1].split("=")[-1] if "=" in call[-1] else call[-1]) for call in course.calls]


def test_the_whole_course_is_one_process(tmp_path):
    course = course_with(tmp_path, {"ada": ["week1", "week2"], "ben": ["week1"]})
    assert feedback.generate(course) == {}
    assert rendered(course) == [("*", "")]


def test_chosen_students_exclude_the_others_in_the_one_process(tmp_path):
    course = course_with(tmp_path, {"ada": ["week1", "week2"], "ben": ["week1"], "cy": ["week2"]})
    assert feedback.generate(course, students=["ben"]) == {}
    assert rendered(course) == [("*", "ada,cy")]


def test_some_assignments_are_one_process_each(tmp_path):
    course = course_with(tmp_path, {"ada": ["week1", "week2"]})
    assert feedback.generate(course, ["week2"]) == {}
    assert rendered(course) == [("week2", "")]


def test_a_notebook_too_large_leaves_out_only_its_student_and_assignment(tmp_path):
    course = course_with(tmp_path, {"ada": ["week1", "week2"], "ben": ["week1", "week2"]}, big=[("ben", "week2")])
    failures = feedback.generate(course)
    assert list(failures) == ["week2 (ben)"] and "cells" in failures["week2 (ben)"]
    assert rendered(course) == [("week1", ""), ("week2", "ben")]


def test_a_failing_course_run_falls_back_to_assignments_then_to_students(tmp_path):
    course = course_with(
        tmp_path,
        {"ada": ["week1", "week2"], "ben": ["week1", "week2"]},
        failing=[("*",), ("week2", "--CourseDirectory.student_id_exclude="), ("week2", "ben")],
    )
    failures = feedback.generate(course)
    assert list(failures) == ["week2 (ben)"]
    assert rendered(course) == [("*", ""), ("week1", ""), ("week2", ""), ("week2", "ada"), ("week2", "ben")]


def test_the_whole_release_is_one_process_and_some_assignments_one_each(tmp_path):
    course = course_with(tmp_path, {})
    assert release.generate(course) == [course.release_dir / "week1", course.release_dir / "week2"]
    assert release.generate(course, ["week2"]) == [course.release_dir / "week2"]
    assert [call[1] for call in course.calls] == ["*", "week2"]


def test_a_failing_release_names_what_it_was_asked_for(tmp_path):
    course = course_with(tmp_path, {}, failing=[("generate_assignment",)])
    with pytest.raises(release.ReleaseError, match="could not generate week1, week2"):
        release.generate(course)


def test_autograde_splits_students_not_submissions_between_jobs():
    work = [(a, s) for a in ("week1", "week2") for s in ("ada", "ben", "cy")] + [("week3", "ada")]
    groups = autograde.split_students(work, 2)
    assert sorted(pair for group in groups for pair in group) == sorted(work)
    students = [{s for _, s in group} for group in groups]
    assert students == [{"ada", "cy"}, {"ben"}]
    assert autograde.split_students(work[:1], 4) == [work[:1]]
    assert autograde.split_students([], 2) == []


def test_autograde_log_of_several_assignments_is_cut_per_submission():
    log = (
        "[AutogradeApp | INFO] Loading config\n"
        "[AutogradeApp | INFO] Creating/updating student with ID 'ada': {}\n"
        "[AutogradeApp | INFO] Sanitizing /tmp/g/0/submitted/ada/week1/a.ipynb\n"
        "[AutogradeApp | ERROR] There was an error processing assignment: /tmp/g/0/submitted/ada/week1\n"
        "[AutogradeApp | INFO] Creating/updating student with ID 'ada': {}\n"
        "[AutogradeApp | INFO] Sanitizing /tmp/g/0/submitted/ada/week2/a.ipynb\n"
        "[AutogradeApp | INFO] Writing 10 bytes to /course/autograded/ada/week2/a.ipynb\n"
    )
    parts = autograde.split_log(log, ["week1", "week2"])
    assert parts["week1"].splitlines()[0] == parts["week2"].splitlines()[0] == "[AutogradeApp | INFO] Loading config"
    assert "week1" in parts["week1"] and "week2" not in parts["week1"]
    assert "week2" in parts["week2"] and "week1" not in parts["week2"]
    assert "".join(line for part in parts.values() for line in part.splitlines(keepends=True)[1:]) == "".join(
        log.splitlines(keepends=True)[1:]
    )
    assert set(autograde.nbgrader_reasons(parts["week1"])) == {"ada"} and not autograde.nbgrader_reasons(parts["week2"])
