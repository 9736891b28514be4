"""Grading throughput of the whole course for a simulated class (run by `make bench`).

In a temporary copy of the course, every assignment found under notebooks/ is released and N
students submit its solved notebooks.  Next to them, the *floor*: an assignment whose notebook only
imports what the course notebooks import and runs one trivial test cell, graded the same way
through the same sandbox.  The class is then autograded once per entry of --jobs-list, one
assignment after the other (the floor before and after them, averaged), each run from a fresh
autograded/ and gradebook.

For the serial run the seconds per notebook are split into starting and stopping the kernel,
executing the cells, nbgrader's own work (process start, sanitizing, restoring cells, the
gradebook) and verification (everything after nbgrader: check records, statuses, report); the
timestamps come from :mod:`bench_timing`, installed in the temporary course's configuration.
Each assignment's cost is given as a multiple of the floor's, with the peak memory of one job
(an nbgrader process and its kernel), the projected time for --project students with each JOBS
and the speed-up.  CPU seconds, per notebook and per call, are those of the whole grading process tree,
kernels included (:class:`bench_timing.TreeCpu`: a cpuacct cgroup where it can make one); on a shared
machine they, not the wall time, say what grading costs.  Plain nbgrader grading the same floor, without the
sandbox or the course's plug-ins, is measured in the same run as the anchor (the host's speed moves both).
The runs must give identical scores (exit 1 if not).
"""

import argparse
import ast
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import bench_timing as timing

from course_utils import records
from grading import recording
from grading.course import copy_course, single_thread_env
from grading.notebook_cells import load, source_text
from grading.pipeline import release, submissions
from grading.pipeline.autograde import autograde

FLOOR = "bench_floor"
FLOOR_NOTEBOOK = "floor.ipynb"
WEEK = ("week3_shallow_network", "week3_quiz")  # one notebook and its quiz per student: the projected week
PAGE = os.sysconf("SC_PAGE_SIZE")


def jobs_list(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"--jobs-list {text!r} must be positive integers separated by commas, e.g. 1,2"
        )
    return values


def course_imports(course, assignments):
    """The top-level import statements of every code cell of the course's notebooks, each once, in order."""
    lines = []
    for assignment in assignments:
        for name in course.notebooks(assignment):
            for cell in load(course.source / assignment / name)["cells"]:
                if cell["cell_type"] != "code":
                    continue
                try:
                    tree = ast.parse(source_text(cell))
                except SyntaxError:
                    continue
                for node in tree.body:
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and ast.unparse(node) not in lines:
                        lines.append(ast.unparse(node))
    return lines


def write_floor(course, assignments):
    """The floor assignment: one locked cell with the course's imports, one trivial graded test cell."""
    imports = course_imports(course, assignments) + ["from course_utils.checks import check_true"]
    template = load(course.source / assignments[0] / course.notebooks(assignments[0])[0])

    def cell(grade_id, source, points=None):
        meta = {
            "grade": points is not None,
            "grade_id": grade_id,
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        if points is not None:
            meta["points"] = points
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": grade_id,
            "metadata": {"nbgrader": meta},
            "outputs": [],
            "source": source,
        }

    notebook = {
        "cells": [
            cell("imports", "\n".join(dict.fromkeys(imports))),
            cell("test_floor", 'check_true(1 + 1 == 2, "arithmetic is broken", name="floor")', points=1),
        ],
        "metadata": {
            key: template["metadata"][key] for key in ("kernelspec", "language_info") if key in template["metadata"]
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    folder = course.source / FLOOR
    folder.mkdir()
    (folder / FLOOR_NOTEBOOK).write_text(json.dumps(notebook, indent=1) + "\n")


def record_references(course, assignments, folder):
    """References in ``folder``, a copy of the repository's, never the repository's own: the floor's recorded,
    and those of ``assignments`` that are missing or stale there recorded again (with a note: run
    `make references` for the course)."""
    shutil.copytree(records.REFERENCES, folder)
    stale = [a for a in assignments if recording.problems(course, [a], folder)]
    if stale:
        print(
            f"note: the references of {', '.join(stale)} are not current in references/: recorded for the bench "
            "only; run `make references` for the course",
            file=sys.stderr,
        )
    recording.record(course, [FLOOR, *stale], root=folder)


def plain_nbgrader_floor(course, students, tree, parent):
    """The issue's anchor, CPU seconds per notebook of plain nbgrader grading the floor: its own configuration (no
    sandbox, none of the course's plug-ins, its default kernel), in a course of its own under ``parent``.

    Per notebook is the difference between grading ``students`` floors and grading one, over ``students - 1``:
    nbgrader's start-up cancels out, as it does in the course's CPU/nb.  ``None`` for a class of one.
    """
    if students < 2:
        return None
    root = parent / "anchor"
    (root / "source" / FLOOR).mkdir(parents=True)
    shutil.copy2(course.source / FLOOR / FLOOR_NOTEBOOK, root / "source" / FLOOR)
    (root / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "bench-anchor"\n')

    def nbgrader(*args):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args], cwd=root, env=single_thread_env(), capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"plain nbgrader {args[0]} failed:\n{(done.stdout + done.stderr)[-2000:]}")

    nbgrader("generate_assignment", FLOOR, "--force")
    cpu = {}
    for count in (1, students):
        shutil.rmtree(root / "submitted", ignore_errors=True)
        for number in range(count):
            folder = root / "submitted" / f"a{number:07d}" / FLOOR
            folder.mkdir(parents=True)
            shutil.copy2(root / "release" / FLOOR / FLOOR_NOTEBOOK, folder)
        before = tree.seconds()
        nbgrader("autograde", FLOOR, "--force")
        cpu[count] = tree.seconds() - before
    return (cpu[students] - cpu[1]) / (students - 1)


def simulate_class(course, assignments, students):
    """Release ``assignments`` and write a solved submission of each for ``students`` distinct ids."""
    release.generate(course, assignments)
    ids = [f"s{number:07d}" for number in range(1, students + 1)]
    for assignment in assignments:
        for name in course.notebooks(assignment):
            solved = submissions.solved(*submissions.release_and_source(course, assignment, name))
            for student in ids:
                submissions.write(course, student, assignment, name, solved)
    return ids


class MemorySampler:
    """Peak resident memory of each child process of this one together with all its descendants
    (an nbgrader process and its kernel), sampled from /proc."""

    def __init__(self, interval=0.25):
        self.interval, self.peaks, self._stop = interval, defaultdict(int), threading.Event()
        self.cpu = 0.0  # this sampler's own CPU seconds: measuring, not grading
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        start = time.thread_time()
        try:
            self._sample()
        finally:
            self.cpu = time.thread_time() - start

    def _sample(self):
        me = os.getpid()
        while not self._stop.wait(self.interval):
            parent, rss = {}, {}
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat") as stat, open(f"/proc/{entry.name}/statm") as statm:
                        parent[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
                        rss[int(entry.name)] = int(statm.read().split()[1]) * PAGE
                except (OSError, IndexError, ValueError):
                    continue
            totals = defaultdict(int)
            for pid in parent:
                top, hops = pid, 0
                while parent.get(top) not in (me, None, 0) and hops < 50:
                    top, hops = parent[top], hops + 1
                if parent.get(top) == me:
                    totals[top] += rss[pid]
            for top, total in totals.items():
                self.peaks[top] = max(self.peaks[top], total)

    def peak(self):
        """The largest peak of one job, in bytes."""
        return max(self.peaks.values(), default=0)


def read_log(path):
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def grade_one(course, assignment, jobs, log_dir, folder, tree):
    """Autograde one assignment for the whole class; the wall and CPU time, statuses and the split of the time.

    CPU is that of the whole process tree (``tree``, a :class:`bench_timing.TreeCpu`): this process (the
    sandbox probe, staging, reports), the nbgrader processes and their kernels; the memory sampler's own
    CPU is left out.
    """
    log = log_dir / f"{assignment}-jobs{jobs}-{len(list(log_dir.iterdir()))}.jsonl"
    os.environ[timing.LOG] = str(log)
    try:
        with MemorySampler() as memory:
            cpu_before, rusage_before = tree.seconds(), timing.TreeCpu().seconds()
            start = time.time()
            statuses = autograde(course, [assignment], jobs=jobs, references=folder)
            end = time.time()
            cpu_after, rusage_after = tree.seconds(), timing.TreeCpu().seconds()
        cpu = cpu_after - cpu_before - memory.cpu
    finally:
        del os.environ[timing.LOG]
    events = read_log(log)
    executes = [e for e in events if e["event"] == "execute"]
    processes = [e for e in events if e["event"] == "process"]
    notebooks = [e for e in events if e["event"] == "notebook"]
    verifying = sum(e["seconds"] for e in events if e["event"] == "preprocessor" and "verif" in e["name"].lower())
    preprocessors = defaultdict(float)
    for e in events:
        if e["event"] == "preprocessor":
            preprocessors[e["name"]] += e["seconds"]
    overhead = 0.0  # per-process time outside notebooks: start-up and shut-down, which do not grow with the class
    for process in processes:
        own = [n for n in notebooks if n["pid"] == process["pid"]]
        if own:
            overhead = max(
                overhead, min(n["start"] for n in own) - process["start"] + process["end"] - max(n["end"] for n in own)
            )
    cells = defaultdict(list)
    for e in executes:
        for index, seconds, first_line in e["cells"]:
            cells[(index, first_line)].append(seconds)
    return {
        "assignment": assignment,
        "jobs": jobs,
        "wall": end - start,
        "statuses": statuses,
        "notebooks": len(executes),
        "kernel": sum(e["kernel_start"] + e["kernel_stop"] for e in executes),
        "cells": sum(e["cells_seconds"] for e in executes),
        "verify": verifying,
        "cpu": cpu,
        "cpu_rusage": rusage_after - rusage_before - memory.cpu,  # what getrusage saw: kernels may be missing
        "cpu_notebooks": sum(n.get("cpu", 0.0) for n in notebooks),
        "preprocessors": dict(preprocessors),
        "overhead": overhead,
        "peak_mb": memory.peak() / 2**20,
        "slowest": sorted(((sum(v) / len(v), index, line) for (index, line), v in cells.items()), reverse=True)[:3],
    }


def average(first, second):
    """The mean of two runs of one assignment (numbers averaged, peaks the larger, statuses the second's)."""
    merged = dict(second)
    for key in ("wall", "kernel", "cells", "verify", "overhead", "cpu", "cpu_rusage", "cpu_notebooks"):
        merged[key] = (first[key] + second[key]) / 2
    merged["peak_mb"] = max(first["peak_mb"], second["peak_mb"])
    merged["preprocessors"] = {
        name: (first["preprocessors"].get(name, 0) + seconds) / 2 for name, seconds in second["preprocessors"].items()
    }
    return merged


def projected(run, students, target):
    """Seconds for ``target`` students: the part that grows with the class scaled, start-up once."""
    return (run["wall"] - run["overhead"]) * target / students + run["overhead"]


def report(runs, assignments, students, target, anchor=None):
    """Print the tables; ``runs`` is ``{jobs: {assignment: run}}`` with the floor among the assignments."""
    serial_jobs = min(runs)
    serial = runs[serial_jobs]
    floor = serial[FLOOR]
    per_floor = floor["wall"] / max(floor["notebooks"], 1)
    print(
        f"\nSeconds per notebook, JOBS={serial_jobs}, split into kernel start+stop, cell execution, nbgrader's "
        "own work and verification;\nthe floor is a notebook with the course's imports and one trivial cell:"
    )
    header = (
        f"{'assignment':<36} {'nbs':>4} {'s/nb':>6} {'kernel':>7} {'cells':>6} {'nbgrader':>8} {'verify':>7} "
        f"{'x floor':>8} {'peak MB/job':>12}"
    )
    print(header)
    print("-" * len(header))
    multiples = {}
    for assignment in assignments + [FLOOR]:
        run = serial[assignment]
        n = max(run["notebooks"], 1)
        total = run["wall"] / n
        nbgrader = total - (run["kernel"] + run["cells"] + run["verify"]) / n
        multiples[assignment] = total / per_floor
        label = "floor (imports + one trivial cell)" if assignment == FLOOR else assignment
        print(
            f"{label:<36} {n // students:>4} {total:6.2f} {run['kernel'] / n:7.2f} {run['cells'] / n:6.2f} "
            f"{nbgrader:8.2f} {run['verify'] / n:7.2f} {multiples[assignment]:7.2f}x "
            f"{max(r[assignment]['peak_mb'] for r in runs.values()):12.0f}"
        )
    print("\nnbgrader's preprocessors, seconds per notebook (Execute holds the kernel and the cells):")
    for assignment in assignments + [FLOOR]:
        run = serial[assignment]
        n = max(run["notebooks"], 1)
        parts = sorted(run["preprocessors"].items(), key=lambda item: -item[1])
        print(
            f"  {assignment:<36} "
            + ", ".join(f"{name} {seconds / n:.2f}" for name, seconds in parts if seconds / n >= 0.005)
        )
    print("\nSlowest cells (mean seconds under grading):")
    for assignment in assignments:
        for seconds, index, line in serial[assignment]["slowest"]:
            print(f"  {assignment:<36} cell {index:>3} {seconds:6.2f} s  {line}")

    print(
        "\nCPU seconds of the process tree (nbgrader processes, kernels, this process), per autograde call "
        "(rusage: what getrusage self+children saw):"
    )
    header = f"{'assignment':<36} {'JOBS':>4} {'wall s':>7} {'CPU s':>7} {'rusage':>7} {'CPU/nb':>7} {'fixed CPU':>9}"
    print(header)
    print("-" * len(header))
    for jobs, by_assignment in runs.items():
        for assignment in assignments + [FLOOR]:
            run = by_assignment[assignment]
            print(
                f"{assignment:<36} {jobs:>4} {run['wall']:7.1f} {run['cpu']:7.1f} {run['cpu_rusage']:7.1f} "
                f"{run['cpu_notebooks'] / max(run['notebooks'], 1):7.2f} {run['cpu'] - run['cpu_notebooks']:9.1f}"
            )
    floor_cpu = floor["cpu_notebooks"] / max(floor["notebooks"], 1)
    fixed = [run["cpu"] - run["cpu_notebooks"] for by_assignment in runs.values() for run in by_assignment.values()]
    print(
        f"\nfloor: {floor_cpu:.2f} CPU s per notebook (target: at most 1.3); fixed cost per autograde call "
        f"{min(fixed):.1f}-{max(fixed):.1f} CPU s (target: at most 4)"
    )
    if anchor:
        print(
            f"anchor, plain nbgrader on the floor (no sandbox, no plug-ins) in the same run: {anchor:.2f} CPU s per "
            f"notebook; the course's sandboxed floor is {floor_cpu / anchor:.2f}x that (target: 1.3 / 1.4 = 0.93x)"
        )

    print(f"\nWhole course ({len(assignments)} assignments, floor excluded), {students} students:")
    header = f"{'JOBS':>4} {'wall s':>8} {'CPU s':>8} {'s/student':>10} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    base = sum(serial[a]["wall"] for a in assignments)
    for jobs, by_assignment in runs.items():
        wall = sum(by_assignment[a]["wall"] for a in assignments)
        cpu = sum(by_assignment[a]["cpu"] for a in assignments)
        print(f"{jobs:>4} {wall:8.1f} {cpu:8.1f} {wall / students:10.2f} {base / wall:8.2f}x")

    week = [a for a in WEEK if a in assignments] or assignments
    cores = os.cpu_count()
    per_student = sum(serial[a]["cpu_notebooks"] for a in week) / students
    week_fixed = sum(serial[a]["cpu"] - serial[a]["cpu_notebooks"] for a in week)
    print(
        f"\nA {target}-student week ({' + '.join(week)} per student): {per_student:.2f} CPU s per student, "
        f"{week_fixed:.1f} CPU s per week's calls"
    )
    for jobs in sorted({2, cores}):
        from_cpu = week_fixed + target * per_student / min(jobs, cores)
        line = f"  JOBS={jobs:<3} from CPU on {cores} idle cores: {from_cpu / 60:5.1f} min"
        if jobs in runs:
            wall = sum(projected(runs[jobs][a], students, target) for a in week)
            line += f"; from this run's wall time: {wall / 60:5.1f} min"
        if jobs == 2:
            line += f" (target: under 10 min): {'met' if from_cpu < 600 else 'NOT met'}"
        print(line)
    worst = max(multiples[a] for a in assignments)
    print(f"\nworst assignment: {worst:.2f}x the floor (target: at most 2x): {'met' if worst <= 2 else 'NOT met'}")


def check(runs, students):
    """0 when every run graded every student with the same scores; else print what differs and 1."""
    scores = [{(s.student, s.assignment): (s.graded, s.score, s.max_score) for s in statuses} for _, statuses in runs]
    ungradable = sorted({s.line() for _, statuses in runs for s in statuses if not s.graded})
    full = sum(1 for graded, score, maximum in scores[0].values() if graded and score == maximum)
    print(
        f"{full} of {len(scores[0])} solved submissions got full marks in the first run "
        "(a quiz's written answers wait for manual grading: it has no full marks yet)"
    )
    for line in ungradable[:10]:
        print(f"UNGRADABLE: {line}", file=sys.stderr)
    differ = [key for key in scores[0] if any(other.get(key) != scores[0][key] for other in scores[1:])]
    differ += [key for other in scores[1:] for key in other if key not in scores[0]]
    if differ:
        for key in sorted(set(differ))[:10]:
            print(f"DIFFERENT SCORES for {key}: {[s.get(key) for s in scores]}", file=sys.stderr)
        print("scores differ between the runs", file=sys.stderr)
        return 1
    print(f"scores identical across jobs={','.join(str(j) for j, _ in runs)}: yes")
    return 1 if ungradable or len(scores[0]) != students else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50, help="simulated class size (default 50)")
    parser.add_argument("--assignments", nargs="*", help="assignments to grade (default: every one in notebooks/)")
    parser.add_argument("--jobs-list", type=jobs_list, default=[1, 2], help="nbgrader processes per run (default 1,2)")
    parser.add_argument("--project", type=int, default=300, help="class size to project the time for (default 300)")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped bench still removes its cgroup
    tree = timing.TreeCpu.join(timing.CPUACCT / f"nn-bench-{os.getpid()}")
    if tree.group:
        os.environ[timing.CGROUP] = str(tree.group)
    try:
        return run(args, parser, tree)
    finally:
        os.environ.pop(timing.CGROUP, None)
        tree.leave()


def run(args, parser, tree):
    """Set up the simulated class in a temporary course, grade it once per JOBS, report; the exit status."""
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        course = copy_course(Path(tmp) / "course")
        assignments = args.assignments or course.assignments()
        unknown = sorted(set(assignments) - set(course.assignments()))
        if unknown:
            parser.error(f"unknown assignment(s) {unknown}; choose from {course.assignments()}")
        write_floor(course, assignments)
        folder = Path(tmp) / "references"
        record_references(course, assignments, folder)
        shutil.copy2(Path(__file__).with_name("bench_timing.py"), course.root)  # nbgrader imports it from its cwd
        with open(course.root / "nbgrader_config.py", "a") as config:
            config.write(
                "\n# tools/bench.py: timestamps per notebook (bench_timing); the course never does this\n"
                "import bench_timing\nbench_timing.install(c)\n"
            )
        notebooks = sum(len(course.notebooks(a)) for a in assignments)
        print(
            f"{args.students} students x {notebooks} notebook(s) in {len(assignments)} assignment(s): "
            f"{', '.join(assignments)}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the start; "
            f"CPU seconds from {tree.method}"
        )
        if importlib.util.find_spec("rfc3987_syntax"):
            print(
                "warning: rfc3987-syntax is installed (a `pip install` brought it back): every nbgrader process pays "
                "1.1-1.6 CPU s more; `.venv/bin/python -m pip uninstall rfc3987-syntax`, as `make env` does"
            )
        simulate_class(course, assignments + [FLOOR], args.students)
        pristine = Path(tmp) / "gradebook-after-release.db"
        shutil.copy2(course.root / "gradebook.db", pristine)
        logs = Path(tmp) / "timing"
        logs.mkdir()

        runs, graded = {}, []
        for jobs in args.jobs_list:
            shutil.rmtree(course.autograded, ignore_errors=True)
            shutil.copy2(pristine, course.root / "gradebook.db")
            runs[jobs] = {}
            statuses = []
            # The floor is graded before and after the course and the two averaged: the load of a
            # shared machine drifts during a run.
            before = grade_one(course, FLOOR, jobs, logs, folder, tree)
            for assignment in assignments + [FLOOR]:
                runs[jobs][assignment] = grade_one(course, assignment, jobs, logs, folder, tree)
                statuses += runs[jobs][assignment]["statuses"]
            runs[jobs][FLOOR] = average(before, runs[jobs][FLOOR])
            graded.append((jobs, statuses))
            wall = sum(runs[jobs][a]["wall"] for a in assignments)
            print(f"jobs={jobs}: {wall:7.1f} s wall for the course (load average {os.getloadavg()[0]:.1f})")
        anchor = plain_nbgrader_floor(course, args.students, tree, Path(tmp))
        report(runs, assignments, args.students, args.project, anchor)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return check(graded, args.students * (len(assignments) + 1))


if __name__ == "__main__":
    sys.exit(main())
