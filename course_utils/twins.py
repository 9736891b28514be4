"""What a ``course_utils`` twin of a graded exercise raises while that exercise's notebook is graded.

``course_utils`` holds, for later weeks, functions that earlier exercises build (``sigmoid``,
``softmax``...).  While a notebook is graded, the grader's launcher binds over each module holding
a twin of one of its exercises a copy whose twin (and its private helper ``_<name>``) raises
:class:`TwinRefused` instead of computing (:func:`grading.plugins.delegation.refusing_source`): an exercise
answered by calling the twin, by whatever route, then fails its tests with this message.
"""


class TwinRefused(RuntimeError):
    """A twin of a graded exercise was called while that exercise is graded."""

    def __init__(self, name):
        super().__init__(
            f"course_utils's {name} is switched off while this notebook is graded: {name} is an "
            f"exercise here, so compute it with your own code instead of calling course_utils's"
        )
