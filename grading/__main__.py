"""Command line of the instructor's tools: ``python -m grading <command>`` (the Makefile calls these)."""

import argparse
import sys
from pathlib import Path

from grading.course import REPO_ROOT, Course
from grading.pipeline import autograde, collect, demo, exchange, feedback, grades, release
from grading.recording import StaleReferences, record
from grading.sandbox import bwrap as sandbox


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    parser.add_argument("--course", type=Path, default=REPO_ROOT, help="course directory (default: this repository)")
    commands = parser.add_subparsers(dest="command", required=True)
    release_cmd = commands.add_parser("release", help="generate assignments and pack the student bundle into dist/")
    release_cmd.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    collect_cmd = commands.add_parser(
        "collect", help="collect submissions into submitted/; exit 1 if any file was a problem"
    )
    source = collect_cmd.add_mutually_exclusive_group()
    source.add_argument(
        "--exchange",
        type=Path,
        help="nbgrader exchange root: nbgrader collect --update from it (default: the one nbgrader_config.py sets)",
    )
    source.add_argument(
        "--downloads", type=Path, help="folder of files downloaded from the LMS, one .ipynb or .zip per student"
    )
    collect_cmd.add_argument(
        "--assignment", help="assignment of the downloads (required with --downloads; limits --exchange)"
    )
    collect_cmd.add_argument(
        "--pattern",
        default=collect.DEFAULT_PATTERN,
        help="with --downloads: regex taking the student id from a file name, as group 'student' or 1 "
        "(default %(default)s)",
    )
    collect_cmd.add_argument(
        "--force", action="store_true", help="with --downloads: replace a different submission already in submitted/"
    )
    publish_cmd = commands.add_parser(
        "publish", help="check release/ (checksums, outputs, leaks) and release it to the exchange"
    )
    publish_cmd.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    publish_cmd.add_argument("--force", action="store_true", help="replace an assignment already in the exchange")
    commands.add_parser("return-feedback", help="nbgrader release_feedback: put the generated feedback in the exchange")
    commands.add_parser("status", help="what is where: release, exchange, submitted, autograded, feedback")
    grade_cmd = commands.add_parser("autograde", help="grade everything under submitted/; exit 1 if any was ungradable")
    grade_cmd.add_argument("--jobs", type=int, default=1, help="nbgrader processes at once (default 1)")
    grade_cmd.add_argument(
        "--unisolated",
        action="store_true",
        help="grade WITHOUT the sandbox when it does not work here (trusted submissions only)",
    )
    commands.add_parser("feedback", help="feedback HTML for every autograded submission")
    commands.add_parser("grades", help="export reports/grades.csv and reports/grades_by_exercise.csv")
    references_cmd = commands.add_parser(
        "references", help="record references/<assignment>/<notebook>.json from the executed solutions"
    )
    references_cmd.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    run_demo = commands.add_parser("demo", help="release, three demo submissions, autograde, feedback, grades")
    run_demo.add_argument("--jobs", type=int, default=2, help="nbgrader processes at once (default 2)")
    run_demo.add_argument(
        "--where",
        type=Path,
        default=REPO_ROOT / "build" / "demo",
        help="demo course directory: new, empty, or made by an earlier demo (default %(default)s)",
    )
    args = parser.parse_args(argv)
    course = Course(args.course.resolve())

    if args.command == "release":
        for folder in release.generate(course, args.assignments or None):
            print(f"released {folder.relative_to(course.root)}")
        exchange.record_release(course, args.assignments or course.assignments())
        print(f"student bundle: {release.bundle(course)}")
    elif args.command == "collect":
        if args.downloads and not args.assignment:
            parser.error("collect --downloads needs --assignment NAME")
        try:
            if not args.downloads:
                args.exchange = args.exchange or exchange.settings(course).root
                result = collect.collect_exchange(course, args.exchange, [args.assignment] if args.assignment else None)
            else:
                result = collect.collect_downloads(course, args.downloads, args.assignment, args.pattern, args.force)
        except collect.CollectError as exc:
            parser.error(str(exc))
        for line in result.lines(course.root):
            print(line)
        print(f"{len(result.collected)} collected, {len(result.unchanged)} unchanged, {len(result.problems)} problems")
        return 1 if result.problems else 0
    elif args.command in ("publish", "return-feedback", "status"):
        try:
            if args.command == "publish":
                lines = exchange.publish(course, args.assignments or course.assignments(), args.force)
            elif args.command == "return-feedback":
                lines, problems = exchange.return_feedback(course)
                lines = lines or ["no generated feedback to return (run `make feedback`)"]
                lines += [f"PROBLEM    {collect.printable(who)}: {collect.printable(why)}" for who, why in problems]
                if problems:
                    print("\n".join(lines))
                    return 1
            else:
                lines = exchange.status(course)
        except exchange.PublishError as exc:
            print(exc, file=sys.stderr)
            return 1
        print("\n".join(lines))
    elif args.command == "autograde":
        try:
            statuses = autograde.autograde(course, jobs=args.jobs, unisolated=args.unisolated)
        except sandbox.SandboxUnavailable as exc:
            print(f"REFUSED: {exc}", file=sys.stderr)
            return 2
        except StaleReferences as exc:
            print(exc, file=sys.stderr)
            return 2
        bad = report(statuses)
        enforced = autograde.read_enforced(course)
        print("sandbox budgets enforced: " + ", ".join(f"{k}: {v}" for k, v in sorted(enforced.items())))
        if args.unisolated:
            print(
                "WARNING: --unisolated: if the sandbox did not work, student code ran WITHOUT isolation",
                file=sys.stderr,
            )
        return bad
    elif args.command == "feedback":
        failures = feedback.generate(course)
        for assignment, text in failures.items():
            print(f"feedback FAILED for {assignment}:\n{text}", file=sys.stderr)
        print(f"feedback in {course.feedback_dir}")
        return 1 if failures else 0
    elif args.command == "grades":
        for path in grades.export(course):
            print(f"wrote {path}")
        for row in grades.manual_on_autograded(course):
            print(
                "manual score on an autograded cell (an override, or forged in Formgrader?): "
                "{} {} {}/{}: manual {} (automatic {})".format(*row),
                file=sys.stderr,
            )
    elif args.command == "references":
        for path in record(course, args.assignments or None):
            print(f"recorded {path}")
    elif args.command == "demo":
        try:
            course_dir = demo.prepare(args.where)
            statuses, expected, table = demo.run(course_dir, jobs=args.jobs)
        except (demo.DemoError, StaleReferences) as exc:
            print(exc, file=sys.stderr)
            return 2
        print(table)
        return check_demo(statuses, expected)
    return 0


def report(statuses):
    """Print one line per submission; 1 when any could not be graded."""
    print("\nAutograde report")
    for status in statuses:
        print("  " + status.line())
    bad = [s for s in statuses if not s.graded]
    print(f"{len(statuses) - len(bad)} graded, {len(bad)} ungradable")
    return 1 if bad else 0


def check_demo(statuses, expected):
    got = {(s.student, s.assignment): s.score for s in statuses if s.graded}
    wrong = {key: (got.get(key), value) for key, value in expected.items() if got.get(key) != value}
    if wrong:
        for (student, assignment), (score, want) in sorted(wrong.items()):
            print(f"UNEXPECTED: {student} / {assignment}: got {score}, expected {want}", file=sys.stderr)
        return 1
    print("\nAll demo scores are as expected: alice full marks, bob zero, carol loses exactly her bugs' points.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
