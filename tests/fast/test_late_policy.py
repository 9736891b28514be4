"""The late policy nbgrader applies (grading/plugins/late.py) and the schedule's due dates, without grading."""

import re
from datetime import datetime, timezone

import pytest

from grading.course import copy_course
from grading.pipeline import deadlines
from grading.plugins.late import LatePolicy

DAY = 86400


def test_per_day_takes_a_percentage_per_started_day_and_everything_after_the_cutoff():
    policy = LatePolicy(percent_per_day=10, cutoff_days=7)
    assert policy.late_submission_penalty("s", 4.0, 0) is None
    assert policy.late_submission_penalty("s", 4.0, 60) == pytest.approx(0.4)
    assert policy.late_submission_penalty("s", 4.0, 1.1 * DAY) == pytest.approx(0.8)
    assert policy.late_submission_penalty("s", 4.0, 7 * DAY) == pytest.approx(2.8)
    assert policy.late_submission_penalty("s", 4.0, 7.01 * DAY) == 4.0


def test_zero_keeps_the_score_up_to_the_cutoff_then_takes_it_all():
    policy = LatePolicy(method="zero", cutoff_days=2)
    assert policy.late_submission_penalty("s", 4.0, 1.9 * DAY) is None
    assert policy.late_submission_penalty("s", 4.0, 2.1 * DAY) == 4.0
    assert LatePolicy(method="zero", cutoff_days=0).late_submission_penalty("s", 4.0, 1) == 4.0


def test_the_schedule_reads_local_and_offset_times_and_names_bad_entries(tmp_path):
    course = copy_course(tmp_path / "course")
    path = course.root / "schedule.toml"
    path.write_text(
        'timezone = "Europe/Berlin"\n[due]\nweek1_introduction = 2026-10-19T23:59:00\n'
        'week1_quiz = "2026-10-19T23:59+00:00"\n'
    )
    assert deadlines.schedule(course) == {
        "week1_introduction": datetime(2026, 10, 19, 21, 59, tzinfo=timezone.utc),
        "week1_quiz": datetime(2026, 10, 19, 23, 59, tzinfo=timezone.utc),
    }
    for text, message in [
        ('[due]\nweek9_nothing = "2026-10-19 23:59"\n', "unknown assignment(s) ['week9_nothing']"),
        ('[due]\nweek1_quiz = "soon"\n', "due date of week1_quiz: 'soon' is not a date and time"),
        ('timezone = "Mars/Olympus"\n', "timezone 'Mars/Olympus' is unknown"),
        ("[due\n", "is not valid TOML"),
    ]:
        path.write_text(text)
        with pytest.raises(deadlines.ScheduleError, match=re.escape(message)):
            deadlines.schedule(course)
    with pytest.raises(deadlines.ScheduleError, match="due date in the past for week1_quiz"):
        deadlines.check_future({"week1_quiz": datetime(2020, 1, 1, tzinfo=timezone.utc)}, ["week1_quiz"])
