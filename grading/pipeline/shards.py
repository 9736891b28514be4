"""Grading split into N shards (processes, or pods of a Kubernetes Job), then merged into the course's gradebook.

Shard ``i`` of ``N`` (``0 <= i < N``, counted from 0 like Kubernetes' ``JOB_COMPLETION_INDEX``) grades the students
whose id hashes to ``i``: the first 8 bytes of the SHA-256 of the id, as a big-endian number, modulo ``N``.  The split
depends on the id and ``N`` only, never on which other students submitted or in which order they were found, so the
shards need no coordination and a student is always graded by the same shard of a given ``N``.

A shard grades into a gradebook of its own, ``gradebooks/shard-i-of-N.db`` (nbgrader's ``CourseDirectory.db_url``):
a copy of the course's ``gradebook.db`` without its students, so it holds the assignments nbgrader needs.  Its
reports go to ``reports/shard-i-of-N/``; its graded notebooks to ``autograded/<student>/`` as usual (each student
belongs to one shard, so no two shards write one folder).  When it is done it writes ``gradebooks/shard-i-of-N.json``
(the course, a fingerprint of the assignments it graded against, one status per submission); a shard without it did
not finish.  :func:`merge` checks all N shards first and writes the course's gradebook only when every check holds,
into a copy that then replaces it.
"""

import dataclasses
import hashlib
import json
import os
import re
import sqlite3

from nbgrader.api import Gradebook, MissingEntry, SubmittedAssignment

from grading.pipeline import autograde

FOLDER = "gradebooks"
_NAME = re.compile(r"^shard-(\d+)-of-(\d+)\.db$")


class ShardError(ValueError):
    """Sharded grading cannot go on; the message names the problem and the fix."""


def parse(text):
    """``(i, N)`` from ``"i/N"``, with ``0 <= i < N``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not match or not int(match.group(1)) < int(match.group(2)):
        raise ShardError(
            f"a shard is i/N with 0 <= i < N (shards count from 0: 0/4, 1/4, 2/4, 3/4), not {text!r}: "
            "give e.g. SHARD=0/4"
        )
    return int(match.group(1)), int(match.group(2))


def shard_of(student, count):
    """The shard (``0 .. count - 1``) that grades ``student``."""
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % count


def name(index, count):
    return f"shard-{index}-of-{count}"


def shard_course(course, index, count):
    """The course as shard ``index`` of ``count`` sees it: its own gradebook and reports folder."""
    return dataclasses.replace(
        course,
        gradebook_file=f"{FOLDER}/{name(index, count)}.db",
        reports_dir=f"{course.reports_dir}/{name(index, count)}",
    )


def manifest_path(course, index, count):
    return course.root / FOLDER / f"{name(index, count)}.json"


def _copy_database(source, target):
    """``target``, a consistent copy of the SQLite file ``source`` (written beside it, then renamed into place)."""
    partial = target.with_name(f"{target.name}.partial")
    try:
        with sqlite3.connect(source) as reading, sqlite3.connect(partial) as writing:
            reading.backup(writing)
        reading.close()
        writing.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _assignments(gradebook, names=None):
    """``{assignment: (course_id, fingerprint)}``: the fingerprint covers every notebook, graded cell with its
    points, and locked cell with its checksum, so a shard graded against another release does not match."""
    found = {}
    for assignment in gradebook.assignments:
        if names is not None and assignment.name not in names:
            continue
        cells = []
        for notebook in assignment.notebooks:
            cells += [(notebook.name, "grade", c.name, c.cell_type, c.max_score) for c in notebook.grade_cells]
            cells += [(notebook.name, "task", c.name, c.cell_type, c.max_score) for c in notebook.task_cells]
            cells += [(notebook.name, "solution", c.name) for c in notebook.solution_cells]
            cells += [(notebook.name, "source", c.name, c.checksum or "") for c in notebook.source_cells]
        digest = hashlib.sha256(json.dumps(sorted(cells, key=str)).encode()).hexdigest()
        found[assignment.name] = (assignment.course_id, digest)
    return found


def _require_gradebook(course):
    if not course.gradebook.is_file():
        raise ShardError(
            f"{course.gradebook} does not exist: release the assignments first (`make release`), which records them "
            "in the gradebook"
        )


def grade(course, index, count, **options):
    """Grade shard ``index`` of ``count`` into its own gradebook; returns its statuses (see :func:`autograde.autograde`,
    which gets ``options``)."""
    _require_gradebook(course)
    shard = shard_course(course, index, count)
    done = manifest_path(course, index, count)
    done.unlink(missing_ok=True)  # from here until the shard finishes, the merge takes it for unfinished
    shard.gradebook.parent.mkdir(exist_ok=True)
    _copy_database(course.gradebook, shard.gradebook)
    with Gradebook(shard.gradebook_url) as gradebook:
        for student in [s.id for s in gradebook.students]:
            gradebook.remove_student(student)
        assignments = _assignments(gradebook)
    students = [s for s in course.students() if shard_of(s, count) == index]
    statuses = autograde.autograde(shard, students=students, **options) if students else []
    graded = sorted({s.assignment for s in statuses})
    manifest = {
        "shard": index,
        "of": count,
        "assignments": {a: list(assignments.get(a, ("", ""))) for a in graded},
        "statuses": [dataclasses.asdict(s) for s in statuses],
    }
    done.write_text(json.dumps(manifest, indent=1))
    return statuses


def _shards_present(course):
    """``{N: {i, ...}}`` of the shard gradebooks in ``gradebooks/``."""
    present = {}
    for path in (course.root / FOLDER).glob("shard-*-of-*.db"):
        match = _NAME.match(path.name)
        if match:
            present.setdefault(int(match.group(2)), set()).add(int(match.group(1)))
    return present


def _count(course, count):
    present = _shards_present(course)
    if count is None:
        if not present:
            raise ShardError(
                f"no shard gradebooks in {course.root / FOLDER}: grade the shards first "
                "(`make autograde SHARD=i/N` for every i from 0 to N-1)"
            )
        if len(present) > 1:
            raise ShardError(
                f"{course.root / FOLDER} holds shards of {len(present)} different splits ("
                + ", ".join(f"N={n}" for n in sorted(present))
                + "): say which to merge with --of N (make merge-shards OF=N), or delete the other split's files"
            )
        count = next(iter(present))
    missing = [i for i in range(count) if not manifest_path(course, i, count).is_file()]
    missing += [i for i in range(count) if i not in present.get(count, set()) and i not in missing]
    if missing:
        raise ShardError(
            f"shard(s) {', '.join(str(i) for i in sorted(missing))} of {count} are missing or did not finish "
            f"({FOLDER}/{name(sorted(missing)[0], count)}.json, written when a shard is done, is absent): grade them "
            f"(`make autograde SHARD={sorted(missing)[0]}/{count}`, and so on), then merge again; nothing was merged"
        )
    return count


def _check(course, manifests, gradebook):
    """Refuse shards of another course or release, and students graded by two shards or by the wrong one."""
    names = {a for m in manifests for a in m["assignments"]}
    ours = _assignments(gradebook, names)
    owner = {}
    for manifest in manifests:
        label = name(manifest["shard"], manifest["of"])
        for assignment, (course_id, digest) in manifest["assignments"].items():
            if assignment not in ours:
                raise ShardError(
                    f"{label} graded {assignment}, which {course.gradebook.name} of {course.root} does not have: "
                    "a shard of another course? Grade the shards of this course again; nothing was merged"
                )
            if ours[assignment][0] != course_id:
                raise ShardError(
                    f"{label} belongs to course {course_id!r}, this gradebook to {ours[assignment][0]!r}: "
                    "grade the shards of this course again; nothing was merged"
                )
            if ours[assignment][1] != digest:
                raise ShardError(
                    f"{label} graded {assignment} as released before its last release (its cells or points differ "
                    "from the gradebook's): grade that shard again; nothing was merged"
                )
        for status in manifest["statuses"]:
            student, count = status["student"], manifest["of"]
            other = owner.setdefault(student, label)
            if other != label:
                raise ShardError(
                    f"student {student} was graded by both {other} and {label}: delete the shards of the wrong "
                    "split and grade again; nothing was merged"
                )
            if shard_of(student, count) != manifest["shard"]:
                raise ShardError(
                    f"student {student} was graded by {label} but belongs to {name(shard_of(student, count), count)}: "
                    "grade the shards again; nothing was merged"
                )


def _copy_submission(source, target, student, assignment):
    """The automatic part of one submission, from a shard's gradebook into the course's: the student (when new),
    the timestamp, each cell's automatic score and comment, the late penalty.  Manual scores, manual comments,
    extra credit, flags and extensions the course's gradebook holds are kept."""
    theirs = source.find_submission(assignment, student)
    try:
        target.find_student(student)
    except MissingEntry:
        who = theirs.student
        target.add_student(
            student, first_name=who.first_name, last_name=who.last_name, email=who.email, lms_user_id=who.lms_user_id
        )
    target.update_or_create_submission(assignment, student, timestamp=theirs.timestamp)
    for notebook in theirs.notebooks:
        mine = target.find_submission_notebook(notebook.name, assignment, student)
        mine.late_submission_penalty = notebook.late_submission_penalty
        for grade in notebook.grades:
            kept = target.find_grade(grade.name, notebook.name, assignment, student)
            kept.auto_score = grade.auto_score
            # nbgrader's own rule (SaveAutoGrades): review what a grader scored by hand, or what has no automatic score
            kept.needs_manual_grade = kept.manual_score is not None or kept.auto_score is None
        for comment in notebook.comments:
            target.find_comment(comment.name, notebook.name, assignment, student).auto_comment = comment.auto_comment
    target.db.commit()


def _submissions(gradebook):
    """``{(student, assignment)}`` of every submission in ``gradebook``."""
    return {(s.student_id, s.assignment.name) for s in gradebook.db.query(SubmittedAssignment)}


def _merge_reports(course, count, statuses):
    """The shards' reports as one run's: ``reports/autograde.json``, ``sandbox.json``, the logs per assignment."""
    enforced, unisolated, logs = {}, False, {}
    for index in range(count):
        folder = course.reports / name(index, count)
        sandbox = folder / "sandbox.json"
        if sandbox.is_file():
            found = json.loads(sandbox.read_text())
            enforced.update(found.get("enforced", {}))
            unisolated = unisolated or found.get("unisolated", False)
        for log in sorted(folder.glob("autograde_*.log")):
            logs.setdefault(log.name, []).append(log.read_text())
    autograde.write_report(course, statuses, enforced, unisolated)
    for log, texts in logs.items():
        (course.reports / log).write_text("".join(texts))


def merge(course, count=None):
    """Merge the N shard gradebooks into the course's gradebook; returns the merged statuses.

    Every shard is checked before anything is written (:class:`ShardError` names the problem and the fix); the
    merge writes a copy of the gradebook that replaces it only once complete, so it never stops half way.
    """
    _require_gradebook(course)
    count = _count(course, count)
    manifests = []
    for index in range(count):
        try:
            manifest = json.loads(manifest_path(course, index, count).read_text())
        except (OSError, ValueError) as exc:
            raise ShardError(
                f"{manifest_path(course, index, count)} is unreadable ({exc}): grade shard {index}/{count} again"
            ) from exc
        if (manifest.get("shard"), manifest.get("of")) != (index, count):
            raise ShardError(
                f"{manifest_path(course, index, count)} says it is shard {manifest.get('shard')} of "
                f"{manifest.get('of')}: grade shard {index}/{count} again"
            )
        manifests.append(manifest)
    with Gradebook(course.gradebook_url) as gradebook:
        _check(course, manifests, gradebook)
    for index, manifest in enumerate(manifests):
        with Gradebook(shard_course(course, index, count).gradebook_url) as source:
            listed = {(s["student"], s["assignment"]) for s in manifest["statuses"]}
            unlisted = sorted(_submissions(source) - listed)
            if unlisted:
                raise ShardError(
                    f"{name(index, count)}.db holds submissions its report does not list ({unlisted[:3]}): it was "
                    f"written by another run; grade shard {index}/{count} again; nothing was merged"
                )
    merging = course.gradebook.with_name(f".{course.gradebook.name}.merging")
    _copy_database(course.gradebook, merging)
    statuses = []
    try:
        with Gradebook(f"sqlite:///{merging}") as target:
            for index, manifest in enumerate(manifests):
                shard = shard_course(course, index, count)
                with Gradebook(shard.gradebook_url) as source:
                    graded = _submissions(source)
                    for status in manifest["statuses"]:
                        student, assignment = status["student"], status["assignment"]
                        autograde.clear_auto_scores(target, student=student, assignment=assignment)
                        if (student, assignment) in graded:  # else refused before grading: its scores stay forgotten
                            _copy_submission(source, target, student, assignment)
                statuses += [autograde.Status(**s) for s in manifest["statuses"]]
        os.replace(merging, course.gradebook)
    finally:
        merging.unlink(missing_ok=True)
    _merge_reports(course, count, statuses)
    return statuses
