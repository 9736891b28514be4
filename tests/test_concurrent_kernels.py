"""Kernels graded at the same time do not share a uid: more of them than one uid's process limit allowed all grade,
and a submission that takes every process slot it can does not stop the students graded beside it.

Run as root, each kernel takes a free uid of its own (:mod:`grading.sandbox.uids`) for its lifetime, so its
``RLIMIT_NPROC`` counts its own processes only.  Run as an ordinary user, every kernel has that user's uid
and no process limit of its own, and both tests still hold (nothing limits the user's processes per kernel).
"""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import bad_submissions as bs
import pytest

from grading.course import copy_course
from grading.notebook_cells import load
from grading.pipeline import autograde, release
from grading.sandbox import uids

pytestmark = pytest.mark.slow  # starts sandboxed kernels and nbgrader

PROBLEM, _ = autograde.sandbox_problem()
SANDBOXED = pytest.mark.skipif(bool(PROBLEM), reason=f"the grading sandbox does not work here ({PROBLEM})")
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="only root gives kernels uids of their own")

TIMEOUT, WALL_SECONDS = 300, 900  # generous: the outcomes do not depend on them
MANY = 8  # kernels at once; with one shared uid and RLIMIT_NPROC = 64, about 6 could live together


def course_with(parent, students):
    """A course with week2_numpy_basics released and ``{student: catalogue fixture name}`` submitted."""
    course = copy_course(Path(parent) / "course")
    release.generate(course, [bs.ASSIGNMENT])
    catalogue = {
        f.student: f
        for f in bs.fixtures(
            load(course.release_dir / bs.ASSIGNMENT / bs.NOTEBOOK), load(course.source / bs.ASSIGNMENT / bs.NOTEBOOK)
        )
    }
    chosen = [dataclasses.replace(catalogue[fixture], student=student) for student, fixture in students.items()]
    bs.write(course.submitted, chosen, with_sandbox_cheats=True)
    return course, {f.student: f for f in chosen}


def grade(course, jobs):
    statuses = autograde.autograde(
        course, assignments=[bs.ASSIGNMENT], jobs=jobs, timeout=TIMEOUT, wall_seconds=WALL_SECONDS
    )
    return {s.student: s for s in statuses}


@SANDBOXED
def test_more_kernels_at_once_than_one_uid_allowed_all_grade(tmp_path):
    course, expected = course_with(tmp_path, {f"student_{k}": bs.VICTIM for k in range(MANY)})
    graded = grade(course, jobs=MANY)
    assert {s: (v.graded, v.score, v.reason) for s, v in graded.items()} == {
        s: (True, f.score, "") for s, f in expected.items()
    }


@SANDBOXED
def test_a_fork_hog_does_not_stop_the_students_graded_beside_it(tmp_path):
    """Two jobs: the hog, then two honest students in one; two honest students, one after the other, in the other."""
    course, expected = course_with(tmp_path, {"a_fork_hog": "fork_hog", **{f"b{k}": bs.VICTIM for k in range(1, 5)}})
    graded = grade(course, jobs=2)
    assert {s: (v.graded, v.score, v.reason) for s, v in graded.items()} == {
        s: (True, f.score, "") for s, f in expected.items()
    }


HOLD = """import sys, time
from grading.sandbox import uids

uids.FOLDERS = (uids.Path(sys.argv[1]),)
uid, _ = uids.take(int(sys.argv[2]), int(sys.argv[3]), wait=0)
print(uid, flush=True)
time.sleep(3600)  # until the test kills it
"""


@AS_ROOT
def test_each_process_takes_a_free_uid_until_it_ends(tmp_path, monkeypatch):
    folder = tmp_path / "uids"
    monkeypatch.setattr(uids, "FOLDERS", (folder,))
    first = max(uids.uids_with_processes()) + 1000  # owns no process
    holders = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, str(folder), str(first), "2"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(uids.__file__).parent.parent,
        )
        for _ in range(2)
    ]
    try:
        taken = [int(h.stdout.readline()) for h in holders]
        assert sorted(taken) == [first, first + 1]
        with pytest.raises(uids.NoFreeUid, match="all 2 sandbox uids"):
            uids.take(first, 2, wait=0)
        holders[0].kill()  # the lock goes with the process, however it ends
        holders[0].wait()
        uid, fd = uids.take(first, 2, wait=0)
        os.close(fd)
        assert uid == taken[0]
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()


@AS_ROOT
def test_a_uid_that_owns_a_process_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(uids, "FOLDERS", (tmp_path / "uids",))
    busy = os.getuid()  # root owns processes
    uid, fd = uids.take(busy, 2, wait=0)
    os.close(fd)
    assert uid == busy + 1


@AS_ROOT
def test_a_lock_folder_root_does_not_own_alone_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "uids"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    for path in (folder, link):
        monkeypatch.setattr(uids, "FOLDERS", (path,))
        with pytest.raises(uids.NoFreeUid, match="no lock folder"):
            uids.take(70000, 1, wait=0)
