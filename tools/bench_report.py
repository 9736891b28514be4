"""Time of the class report for a simulated class (run by `make bench`), and whether it finds the planted bugs.

A temporary course gets a simulated class (:mod:`simulated_class`: N students x every assignment, with planted
mistakes, written straight into the gradebook and the verdicts, nothing graded); the report is generated from
it and timed.  Exit 1 unless every planted mistake is the report's most frequent finding for its exercise and
the report took less than --budget seconds.
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import simulated_class

from grading.course import copy_course
from grading.pipeline import report

_EXERCISE = re.compile(
    r'data-exercise="(?P<name>[^"]+)" data-graded="(?P<graded>\d+)" data-passed="(?P<passed>\d+)"'
    r'.*?(?:data-finding="(?P<finding>[^"]+)" data-count="(?P<count>\d+)"|</tr>)',
    re.S,
)


def findings(folder, assignment):
    """``{exercise: (graded, passed, top finding or None, its count)}`` read back from an assignment's page."""
    text = (folder / report.page_name(assignment)).read_text(encoding="utf-8")
    return {
        m["name"]: (int(m["graded"]), int(m["passed"]), m["finding"], int(m["count"] or 0))
        for m in _EXERCISE.finditer(text)
    }


def mismatches(folder, planted):
    """The planted mistakes the report does not name first for their exercise: ``[(assignment, exercise, found)]``."""
    wrong = []
    for (assignment, exercise), mistake in sorted(planted.items()):
        found = findings(folder, assignment).get(exercise, (0, 0, None, 0))[2]
        if found != mistake:
            wrong.append((assignment, exercise, mistake, found))
    return wrong


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="simulated class size (default 300)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds the report may take (default 30)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        course = copy_course(Path(tmp) / "course")
        start = time.perf_counter()
        planted = simulated_class.build(course, args.students)
        built = time.perf_counter() - start
        assignments = course.assignments()
        print(
            f"simulated class: {args.students} students x {len(assignments)} assignments, {len(planted)} planted "
            f"mistakes (gradebook and verdicts written in {built:.1f} s)"
        )
        start = time.perf_counter()
        index = report.generate(course)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in index.parent.iterdir()) / 2**20
        print(
            f"class report: {seconds:.1f} s for {len(list(index.parent.iterdir()))} files, {size:.1f} MiB "
            f"(budget {args.budget:g} s): {'met' if seconds < args.budget else 'NOT met'}"
        )
        wrong = mismatches(index.parent, planted)
        for assignment, exercise, mistake, found in wrong:
            print(f"MISMATCH {assignment} / {exercise}: planted {mistake!r}, named {found!r}", file=sys.stderr)
        print(f"planted mistakes named first by the report: {len(planted) - len(wrong)} of {len(planted)}")
    return 1 if wrong or seconds >= args.budget else 0


if __name__ == "__main__":
    sys.exit(main())
