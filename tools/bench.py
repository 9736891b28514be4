"""Grading throughput for a simulated class (run by `make bench`): seconds per notebook and per student.

In a temporary copy of the course, the release of one assignment is generated and N students
submit its solved notebooks; then the whole class is autograded once per entry of --jobs-list,
each time from a fresh autograded/ and gradebook.  The runs must give identical scores (exit 1
if not), so a speed-up never comes at the cost of a different grade.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grading import release, submissions
from grading.autograde import autograde
from grading.course import copy_course


def jobs_list(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"--jobs-list {text!r} must be positive integers separated by commas, e.g. 1,2")
    return values


def simulate_class(course, assignment, students):
    """Release ``assignment`` and write a solved submission for each of ``students`` distinct ids."""
    release.generate(course, [assignment])
    ids = [f"s{number:07d}" for number in range(1, students + 1)]
    for name in course.notebooks(assignment):
        solved = submissions.solved(*submissions.release_and_source(course, assignment, name))
        for student in ids:
            submissions.write(course, student, assignment, name, solved)
    return ids


def timed_run(course, assignment, jobs, pristine_gradebook):
    """Autograde everything from a fresh autograded/ and the gradebook as the release left it."""
    shutil.rmtree(course.autograded, ignore_errors=True)
    shutil.copy2(pristine_gradebook, course.root / "gradebook.db")
    start = time.perf_counter()
    statuses = autograde(course, [assignment], jobs=jobs)
    return time.perf_counter() - start, statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50, help="simulated class size (default 50)")
    parser.add_argument("--assignment", default="week2_numpy_basics", help="assignment to grade (default %(default)s)")
    parser.add_argument("--jobs-list", type=jobs_list, default=[1, 2], help="nbgrader processes per run (default 1,2)")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")

    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        course = copy_course(Path(tmp) / "course")
        if args.assignment not in course.assignments():
            parser.error(f"unknown assignment {args.assignment!r}; choose one of {course.assignments()}")
        notebooks = len(course.notebooks(args.assignment))
        print(f"{args.students} students x {notebooks} notebook(s) of {args.assignment}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the start")
        simulate_class(course, args.assignment, args.students)
        pristine = Path(tmp) / "gradebook-after-release.db"
        shutil.copy2(course.root / "gradebook.db", pristine)

        runs = []
        for jobs in args.jobs_list:
            seconds, statuses = timed_run(course, args.assignment, jobs, pristine)
            runs.append((jobs, seconds, statuses))
            print(f"jobs={jobs}: {seconds:7.1f} s wall, {seconds / (args.students * notebooks):5.2f} s per notebook, "
                  f"{seconds / args.students:5.2f} s per student, speed-up x{runs[0][1] / seconds:.2f} "
                  f"(load average {os.getloadavg()[0]:.1f})")
    return check(runs, args.students)


def check(runs, students):
    """0 when every run graded every student with the same scores; else print what differs and 1."""
    scores = [{(s.student, s.assignment): (s.graded, s.score, s.max_score) for s in statuses} for _, _, statuses in runs]
    ungradable = sorted({s.line() for _, _, statuses in runs for s in statuses if not s.graded})
    full = sum(1 for graded, score, maximum in scores[0].values() if graded and score == maximum)
    print(f"{full} of {students} solved submissions got full marks in the first run")
    for line in ungradable[:10]:
        print(f"UNGRADABLE: {line}", file=sys.stderr)
    differ = [key for key in scores[0] if any(other.get(key) != scores[0][key] for other in scores[1:])]
    differ += [key for other in scores[1:] for key in other if key not in scores[0]]
    if differ:
        for key in sorted(set(differ))[:10]:
            print(f"DIFFERENT SCORES for {key}: {[s.get(key) for s in scores]}", file=sys.stderr)
        print("scores differ between the runs", file=sys.stderr)
        return 1
    print(f"scores identical across jobs={','.join(str(j) for j, _, _ in runs)}: yes")
    return 1 if ungradable or len(scores[0]) != students else 0


if __name__ == "__main__":
    sys.exit(main())
