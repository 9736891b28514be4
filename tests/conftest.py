"""Test tiers: a test that starts kernels, runs nbgrader or builds files is marked ``slow`` where it lives
(``pytestmark`` of its module, or a decorator); `make test-fast` runs ``-m "not slow"`` (under a minute) and
`make test` runs everything but the browser tests."""

import pytest
from hypothesis import settings

# Hypothesis fails an example that runs past 200 ms; no property here depends on speed, and a busy machine
# (CI, a shared server) takes longer than that for a first call.
settings.register_profile("course", deadline=None)
settings.load_profile("course")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts kernels, runs nbgrader or builds files (not in `make test-fast`)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under ``--dist loadgroup`` a test of an ``xdist_group`` carries its group in its node id; without it xdist
    spreads the group over both workers and each builds the group's batch again (pytest-xdist#1386)."""
    argv = " ".join(getattr(item.config, "workerinput", {}).get("mainargv", []))
    grouped = "--dist loadgroup" in argv or "--dist=loadgroup" in argv
    if grouped and item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
        pytest.fail(
            "--dist loadgroup did not group this test: this pytest and pytest-xdist do not work together; "
            "reinstall with the ranges of pyproject.toml (rm .venv/.installed; make env)",
            pytrace=False,
        )


# The xdist groups that take longest, longest first.  `make test` (--no-loadscope-reorder) hands them out in
# this order, so the demo batch and the catalogue's two identities start at once on separate workers and the
# ungrouped tests fill in; xdist's own order (most tests first) started the demo batch only after both catalogues.
LONGEST_FIRST = (
    "pipeline",
    "catalogue_root",
    "catalogue_ordinary_user",
    "cat_training",
    "validate",
    "wheel",
    "lab",
    "exchange",
)


def pytest_collection_modifyitems(items):
    """Put the tests of LONGEST_FIRST's groups first, in its order; the rest keep their order, after them."""

    def rank(item):
        groups = {str(m.args[0]) for m in item.iter_markers("xdist_group")}
        return min((LONGEST_FIRST.index(g) for g in groups if g in LONGEST_FIRST), default=len(LONGEST_FIRST))

    items.sort(key=rank)


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory):
    """The instructor's cycle on the demo course, graded once per session: ``(course, statuses, expected,
    table, digests of submitted/ before grading)``.

    Besides the demo students (alice, bob, carol), the same autograde batch grades test_pipeline's broken
    and hidden-failure submissions, test_quizzes' quiz students and the quiz-key attack, and test_fairness'
    variants, so every release is made once and each assignment's nbgrader runs grade them all.  Tests that
    use it are in the xdist group ``pipeline``, so that one worker builds it.
    """
    import test_fairness
    import test_pipeline
    import test_quizzes

    from grading.course import copy_course
    from grading.pipeline import demo

    course = copy_course(tmp_path_factory.mktemp("course") / "course")
    before = {}

    def add_students(c):
        test_pipeline.add_broken_submissions(c)
        test_pipeline.add_frank(c)
        test_quizzes.add_quiz_students(c)
        test_quizzes.add_key_attack(c)
        test_fairness.add_variants(c)
        before.update(test_pipeline.digests(c.submitted))

    # two nbgrader processes for the whole batch, as `make demo`
    statuses, expected, table = demo.run(course, say=lambda *_: None, before_grading=add_students, jobs=2)
    return course, statuses, expected, table, before
