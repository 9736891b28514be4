"""The course's late policy, as nbgrader's late-submission plugin (``c.AssignLatePenalties.plugin_class``).

nbgrader's ``AssignLatePenalties`` step of autograde asks it, per notebook of a late submission, for the points
to take off; nbgrader stores them in the gradebook (``late_submission_penalty``), subtracts them in Formgrader
and in the feedback page, and `make grades` reports them.  Lateness is measured by nbgrader against the due
date plus the student's extension.  Two policies, chosen by ``method`` in ``nbgrader_config.py``:

- ``"per_day"`` (default): ``percent_per_day`` percent of the notebook's score per started day late
  (10 %: 1 minute late costs 10 %, 26 hours 20 %), and the whole score when more than ``cutoff_days`` days late;
- ``"zero"``: no penalty up to ``cutoff_days`` days late, then the whole score (``cutoff_days = 0``: any lateness).
"""

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float


class LatePolicy(LateSubmissionPlugin):
    """Points taken off a late notebook: a percentage per started day, or everything after a cut-off."""

    method = Enum(("per_day", "zero"), default_value="per_day", help="per_day or zero (see the module)").tag(
        config=True
    )
    percent_per_day = Float(10.0, min=0.0, max=100.0, help="per_day: percent of the score per started day").tag(
        config=True
    )
    cutoff_days = Float(7.0, min=0.0, help="days late from which the whole score is lost (both methods)").tag(
        config=True
    )

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return None
        days = total_seconds_late / 86400
        if days > self.cutoff_days or (self.method == "per_day" and self.percent_per_day >= 100):
            return score
        if self.method == "zero":
            return None
        return score * min(1.0, math.ceil(days) * self.percent_per_day / 100)

    def describe(self):
        """One sentence for the feedback page and the docs."""
        if self.method == "zero":
            return f"a submission more than {self.cutoff_days:g} day(s) late scores zero"
        return f"{self.percent_per_day:g} % of the score per started day late, zero after {self.cutoff_days:g} day(s)"
