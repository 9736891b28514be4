"""Sharded grading: N shard processes with gradebooks of their own, merged, give the scores of one unsharded run, cell
by cell; a merge that cannot be complete refuses and leaves the course's gradebook as it was.

One assignment (week 1), four students: the demo's alice, bob and carol, and dave (solved, like alice).
"""

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook, SubmittedAssignment

from grading.course import REPO_ROOT, copy_course
from grading.pipeline import autograde, demo, feedback, release, shards, submissions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("shards")]
ASSIGNMENT = "week1_introduction"
SHARDS = 2


def course_with_submissions(where):
    """A course of one assignment, released, with the four students' submissions."""
    course = copy_course(where)
    for other in course.assignments():
        if other != ASSIGNMENT:
            shutil.rmtree(course.source / other)
    release.generate(course)
    demo.make_submissions(course)
    for name in course.notebooks(ASSIGNMENT):
        released, source = submissions.release_and_source(course, ASSIGNMENT, name)
        submissions.write(course, "dave", ASSIGNMENT, name, submissions.solved(released, source))
    return course


def grading(course, *arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "grading", "--course", str(course.root), *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``(unsharded, sharded)``: one course graded by one run, one graded by 2 shard processes at once (not merged)."""
    root = tmp_path_factory.mktemp("shards")
    one = course_with_submissions(root / "one")
    statuses = autograde.autograde(one, jobs=1)
    assert [s.student for s in statuses if s.graded] == ["alice", "bob", "carol", "dave"], [s.line() for s in statuses]
    split = course_with_submissions(root / "split")
    assert {shards.shard_of(s, SHARDS) for s in split.students()} == set(range(SHARDS)), "every shard must grade"
    processes = [grading(split, "autograde", "--shard", f"{i}/{SHARDS}") for i in range(SHARDS)]
    for process in processes:
        out, _ = process.communicate(timeout=1800)
        assert process.returncode == 0, out
    return one, split


def copy_of(course, where):
    shutil.copytree(course.root, where, symlinks=True)
    return type(course)(where)


def cells(course):
    """Every graded cell and comment of every submission, with what the merge must carry over."""
    found = {}
    with Gradebook(course.gradebook_url) as gradebook:
        for submission in gradebook.db.query(SubmittedAssignment):
            key = (submission.student_id, submission.assignment.name)
            found[key + ("timestamp",)] = submission.timestamp
            for notebook in submission.notebooks:
                found[key + (notebook.name, "late")] = notebook.late_submission_penalty
                for g in notebook.grades:
                    found[key + (notebook.name, g.name)] = (
                        g.auto_score,
                        g.manual_score,
                        g.extra_credit,
                        g.needs_manual_grade,
                    )
                for c in notebook.comments:
                    found[key + (notebook.name, c.name, "comment")] = (c.auto_comment, c.manual_comment)
    return found


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_merged_shards_score_every_cell_as_one_run(graded, tmp_path):
    one, split = graded
    course = copy_of(split, tmp_path / "course")
    for i in range(SHARDS):
        assert (course.root / "gradebooks" / f"shard-{i}-of-{SHARDS}.db").is_file()
    assert not cells(course), "the shards must not write the course's gradebook"
    merge = grading(course, "merge-shards")
    out, _ = merge.communicate(timeout=600)
    assert merge.returncode == 0, out
    expected, merged = cells(one), cells(course)
    assert len(expected) > 4 * 5
    assert merged == expected
    report = {(s.student, s.assignment): (s.graded, s.score) for s in autograde.read_report(course)}
    assert report == {(s.student, s.assignment): (s.graded, s.score) for s in autograde.read_report(one)}
    assert not feedback.generate(course), "the merged gradebook must give the feedback as one run's does"
    for student in course.students():
        for name in course.notebooks(ASSIGNMENT):
            assert (course.autograded / student / ASSIGNMENT / name).is_file()
            assert (course.feedback_dir / student / ASSIGNMENT / name.replace(".ipynb", ".html")).is_file()


def refused(course, message, count=None):
    """Merge must refuse with ``message`` and leave gradebook.db byte for byte as it was, with no copy left over."""
    before = digest(course.gradebook)
    with pytest.raises(shards.ShardError, match=message):
        shards.merge(course, count)
    assert digest(course.gradebook) == before
    assert not list(course.root.glob(".gradebook.db.*"))


def test_merge_refuses_a_missing_or_unfinished_shard(graded, tmp_path):
    course = copy_of(graded[1], tmp_path / "course")
    (course.root / "gradebooks" / f"shard-1-of-{SHARDS}.json").unlink()
    refused(course, r"shard\(s\) 1 of 2 are missing or did not finish .*`make autograde SHARD=1/2`")


def test_merge_refuses_two_splits_unless_told_which(graded, tmp_path):
    course = copy_of(graded[1], tmp_path / "course")
    shutil.copy(course.root / "gradebooks" / "shard-0-of-2.db", course.root / "gradebooks" / "shard-0-of-3.db")
    refused(course, r"shards of 2 different splits \(N=2, N=3\): say which to merge with --of N")
    refused(course, r"shard\(s\) 0, 1, 2 of 3 are missing", count=3)


def test_merge_refuses_a_student_in_two_shards(graded, tmp_path):
    course = copy_of(graded[1], tmp_path / "course")
    folder = course.root / "gradebooks"
    first = next(s for s in course.students() if shards.shard_of(s, SHARDS) == 0)
    path = folder / "shard-1-of-2.json"  # shard 1's report also claims a student of shard 0
    manifest = json.loads(path.read_text())
    manifest["statuses"].append({"student": first, "assignment": ASSIGNMENT, "graded": True})
    path.write_text(json.dumps(manifest))
    refused(course, f"student {first} was graded by both shard-0-of-2 and shard-1-of-2")


def test_merge_refuses_shards_of_another_course_or_release(graded, tmp_path):
    course = copy_of(graded[1], tmp_path / "course")
    with sqlite3.connect(course.gradebook) as db:  # released again with other points since the shards graded
        db.execute("UPDATE grade_cells SET max_score = max_score + 1 WHERE id IN (SELECT id FROM grade_cells LIMIT 1)")
    refused(course, "graded week1_introduction as released before its last release .* grade that shard again")
    other = copy_of(graded[1], tmp_path / "other")
    with sqlite3.connect(other.gradebook) as db:
        db.execute("INSERT INTO course (id) VALUES ('another-course')")
        db.execute("UPDATE assignment SET course_id = 'another-course'")
    refused(other, "belongs to course 'nn-from-scratch', this gradebook to 'another-course'")


def test_a_merge_that_fails_half_way_leaves_the_gradebook_as_it_was(graded, tmp_path, monkeypatch):
    course = copy_of(graded[1], tmp_path / "course")
    copied = []

    def fail_on_the_second(*args):
        copied.append(args)
        if len(copied) == 2:
            raise OSError("disk full")
        return copy(*args)

    copy = shards._copy_submission
    monkeypatch.setattr(shards, "_copy_submission", fail_on_the_second)
    before = digest(course.gradebook)
    with pytest.raises(OSError, match="disk full"):
        shards.merge(course)
    assert digest(course.gradebook) == before
    assert not list(course.root.glob(".gradebook.db.*"))
