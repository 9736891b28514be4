"""Collecting submissions: LMS downloads (.ipynb and .zip, every bad file reported) and nbgrader's exchange."""

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import unprivileged

from grading.__main__ import main
from grading.course import copy_course, single_thread_env
from grading.pipeline.collect import CollectError, collect_downloads, collect_exchange, notebook_for

ASSIGNMENT = "week2_numpy_basics"
NOTEBOOK = "numpy_basics.ipynb"
ME = pwd.getpwuid(os.getuid()).pw_name  # the account running the tests: it owns what they write


@pytest.fixture
def course(tmp_path):
    return copy_course(tmp_path / "course")


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


def notebook_bytes(marker):
    """A small notebook whose bytes differ per ``marker`` (collection never looks inside)."""
    notebook = {"cells": [], "metadata": {"marker": marker}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(notebook, indent=1) + "\n").encode()


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def submitted(course, student):
    return course.submitted / student / ASSIGNMENT / NOTEBOOK


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reasons(result):
    return {path.name if hasattr(path, "name") else path: reason for path, reason in result.problems}


def test_good_ipynb_is_copied_byte_for_byte_and_the_download_is_untouched(course, downloads):
    # Unusual bytes on purpose: CRLF, no trailing newline, non-ASCII; a re-serialisation would change them.
    data = notebook_bytes("s1234567").replace(b"\n", b"\r\n").rstrip() + " é".encode()
    download = downloads / "s1234567_week2_numpy_basics.ipynb"
    download.write_bytes(data)
    before = (sha(download), download.stat().st_mtime_ns)
    result = collect_downloads(course, downloads, ASSIGNMENT)
    assert result.problems == []
    assert result.collected == [("s1234567", submitted(course, "s1234567"))]
    assert sha(submitted(course, "s1234567")) == before[0] == hashlib.sha256(data).hexdigest()
    assert (sha(download), download.stat().st_mtime_ns) == before


def test_good_zip_takes_only_the_assignment_notebook(course, downloads):
    make_zip(
        downloads / "jdoe_attempt_2024-11-01.zip",
        {
            f"jdoe/{NOTEBOOK}": notebook_bytes("real"),
            f"__MACOSX/jdoe/{NOTEBOOK}": b"resource fork",
            f"jdoe/.ipynb_checkpoints/{NOTEBOOK}": notebook_bytes("checkpoint"),
            "jdoe/scratch.ipynb": notebook_bytes("other"),
            "jdoe/data.csv": b"1,2\n",
        },
    )
    result = collect_downloads(course, downloads, ASSIGNMENT)
    assert result.problems == []
    assert result.collected == [("jdoe", submitted(course, "jdoe"))]
    assert submitted(course, "jdoe").read_bytes() == notebook_bytes("real")
    assert sorted(p.name for p in (course.submitted / "jdoe" / ASSIGNMENT).iterdir()) == [NOTEBOOK]


def test_zip_slip_members_are_reported_and_never_written(course, downloads, tmp_path):
    make_zip(
        downloads / "mallory_hw.zip",
        {
            "../../evil.ipynb": b"x",
            f"/abs/{NOTEBOOK}": b"x",
            f"..\\{NOTEBOOK}": b"x",
            f"C:/temp/{NOTEBOOK}": b"x",
            NOTEBOOK: notebook_bytes("mallory"),
        },
    )
    result = collect_downloads(course, downloads, ASSIGNMENT)
    unsafe = [reason for path, reason in result.problems if path.name == "mallory_hw.zip"]
    assert len(unsafe) == 4 and all("unsafe member" in r for r in unsafe)
    assert any("../../evil.ipynb" in r for r in unsafe)
    assert submitted(course, "mallory").read_bytes() == notebook_bytes("mallory")
    assert not list(tmp_path.rglob("evil.ipynb"))
    assert [p for p in tmp_path.rglob(NOTEBOOK) if "notebooks" not in p.parts] == [submitted(course, "mallory")]


def test_bad_names_and_unexpected_files_are_reported(course, downloads):
    for name in ("nounderscore.ipynb", "_s1_hw.ipynb", ".._escape.ipynb", "s2_notes.txt", "s3_hw"):
        (downloads / name).write_bytes(b"{}")
    (downloads / "s4_folder").mkdir()
    result = collect_downloads(course, downloads, ASSIGNMENT)
    found = reasons(result)
    assert result.collected == [] and not course.submitted.exists()
    assert set(found) == {"nounderscore.ipynb", "_s1_hw.ipynb", ".._escape.ipynb", "s2_notes.txt", "s3_hw", "s4_folder"}
    assert "no student id" in found["nounderscore.ipynb"] and "no student id" in found["_s1_hw.ipynb"]
    assert "not usable as a folder name" in found[".._escape.ipynb"]
    assert "unexpected file type '.txt'" in found["s2_notes.txt"] and "'(none)'" in found["s3_hw"]
    assert "is a folder" in found["s4_folder"]


def test_unreadable_zip_is_reported(course, downloads):
    (downloads / "s1_hw.zip").write_bytes(b"this is not a zip file")
    good = make_zip(downloads / "s2_hw.zip", {NOTEBOOK: notebook_bytes("s2")})
    (downloads / "s3_hw.zip").write_bytes(good.read_bytes()[:40])  # truncated download
    make_zip(downloads / "s4_hw.zip", {"wrong_name.ipynb": notebook_bytes("s4")})
    result = collect_downloads(course, downloads, ASSIGNMENT)
    found = reasons(result)
    assert "unreadable zip" in found["s1_hw.zip"] and "unreadable zip" in found["s3_hw.zip"]
    assert "no notebook of the assignment" in found["s4_hw.zip"]
    assert result.collected == [("s2", submitted(course, "s2"))]


def test_two_files_of_one_student_are_a_conflict_and_neither_is_taken(course, downloads):
    (downloads / "s1_first.ipynb").write_bytes(notebook_bytes("a"))
    make_zip(downloads / "s1_second.zip", {NOTEBOOK: notebook_bytes("b")})
    (downloads / "s2_hw.ipynb").write_bytes(notebook_bytes("s2"))
    result = collect_downloads(course, downloads, ASSIGNMENT)
    found = reasons(result)
    assert "also has s1_second.zip" in found["s1_first.ipynb"] and "also has s1_first.ipynb" in found["s1_second.zip"]
    assert not (course.submitted / "s1").exists()
    assert result.collected == [("s2", submitted(course, "s2"))]


def test_existing_different_submission_is_kept_unless_forced(course, downloads):
    existing = submitted(course, "s1")
    existing.parent.mkdir(parents=True)
    existing.write_bytes(notebook_bytes("earlier"))
    (downloads / "s1_hw.ipynb").write_bytes(notebook_bytes("later"))

    result = collect_downloads(course, downloads, ASSIGNMENT)
    assert result.collected == [] and "already exists with different content" in reasons(result)["s1_hw.ipynb"]
    assert existing.read_bytes() == notebook_bytes("earlier")

    forced = collect_downloads(course, downloads, ASSIGNMENT, force=True)
    assert forced.problems == [] and forced.collected == [("s1", existing)]
    assert existing.read_bytes() == notebook_bytes("later")

    again = collect_downloads(course, downloads, ASSIGNMENT)
    assert again.problems == [] and again.collected == [] and again.unchanged == [("s1", existing)]


def test_custom_pattern_and_bad_arguments(course, downloads):
    (downloads / "Week 2 - Smith, Jo (js42) - numpy.ipynb").write_bytes(notebook_bytes("js42"))
    result = collect_downloads(course, downloads, ASSIGNMENT, pattern=r"\((?P<student>\w+)\)")
    assert result.problems == [] and result.collected == [("js42", submitted(course, "js42"))]
    with pytest.raises(CollectError, match="captures nothing"):
        collect_downloads(course, downloads, ASSIGNMENT, pattern=r"^\w+_")
    with pytest.raises(CollectError, match="not a valid regular expression"):
        collect_downloads(course, downloads, ASSIGNMENT, pattern=r"^(\w+")
    with pytest.raises(CollectError, match="unknown assignment"):
        collect_downloads(course, downloads, "week9_nothing")


def test_a_notebook_is_matched_by_name_when_the_assignment_has_several():
    notebooks = ["part1.ipynb", "part1_extra.ipynb", "part2.ipynb"]
    assert notebook_for("s1_part2.ipynb", notebooks) == ("part2.ipynb", "")
    assert notebook_for("s1_hw_part1_extra.ipynb", notebooks) == ("part1_extra.ipynb", "")
    assert notebook_for("s1_homework.ipynb", notebooks)[0] is None


def test_cli_prints_a_line_per_file_and_fails_on_problems(course, downloads, capsys):
    (downloads / "s1_hw.ipynb").write_bytes(notebook_bytes("s1"))
    args = ["--course", str(course.root), "collect", "--downloads", str(downloads), "--assignment", ASSIGNMENT]
    assert main(args) == 0
    assert f"collected  s1               submitted/s1/{ASSIGNMENT}/{NOTEBOOK}" in capsys.readouterr().out
    (downloads / "oops.pdf").write_bytes(b"%PDF")
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "unchanged  s1" in out and "PROBLEM" in out and "oops.pdf" in out
    with pytest.raises(SystemExit):
        main(["--course", str(course.root), "collect", "--downloads", str(downloads)])


@pytest.mark.slow
def test_missing_exchange_folder_is_a_problem(course, tmp_path):
    result = collect_exchange(course, tmp_path / "nowhere", [ASSIGNMENT])
    assert result.collected == [] and "no such exchange folder" in result.problems[0][1]
    with pytest.raises(CollectError, match="unknown assignment"):
        collect_exchange(course, tmp_path, ["week9_nothing"])


def write_inbound(exchange, student, timestamp, data, course_id="nn-from-scratch", stamp=True):
    """A submission laid out as nbgrader 0.9.6's ``ExchangeSubmit.copy_files`` leaves it (``stamp``: the
    content of ``timestamp.txt``, ``None`` for none, by default the one in the folder name)."""
    inbound = exchange / course_id / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    folder = inbound / f"{student}+{ASSIGNMENT}+{timestamp}+AbCdEfGh-_12"
    folder.mkdir()
    (folder / NOTEBOOK).write_bytes(data)
    if stamp is not None:
        (folder / "timestamp.txt").write_text(timestamp if stamp is True else stamp)
    (folder / "submission_secret.txt").write_text("0" * 128)
    return folder


def now_stamp(offset=0.0):
    """nbgrader's own timestamp format, ``offset`` seconds from now."""
    return (datetime.now(timezone.utc) + timedelta(seconds=offset)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def recorded_time(course, student):
    return datetime.strptime(
        (course.submitted / student / ASSIGNMENT / "timestamp.txt").read_text(), "%Y-%m-%d %H:%M:%S.%f %Z"
    ).replace(tzinfo=timezone.utc)


@pytest.fixture
def shared(tmp_path):
    """A folder every user may enter (pytest's own are root's only), for an exchange and students' homes."""
    folder = Path(tempfile.mkdtemp(prefix="nn-exchange-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.slow
def test_exchange_round_trip(course, shared):
    """Two Unix users submit with nbgrader itself (the second as an ordinary user, when the tests run as
    root), after an earlier attempt of the first; nbgrader then collects each one's latest submission.

    The release is laid out by hand as ``nbgrader release_assignment`` does (outbound/ and inbound/)
    with the source notebook: collection never reads cells, and each nbgrader start costs 3-4 s.
    """
    exchange = shared / "exchange"
    shutil.copytree(course.source / ASSIGNMENT, exchange / "nn-from-scratch" / "outbound" / ASSIGNMENT)
    (exchange / "nn-from-scratch" / "inbound").mkdir()
    os.chmod(exchange, 0o1777)  # as deploy/hub.py and nbgrader's release leave them
    os.chmod(exchange / "nn-from-scratch" / "inbound", 0o3733)
    shutil.copytree(course.source / ASSIGNMENT, course.release_dir / ASSIGNMENT)
    write_inbound(exchange, ME, now_stamp(), notebook_bytes("my earlier attempt"))
    time.sleep(0.05)

    students = [ME] + (["nobody"] if os.geteuid() == 0 else [])
    submits, sent = [], {}
    for student in students:
        home = shared / student
        shutil.copytree(course.release_dir / ASSIGNMENT, home / ASSIGNMENT)
        sent[student] = notebook_bytes(student)
        (home / ASSIGNMENT / NOTEBOOK).write_bytes(sent[student])
        command = [
            sys.executable,
            "-m",
            "nbgrader",
            "submit",
            ASSIGNMENT,
            "--course",
            "nn-from-scratch",
            "--student",
            student,
            f"--Exchange.root={exchange}",
            f"--Exchange.cache={home / 'cache'}",
        ]
        if student == ME:
            submits.append(
                subprocess.Popen(
                    command,
                    cwd=home,
                    env=single_thread_env(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        else:
            unprivileged.chown_tree(home)
            done = unprivileged.run(command, home=home, extra_paths=[exchange, home], timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
    for process in submits:
        output = process.communicate()[0]
        assert process.returncode == 0, output

    first = collect_exchange(course, exchange, [ASSIGNMENT])
    assert first.problems == [], first.lines()
    assert sorted(first.collected) == [(s, course.submitted / s / ASSIGNMENT) for s in sorted(students)]
    for student, data in sent.items():
        assert submitted(course, student).read_bytes() == data, f"{student} got the wrong submission"

    second = collect_exchange(course, exchange, [ASSIGNMENT])
    assert second.problems == [] and second.collected == []
    assert sorted(student for student, _ in second.unchanged) == sorted(students)


def overlapping_zip(path, member, copies):
    """A zip whose central directory lists the one stored ``member`` ``copies`` times under other names."""
    make_zip(path, {member: b"{" + b" " * 2_000_000 + b"}"})
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    start = int.from_bytes(data[end + 16 : end + 20], "little")
    entry = data[start:end]
    name_length = int.from_bytes(entry[28:30], "little")
    entries = []
    for k in range(copies):  # the same local header (offset and sizes), under the name d<k>/<member>
        name = f"d{k}/".encode() + entry[46 : 46 + name_length]
        entries.append(entry[:28] + len(name).to_bytes(2, "little") + entry[30:46] + name)
    directory = b"".join(entries)
    tail = bytearray(data[end:])
    tail[8:10] = tail[10:12] = copies.to_bytes(2, "little")
    tail[12:16] = len(directory).to_bytes(4, "little")
    path.write_bytes(data[:start] + directory + bytes(tail))
    return path


def test_a_zip_with_overlapping_entries_is_refused_before_anything_is_read(course, downloads):
    overlapping_zip(downloads / "s1_week2.zip", NOTEBOOK, 50)
    with zipfile.ZipFile(downloads / "s1_week2.zip") as archive:
        assert len(archive.infolist()) == 50  # what a naive reader would decompress, 50 times
    result = collect_downloads(course, downloads, ASSIGNMENT)
    assert result.collected == [] and "crafted zip" in reasons(result)["s1_week2.zip"]


def test_ids_starting_with_a_dash_and_control_characters_are_refused_and_printed_escaped(course, downloads):
    (downloads / f"-rf_{NOTEBOOK}").write_bytes(notebook_bytes("dash"))
    (downloads / "s2_week2\nPROBLEM none.ipynb").write_bytes(notebook_bytes("newline"))
    result = collect_downloads(course, downloads, ASSIGNMENT)
    assert result.collected == []
    assert "not usable" in reasons(result)[f"-rf_{NOTEBOOK}"]
    assert "control characters" in reasons(result)["s2_week2\nPROBLEM none.ipynb"]
    lines = result.lines(course.root)
    assert len(lines) == 2 and all("\n" not in line for line in lines) and any("\\n" in line for line in lines)


@pytest.mark.slow
def test_exchange_takes_only_notebooks_of_folders_owned_by_the_student_they_name(course, tmp_path):
    """``daemon`` is a Unix user: a folder under that name owned by whoever runs the tests is not theirs.
    Extra files and links in a submission are not taken."""
    if "daemon" not in {p.pw_name for p in pwd.getpwall()} or ME == "daemon":
        pytest.skip("needs a Unix user 'daemon' other than the one running the tests")
    exchange = tmp_path / "exchange"
    write_inbound(exchange, "daemon", now_stamp(), notebook_bytes("forged"))
    mine = write_inbound(exchange, ME, now_stamp(), notebook_bytes(ME))
    (mine / "helper.py").write_text("print('run me')\n")
    (mine / "secret.txt").symlink_to("/etc/passwd")
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert [student for student, _ in result.collected] == [ME], result.lines()
    assert any("owned by uid" in reason for _, reason in result.problems), result.lines()
    taken = sorted(p.name for p in (course.submitted / ME / ASSIGNMENT).iterdir())
    assert taken == [NOTEBOOK, "submission_secret.txt", "timestamp.txt"]
    assert any("helper.py" in note and "secret.txt" in note for note in result.notes), result.lines()
    assert not (course.submitted / "daemon").exists()


# ---- Attacks on the way in (issue 17: red team #3, #6, #7, #12 and the course id) ------------------

_SWAP = {}


def _swap_on_access(event, args):
    """Audit hook: when the armed name is first opened or listed, swap the student's folder for a link."""
    if not _SWAP or event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    if not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    if os.path.basename(os.fsdecode(os.fspath(args[0]))) != _SWAP["when"]:
        return
    folder, target = _SWAP.pop("folder"), _SWAP.pop("target")
    _SWAP.clear()  # disarmed before the swap, whose own calls are audited too
    os.rename(folder, folder.with_name(".moved"))
    os.symlink(target, folder)


sys.addaudithook(_swap_on_access)


@pytest.mark.parametrize("moment", ["folder opened", "notebook opened"])
def test_a_folder_swapped_for_a_link_to_the_instructors_source_is_never_read(course, tmp_path, moment):
    """Red team #3: the student swaps their own inbound folder for a link to ``notebooks/<assignment>``
    right when collect first opens the folder, or right when it opens the notebook in it (a race the
    student wins with inotify and a padded folder; here made deterministic)."""
    exchange = tmp_path / "exchange"
    folder = write_inbound(exchange, ME, now_stamp(), notebook_bytes("my own blank work"))
    _SWAP.update(
        folder=folder, target=course.source / ASSIGNMENT, when=folder.name if moment == "folder opened" else NOTEBOOK
    )
    try:
        result = collect_exchange(course, exchange, [ASSIGNMENT])
    finally:
        _SWAP.clear()
    assert folder.is_symlink(), "the swap did not happen"
    source = (course.source / ASSIGNMENT / NOTEBOOK).read_bytes()
    taken = submitted(course, ME).read_bytes() if submitted(course, ME).exists() else b""
    assert taken != source and b"BEGIN SOLUTION" not in taken, result.lines()
    if moment == "folder opened":
        assert result.collected == [] and any("a link" in reason for _, reason in result.problems), result.lines()
    else:
        assert taken == notebook_bytes("my own blank work"), result.lines()


@pytest.mark.parametrize("stamp", ["2000-01-01 00:00:00.000000 UTC", None, "yesterday, honest"])
def test_a_backdated_missing_or_malformed_timestamp_never_makes_a_submission_earlier(course, tmp_path, stamp):
    """Red team #6: the folder name and ``timestamp.txt`` are the student's; the time recorded is the
    exchange's (the change times no user can set back), and the disagreement is reported."""
    exchange = tmp_path / "exchange"
    write_inbound(exchange, ME, "2000-01-01 00:00:00.000000 UTC", notebook_bytes(ME), stamp=stamp)
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert [student for student, _ in result.collected] == [ME], result.lines()
    assert recorded_time(course, ME) >= before, result.lines()
    assert any("timestamp.txt" in reason for _, reason in result.problems), result.lines()


def test_an_honest_timestamp_is_kept_and_a_later_submission_wins(course, tmp_path):
    exchange = tmp_path / "exchange"
    write_inbound(exchange, ME, now_stamp(-0.5), notebook_bytes("first"))
    time.sleep(0.05)
    stamp = now_stamp()
    write_inbound(exchange, ME, stamp, notebook_bytes("second"))
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert result.problems == [] and submitted(course, ME).read_bytes() == notebook_bytes("second"), result.lines()
    assert (course.submitted / ME / ASSIGNMENT / "timestamp.txt").read_text() == stamp


def test_ids_off_the_roster_are_reported_and_not_collected(course, tmp_path):
    """Red team #7: folders for a case variant of a real account, an id with no account and ``@A1``."""
    exchange = tmp_path / "exchange"
    phantoms = [ME.upper() if ME.upper() != ME else ME.lower(), "nobody-on-roster", "@A1"]
    for student in phantoms:
        write_inbound(exchange, student, now_stamp(), notebook_bytes(student))
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert result.collected == [] and not course.submitted.exists(), result.lines()
    assert len(result.problems) == 3, result.lines()
    assert "case" in " ".join(reason for _, reason in result.problems)


def test_the_course_id_comes_from_the_configuration(course, tmp_path):
    """With another course id in nbgrader_config.py, collect still checks owners and takes only
    notebooks (it once looked for a hard-coded id, found nothing and let nbgrader take everything)."""
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text().replace('course_id = "nn-from-scratch"', 'course_id = "nn-2027"'))
    exchange = tmp_path / "exchange"
    write_inbound(exchange, "nobody-on-roster", now_stamp(), notebook_bytes("phantom"), course_id="nn-2027")
    mine = write_inbound(exchange, ME, now_stamp(), notebook_bytes(ME), course_id="nn-2027")
    (mine / "helper.py").write_text("print('run me')\n")
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert [student for student, _ in result.collected] == [ME], result.lines()
    taken = sorted(p.name for p in (course.submitted / ME / ASSIGNMENT).iterdir())
    assert taken == [NOTEBOOK, "submission_secret.txt", "timestamp.txt"]


def test_a_missing_inbound_folder_fails_closed(course, tmp_path):
    exchange = tmp_path / "exchange"
    (exchange / "nn-from-scratch" / "outbound").mkdir(parents=True)
    result = collect_exchange(course, exchange, [ASSIGNMENT])
    assert result.collected == [] and not course.submitted.exists()
    assert any("inbound" in str(path) + reason for path, reason in result.problems), result.lines()
