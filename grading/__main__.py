"""Command line of the instructor's tools: ``python -m grading <command>`` (the Makefile calls these).

Each command is one small function taking the course and the parsed arguments and returning the exit code;
``COMMANDS`` maps its name to that function, its help and its arguments.
"""

import argparse
import sys
from pathlib import Path

from grading.course import REPO_ROOT, Course, scripts_on_path
from grading.pipeline import (
    autograde,
    collect,
    deadlines,
    demo,
    exchange,
    feedback,
    grades,
    lms,
    release,
    selection,
    shards,
)
from grading.pipeline import report as class_report
from grading.recording import StaleReferences, record
from grading.sandbox import bwrap as sandbox


class UsageError(Exception):
    """A command was called with arguments that do not go together (argparse reports it, exit 2)."""


def arg(*flags, **options):
    """One argument of a command, as given to ``add_argument``."""
    return flags, options


def one_of(*arguments):
    """Arguments of which at most one may be given."""
    return ("one of", arguments)


ASSIGNMENTS = arg("assignments", nargs="*", help="only these assignments (default: all)")
ONLY_ASSIGNMENTS = arg("--assignments", nargs="*", default=[], help="only these assignments (default: all)")
ONLY_STUDENTS = arg("--students", nargs="*", default=[], help="only these students (default: all)")


def checked(folder, step):
    """A command that first checks ``--assignments`` and ``--students`` against ``folder(course)``."""

    def wrap(command):
        def run(course, args):
            try:
                selection.check(course, args.assignments, args.students, folder(course), step)
            except selection.SelectionError as exc:
                print(f"ERROR: {exc}", file=sys.stderr)
                return 2
            return command(course, args)

        return run

    return wrap


def release_command(course, args):
    try:
        deadlines.check_future(deadlines.schedule(course), args.assignments or course.assignments())
    except deadlines.ScheduleError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    for folder in release.generate(course, args.assignments or None):
        print(f"released {folder.relative_to(course.root)}")
    exchange.record_release(course, args.assignments or course.assignments())
    for name, when in deadlines.store(course, args.assignments or course.assignments()).items():
        print(f"due {when:%Y-%m-%d %H:%M} UTC: {name}")
    print(f"student bundle: {release.bundle(course)}")
    return 0


def collect_command(course, args):
    if args.downloads and not args.assignment:
        raise UsageError("collect --downloads needs --assignment NAME")
    chosen = ([args.assignment] if args.assignment else []) + args.assignments
    try:
        if not args.downloads:
            root = args.exchange or exchange.settings(course).root
            result = collect.collect_exchange(course, root, chosen or None, args.students)
        else:
            result = collect.collect_downloads(
                course, args.downloads, args.assignment, args.pattern, args.force, args.students, args.submitted_at
            )
    except (collect.CollectError, deadlines.ScheduleError) as exc:
        raise UsageError(str(exc)) from exc
    for line in result.lines(course.root):
        print(line)
    print(f"{len(result.collected)} collected, {len(result.unchanged)} unchanged, {len(result.problems)} problems")
    return 1 if result.problems else 0


def exchange_command(step):
    """A command on the exchange: ``step(course, args)`` gives the lines to print and the exit code."""

    def command(course, args):
        try:
            lines, code = step(course, args)
        except (exchange.PublishError, selection.SelectionError, deadlines.ScheduleError) as exc:
            print(exc, file=sys.stderr)
            return 1
        print("\n".join(lines))
        return code

    return command


def publish_step(course, args):
    chosen = args.assignments or course.assignments()
    try:
        deadlines.check_future(deadlines.schedule(course), chosen)
    except deadlines.ScheduleError as exc:
        raise exchange.PublishError(str(exc)) from None
    lines = exchange.publish(course, chosen, args.force)
    lines += [f"due {when:%Y-%m-%d %H:%M} UTC: {name}" for name, when in deadlines.store(course, chosen).items()]
    return lines, 0


def return_feedback_step(course, args):
    selection.check(course, args.assignments, args.students, course.feedback_dir, "no feedback generated")
    lines, problems = exchange.return_feedback(course, args.assignments or None, args.students, args.force)
    lines = lines or ["nothing returned" if problems else "no generated feedback to return (run `make feedback`)"]
    lines += [f"PROBLEM    {collect.printable(who)}: {collect.printable(why)}" for who, why in problems]
    return lines, 1 if problems else 0


def status_step(course, args):
    return exchange.status(course), 0


@checked(lambda course: course.submitted, "did not submit, or not collected")
def autograde_command(course, args):
    try:
        if args.shard:
            if args.students:
                raise UsageError("--shard grades every student of its shard: leave out STUDENTS= or SHARD=")
            index, count = shards.parse(args.shard)
        deadlines.store(course)
        if args.shard:
            statuses = shards.grade(
                course, index, count, assignments=args.assignments or None, jobs=args.jobs, unisolated=args.unisolated
            )
            course = shards.shard_course(course, index, count)
            print(f"shard {index} of {count}: {len(statuses)} submissions graded into {course.gradebook}")
        else:
            statuses = autograde.autograde(
                course, args.assignments or None, args.students or None, jobs=args.jobs, unisolated=args.unisolated
            )
    except shards.ShardError as exc:
        raise UsageError(str(exc)) from exc
    except sandbox.SandboxUnavailable as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return 2
    except (StaleReferences, deadlines.ScheduleError) as exc:
        print(exc, file=sys.stderr)
        return 2
    bad = report(statuses)
    enforced = autograde.read_enforced(course)
    print("sandbox budgets enforced: " + ", ".join(f"{k}: {v}" for k, v in sorted(enforced.items())))
    if args.unisolated:
        print("WARNING: --unisolated: if the sandbox did not work, student code ran WITHOUT isolation", file=sys.stderr)
    return bad


def merge_shards_command(course, args):
    try:
        statuses = shards.merge(course, args.of)
    except shards.ShardError as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return 2
    print(f"merged {len(statuses)} submissions into {course.gradebook}")
    return report(statuses)


@checked(lambda course: course.autograded, "not autograded")
def feedback_command(course, args):
    failures = feedback.generate(course, args.assignments or None, args.students or None)
    for assignment, text in failures.items():
        print(f"feedback FAILED for {assignment}:\n{text}", file=sys.stderr)
    print(f"feedback in {course.feedback_dir}")
    return 1 if failures else 0


@checked(lambda course: course.submitted, "did not submit, or not collected")
def grades_command(course, args):
    if args.format and args.format not in lms.FORMATS:
        print(f"ERROR: unknown FORMAT {args.format!r}: choose one of {', '.join(lms.FORMATS)}", file=sys.stderr)
        return 2
    for path in grades.export(course, args.assignments or None, args.students or None):
        print(f"wrote {path}")
    if args.format:
        print(f"wrote {lms.export(course, args.format, args.assignments or None, args.students or None)}")
    pending = [r for r in grades.summary_rows(course, args.assignments or None, args.students or None)]
    pending = [r for r in pending if r["status"] == "pending"]
    if pending:
        print(
            f"{len(pending)} submission(s) wait for manual grading (score left empty; see pending_manual): "
            + ", ".join(f"{r['assignment']} {r['student']}" for r in pending[:10])
            + (" ..." if len(pending) > 10 else ""),
            file=sys.stderr,
        )
    for row in grades.manual_on_autograded(course):
        print(
            "manual score on an autograded cell (an override, or forged in Formgrader?): "
            "{} {} {}/{}: manual {} (automatic {})".format(*row),
            file=sys.stderr,
        )
    return 0


def report_command(course, args):
    path = class_report.generate(course, args.assignments or None, threshold=args.threshold / 100)
    print(f"class report (instructors only) written to {path}")


def extend_command(course, args):
    try:
        when = deadlines.extend(course, args.student, args.assignment, args.until)
    except deadlines.ScheduleError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print(f"extension recorded: {args.student} may submit {args.assignment} until {when:%Y-%m-%d %H:%M} UTC")
    return 0


def references_command(course, args):
    for path in record(course, args.assignments or None):
        print(f"recorded {path}")
    return 0


def demo_command(course, args):
    try:
        course_dir = demo.prepare(args.where)
        statuses, expected, table = demo.run(course_dir, jobs=args.jobs)
    except (demo.DemoError, StaleReferences) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(table)
    return check_demo(statuses, expected)


COMMANDS = {
    "release": (
        release_command,
        "generate assignments and pack the student bundle into dist/",
        [ASSIGNMENTS],
    ),
    "collect": (
        collect_command,
        "collect submissions into submitted/; exit 1 if any file was a problem",
        [
            one_of(
                arg(
                    "--exchange",
                    type=Path,
                    help="nbgrader exchange root: nbgrader collect --update from it "
                    "(default: the one nbgrader_config.py sets)",
                ),
                arg(
                    "--downloads",
                    type=Path,
                    help="folder of files downloaded from the LMS, one .ipynb or .zip per student",
                ),
            ),
            arg("--assignment", help="assignment of the downloads (required with --downloads; limits --exchange)"),
            arg(
                "--pattern",
                default=collect.DEFAULT_PATTERN,
                help="with --downloads: regex taking the student id from a file name, as group 'student' or 1 "
                "(default %(default)s)",
            ),
            arg(
                "--force",
                action="store_true",
                help="with --downloads: replace a different submission already in submitted/",
            ),
            arg("--assignments", nargs="*", default=[], help="with the exchange: only these assignments"),
            ONLY_STUDENTS,
            arg(
                "--submitted-at",
                help="with --downloads: the submission time of every file (ISO 8601, in schedule.toml's time "
                "zone unless an offset is given) when the file names hold none",
            ),
        ],
    ),
    "publish": (
        exchange_command(publish_step),
        "check release/ (checksums, outputs, leaks) and release it to the exchange",
        [ASSIGNMENTS, arg("--force", action="store_true", help="replace an assignment already in the exchange")],
    ),
    "return-feedback": (
        exchange_command(return_feedback_step),
        "nbgrader release_feedback: put the generated feedback in the exchange (refused while answers are pending)",
        [
            ONLY_ASSIGNMENTS,
            ONLY_STUDENTS,
            arg("--force", action="store_true", help="return it even while written answers wait for manual grading"),
        ],
    ),
    "status": (
        exchange_command(status_step),
        "what is where: release, exchange, submitted, autograded, feedback",
        [],
    ),
    "autograde": (
        autograde_command,
        "grade everything under submitted/; exit 1 if any was ungradable",
        [
            arg("--jobs", type=int, default=1, help="nbgrader processes at once (default 1)"),
            arg(
                "--unisolated",
                action="store_true",
                help="grade WITHOUT the sandbox when it does not work here (trusted submissions only)",
            ),
            arg(
                "--shard",
                metavar="i/N",
                help="grade only shard i of N (0 <= i < N) into gradebooks/shard-i-of-N.db; then merge-shards",
            ),
            ONLY_ASSIGNMENTS,
            ONLY_STUDENTS,
        ],
    ),
    "feedback": (
        feedback_command,
        "feedback HTML for every autograded submission",
        [ONLY_ASSIGNMENTS, ONLY_STUDENTS],
    ),
    "grades": (
        grades_command,
        "export reports/grades.csv and reports/grades_by_exercise.csv",
        [
            ONLY_ASSIGNMENTS,
            ONLY_STUDENTS,
            arg("--format", help=f"also write reports/grades_<format>.csv for an LMS: {', '.join(lms.FORMATS)}"),
        ],
    ),
    "merge-shards": (
        merge_shards_command,
        "merge the N shard gradebooks of `autograde --shard i/N` into gradebook.db; refuses unless all agree",
        [arg("--of", type=int, metavar="N", help="the split to merge (default: the only one in gradebooks/)")],
    ),
    "report": (
        report_command,
        "write the class report for instructors: reports/class/index.html and a page per assignment",
        [
            ASSIGNMENTS,
            arg("--threshold", type=float, default=50, help="score in %% below which a student is listed (default 50)"),
        ],
    ),
    "extend": (
        extend_command,
        "record an extension: STUDENT may submit ASSIGNMENT until UNTIL (nbgrader's extension)",
        [
            arg("--student", required=True),
            arg("--assignment", required=True),
            arg("--until", required=True, help="ISO 8601, in schedule.toml's time zone unless an offset is given"),
        ],
    ),
    "references": (
        references_command,
        "record references/<assignment>/<notebook>.json from the executed solutions",
        [ASSIGNMENTS],
    ),
    "demo": (
        demo_command,
        "release, three demo submissions, autograde, feedback, grades",
        [
            arg("--jobs", type=int, default=2, help="nbgrader processes at once (default 2)"),
            arg(
                "--where",
                type=Path,
                default=REPO_ROOT / "build" / "demo",
                help="demo course directory: new, empty, or made by an earlier demo (default %(default)s)",
            ),
        ],
    ),
}


def parser_for(commands):
    """The argument parser: one sub-command per entry of ``commands``."""
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__.split("\n")[0])
    parser.add_argument("--course", type=Path, default=REPO_ROOT, help="course directory (default: this repository)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text, arguments) in commands.items():
        sub = subparsers.add_parser(name, help=help_text)
        for argument in arguments:
            if argument[0] == "one of":
                group = sub.add_mutually_exclusive_group()
                for flags, options in argument[1]:
                    group.add_argument(*flags, **options)
            else:
                flags, options = argument
                sub.add_argument(*flags, **options)
    return parser


def main(argv=None):
    parser = parser_for(COMMANDS)
    args = parser.parse_args(argv)
    command = COMMANDS[args.command][0]
    scripts_on_path()
    try:
        return command(Course(args.course.resolve()), args)
    except UsageError as exc:
        parser.error(str(exc))


def report(statuses):
    """Print one line per submission; 1 when any could not be graded."""
    print("\nAutograde report")
    for status in statuses:
        print("  " + status.line())
    bad = [s for s in statuses if not s.graded]
    print(f"{len(statuses) - len(bad)} graded, {len(bad)} ungradable")
    return 1 if bad else 0


def check_demo(statuses, expected):
    """1 (with the differences on stderr) unless every demo submission got its expected score."""
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
