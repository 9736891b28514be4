"""`make report`: the class report for instructors, ``reports/class/index.html`` and a page per assignment.

Where the class fails, read from what grading already stored (:mod:`grading.pipeline.class_data`), counted by
:mod:`grading.pipeline.class_stats`, drawn by :mod:`grading.pipeline.report_plots`.  Self-contained pages:
the figures are inline SVG, there is no script and nothing is fetched, so they open offline in any browser and
in JupyterLab.  Instructors only: the folder is 0700 and its files 0600, each page carries :data:`MARKER`
(the leak scan and ``make return-feedback`` refuse any file holding it), and the pages show ids, scores and
the grader's own messages, nothing a student wrote.
"""

import csv
import html
import io
import os
import re
import statistics
from datetime import datetime

from grading.pipeline import class_data, class_stats, report_plots
from grading.pipeline.leaks import INSTRUCTORS_ONLY as MARKER

FOLDER = "class"
THRESHOLD = 0.5
SHOWN = 60  # students to help listed on the page (all of them in the CSV)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 76em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.figure { max-width: 100%; height: auto; display: block; margin: 0.6em 0; }
.quiz { display: flex; flex-wrap: wrap; gap: 0.4em; } .quiz .figure { display: inline-block; margin: 0; }
.note { color: #555; font-size: 0.9em; } .empty { background: #fff7e0; padding: 0.6em; border-left: 4px solid #e0a800; }
.reason { font-family: ui-monospace, monospace; font-size: 0.85em; color: #444; max-width: 48em; }
svg.spark polyline { fill: none; stroke: #3b6ea5; stroke-width: 1.2; } svg.spark circle { fill: #3b6ea5; }
svg.spark .half { stroke: #ddd; } svg.spark .miss { stroke: #c0392b; stroke-width: 2; }
.trend { display: grid; grid-template-columns: repeat(auto-fill, minmax(17em, 1fr)); gap: 0.1em 1.2em; }
.card { display: flex; align-items: center; gap: 0.5em; font-size: 0.85em; border-bottom: 1px solid #eee; }
.card .student { width: 6.5em; } .card .n { width: 3em; text-align: right; }
nav { display: flex; flex-wrap: wrap; gap: 0.3em 1em; }
"""


def esc(value):
    return html.escape(str(value), quote=True)


def percent(value):
    return "-" if value is None else f"{value:.0%}"


def page(title, body):
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n<meta name="robots" content="noindex">\n'
        f'<meta name="nn-from-scratch-report" content="{MARKER}">\n<title>{esc(title)}</title>\n'
        f'<style>{STYLE}</style></head>\n<body>\n<p class="note">{MARKER}; generated '
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}</p>\n{body}\n</body></html>\n"
    )


def table(headers, rows, cls=""):
    """An HTML table; each cell is ``text`` (escaped), or ``(html, css class, attributes)`` already made."""

    def cell(value, tag="td"):
        if isinstance(value, tuple):
            markup, css, attributes = value
            return f'<{tag} class="{css}"{attributes}>{markup}</{tag}>'
        return f"<{tag}>{esc(value)}</{tag}>"

    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def number(value):
    return (esc(value), "n", "")


def page_name(assignment):
    return re.sub(r"[^\w.-]", "_", assignment) + ".html"


def overview(data, stats, concerns, threshold):
    """The index page: the term at a glance, students to help, the term per student and per misconception."""
    if not data.assignments:
        return page(
            "Class report",
            '<h1>Class report</h1><p class="empty">The gradebook has no assignments yet: nothing to report. '
            "Release and autograde first (make release, make autograde).</p>",
        )
    parts = [
        "<h1>Class report</h1>",
        "<nav>" + "".join(f'<a href="{page_name(a.name)}">{esc(a.name)}</a>' for a in data.assignments) + "</nav>",
    ]
    parts.append('<h2 id="glance">The term at a glance</h2>')
    if not data.students:
        parts.append('<p class="empty">No student has submitted anything yet.</p>')
    rows = []
    for info in data.assignments:
        c = stats[info.name]["counts"]
        median = percent(statistics.median(c.shares) if c.shares else None)
        rows.append(
            [
                (f'<a href="{page_name(info.name)}">{esc(info.name)}</a>', "assignment", ""),
                due_text(info.duedate),
                *[number(v) for v in (c.submitted, c.on_time, c.late, c.missing, c.ungradable, c.pending_manual)],
                number(median),
            ]
        )
    headers = ["assignment", "due", "submitted", "on time", "late", "missing", "ungradable", "pending manual", "median"]
    parts.append(table(headers, rows, "glance"))
    if not any(a.duedate for a in data.assignments):
        parts.append('<p class="note">No due date in the gradebook: every submission counts as on time.</p>')
    shares = [stats[a.name]["counts"].shares for a in data.assignments]
    if any(shares):
        parts.append(report_plots.term_boxplot([a.name for a in data.assignments], shares))
        every = [v for values in shares for v in values]
        parts.append(
            f"<p>Median score over the term: <b>{percent(statistics.median(every))}</b> "
            f"of the maximum ({len(every)} graded submissions). Scores in this report are the points earned, "
            "before any late penalty: <code>reports/grades.csv</code> has them after it.</p>"
        )
    hardest = sorted(
        (
            (e, info.name)
            for info in data.assignments
            for e in stats[info.name]["exercises"]
            if e.graded and not e.question
        ),
        key=lambda item: (item[0].share, -item[0].failed),
    )[:8]
    if hardest:
        parts.append("<h3>The hardest exercises of the term</h3>")
        parts.append(
            table(
                ["exercise", "assignment", "got it", "most frequent finding"],
                [
                    [
                        e.name,
                        (f'<a href="{page_name(name)}">{esc(name)}</a>', "", ""),
                        number(percent(e.share)),
                        f"{e.findings[0][0]} ({e.findings[0][1]})" if e.findings else "",
                    ]
                    for e, name in hardest
                ],
            )
        )
    parts += students_section(data, concerns, threshold)
    parts += term_section(data)
    return page("Class report", "\n".join(parts))


def due_text(duedate):
    return "no due date" if duedate is None else f"{duedate:%Y-%m-%d %H:%M}"


def students_section(data, concerns, threshold):
    parts = [
        f'<h2 id="help">Students to help</h2><p class="note">Below {threshold:.0%} on either of the last two '
        "assignments, missing a submission, or with an ungradable one; most concerns first. The same table "
        'as <a href="students_to_help.csv">students_to_help.csv</a> to sort in a spreadsheet.</p>'
    ]
    stuck = class_stats.all_ungradable(data)
    if stuck:
        parts.append(
            f'<p class="empty">Every submission of {len(stuck)} student(s) was ungradable: '
            f"{esc(', '.join(stuck))}. Their reasons are below.</p>"
        )
    if not concerns:
        parts.append("<p>No student below the threshold, missing or ungradable.</p>")
        return parts
    shown = concerns[:SHOWN]
    rows = [
        [
            (esc(c.student), "student", ""),
            ("<br>".join(f"{esc(name)}&nbsp;{percent(share)}" for name, share in c.low), "", ""),
            ", ".join(c.missed),
            (ungradable_cell(c.ungradable), "", ""),
            number(percent(c.median)),
        ]
        for c in shown
    ]
    parts.append(table(["student", "low on", "missed", "ungradable (the grader's reason)", "median"], rows, "help"))
    if len(concerns) > len(shown):
        parts.append(
            f'<p class="note">{len(concerns) - len(shown)} more student(s) with fewer concerns: see '
            '<a href="students_to_help.csv">students_to_help.csv</a>.</p>'
        )
    return parts


def ungradable_cell(found):
    """``[(assignment, reason)]`` grouped by reason: the assignments, then the grader's reason once."""
    by_reason = {}
    for assignment, reason in found:
        by_reason.setdefault(reason, []).append(assignment)
    return "<br>".join(
        f'{esc(", ".join(names))}: <span class="reason">{esc(reason)}</span>' for reason, names in by_reason.items()
    )


def term_section(data):
    parts = ['<h2 id="term">Over the term</h2>']
    table_of = class_stats.misconceptions(data)
    names = [a.name for a in data.assignments]
    if table_of:
        labels = list(table_of)
        parts.append(report_plots.misconception_map(labels, names, table_of))
        rows = []
        for label in labels:
            first, verdict = class_stats.fades(table_of[label])
            rows.append([label, names[first], number(percent(table_of[label][first])), verdict])
        parts.append(table(["misconception", "first seen in", "share there", "afterwards"], rows, "fade"))
    else:
        parts.append("<p>No misconception diagnosed by the grader so far.</p>")
    shares = class_stats.student_shares(data)
    if shares:
        parts.append(
            f'<p class="note">Per student, the score over the {len(names)} assignments in term order '
            "(grey line: 50%; red tick: no graded submission), then the last score.</p>"
        )
        cards = (
            f'<div class="card"><span class="student">{esc(s)}</span>{report_plots.sparkline(v)}'
            f'<span class="n">{percent(next((x for x in reversed(v) if x is not None), None))}</span></div>'
            for s, v in shares.items()
        )
        parts.append('<div class="trend">' + "\n".join(cards) + "</div>")
    return parts


def assignment_page(data, info, stats):
    c = stats["counts"]
    parts = [f'<p><a href="index.html">&larr; class report</a></p><h1>{esc(info.name)}</h1>']
    if not c.submitted:
        parts.append(
            f'<p class="empty">Nobody submitted {esc(info.name)} yet ({len(data.students)} student(s) in '
            f"the gradebook, due: {due_text(info.duedate)}).</p>"
        )
        return page(info.name, "\n".join(parts))
    graded = c.submitted - c.ungradable - c.unverified
    parts.append(
        f"<p>{c.submitted} submitted ({c.on_time} on time, {c.late} late"
        f"{'' if c.has_duedate else ': no due date'}), {c.missing} missing, {c.ungradable} ungradable, "
        f"{c.unverified} not verified by make autograde, {c.pending_manual} waiting for manual grading; "
        f"{graded} graded.</p>"
    )
    if c.shares:
        parts.append(report_plots.histogram(c.shares, f"{info.name}: {len(c.shares)} graded submissions"))
    else:
        parts.append('<p class="empty">No submission of this assignment could be graded.</p>')
    exercises = stats["exercises"]
    if exercises:
        parts.append("<h2>Per exercise, hardest first</h2>")
        parts.append(
            report_plots.exercise_bars(
                [e.name for e in exercises],
                [e.share for e in exercises],
                [e.findings[0][0] if e.findings else "" for e in exercises],
            )
        )
        rows = []
        for e in exercises:
            findings = "".join(
                f'<li data-finding="{esc(label)}" data-count="{n}"><b>{esc(label)}</b>: {n} student(s)<br>'
                f'<span class="reason">e.g. {esc(example)}</span></li>'
                for label, n, example in e.findings
            )
            attributes = f' data-exercise="{esc(e.name)}" data-graded="{e.graded}" data-passed="{e.passed}"'
            summary = (
                f"<b>{esc(e.name)}</b>: {e.failed} student(s) failed, {e.findings[0][1]} of them "
                f"'{esc(e.findings[0][0])}'"
                if e.findings
                else "every graded student got it"
            )
            rows.append(
                [
                    (esc(e.name), "exercise", attributes),
                    number(f"{e.passed}/{e.graded}"),
                    number(percent(e.share)),
                    (f"{summary}<ul>{findings}</ul>" if findings else summary, "", ""),
                ]
            )
        parts.append(
            table(["exercise", "got it", "share", "why the others failed (the grader's findings)"], rows, "exercises")
        )
    questions = stats["quiz"]
    if questions and graded:
        parts.append("<h2>Quiz answers</h2>")
        parts.append(
            '<p class="note">Answers per question (green: the key; none: blank, or not an answer the '
            'question takes).</p><div class="quiz">' + "".join(map(report_plots.quiz_bars, questions)) + "</div>"
        )
        rows = [
            [
                q.name,
                number(q.answered),
                ", ".join(f"{o:g}: {n}" if isinstance(o, float) else f"{o}: {n}" for o, n in q.options),
                number(q.invalid),
                str(q.key),
            ]
            for q in questions
        ]
        parts.append(table(["question", "answered", "answers (count)", "none valid", "key"], rows, "quiz"))
    if stats["written"]:
        parts.append("<h2>Written answers (graded by hand)</h2>")
        parts.append(
            table(
                ["answer", "mean manual score", "graded", "pending"],
                [
                    [
                        grade_id,
                        number("not graded yet" if mean is None else f"{mean:.2f} / {maximum:g}"),
                        number(done),
                        number(pending),
                    ]
                    for grade_id, mean, maximum, done, pending in stats["written"]
                ],
            )
        )
    return page(info.name, "\n".join(parts))


def concerns_csv(concerns):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"# {MARKER}"])
    writer.writerow(["student", "concerns", "low_on", "missed", "ungradable", "median"])
    for c in concerns:
        writer.writerow(
            [
                c.student,
                c.weight,
                "; ".join(f"{n} {percent(s)}" for n, s in c.low),
                "; ".join(c.missed),
                "; ".join(f"{a}: {r}" for a, r in c.ungradable),
                percent(c.median),
            ]
        )
    return buffer.getvalue()


def _write(path, text):
    """Write ``text`` readable by the owner only (0600), whatever the umask and an older file's mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def generate(course, assignments=None, threshold=THRESHOLD, now=None):
    """Write the report; returns the path of its index page."""
    now = now or class_stats.utc_now()
    data = class_data.read(course, assignments)
    unknown = sorted(set(assignments or []) - {a.name for a in data.assignments})
    stats = {
        info.name: {
            "counts": class_stats.counts(data, info, now),
            "exercises": class_stats.exercises(data, info),
            "quiz": class_stats.quiz(data, info),
            "written": class_stats.written(data, info),
        }
        for info in data.assignments
    }
    concerns = class_stats.students_to_help(data, threshold, now)
    folder = course.reports / FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    for old in folder.iterdir():
        if old.is_file() and not old.is_symlink():
            old.unlink()
    index = overview(data, stats, concerns, threshold)
    if unknown:
        index = index.replace(
            "<h1>Class report</h1>",
            f'<h1>Class report</h1><p class="empty">Not in the gradebook: {esc(", ".join(unknown))}.</p>',
            1,
        )
    _write(folder / "index.html", index)
    _write(folder / "students_to_help.csv", concerns_csv(concerns))
    for info in data.assignments:
        _write(folder / page_name(info.name), assignment_page(data, info, stats[info.name]))
    return folder / "index.html"
