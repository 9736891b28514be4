"""Test tiers: `make test-fast` runs the tests marked ``fast`` (unit tests on small in-memory data, under a
minute); `make test` runs everything.  A test is fast when it is under ``tests/fast/`` or in one of the
unit-test modules below and not listed as slow."""
from pathlib import Path

import pytest

FAST_MODULES = {"test_checks.py", "test_references.py", "test_activations.py", "test_gradcheck.py", "test_metrics.py",
                "test_environment.py", "test_readme.py", "test_collect.py"}
SLOW_TESTS = {"test_exchange_round_trip", "test_missing_exchange_folder_is_a_problem"}  # they run nbgrader


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: a unit test of the fast tier (`make test-fast`)")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.fspath)).resolve()
        in_fast_folder = here / "fast" in path.parents
        if in_fast_folder or (path.name in FAST_MODULES and item.originalname not in SLOW_TESTS):
            item.add_marker(pytest.mark.fast)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under ``--dist loadgroup`` a test of an ``xdist_group`` carries its group in its node id; without it xdist
    spreads the group over both workers and each builds the group's batch again (pytest-xdist#1386)."""
    argv = " ".join(getattr(item.config, "workerinput", {}).get("mainargv", []))
    grouped = "--dist loadgroup" in argv or "--dist=loadgroup" in argv
    if grouped and item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
        pytest.fail("--dist loadgroup did not group this test: this pytest and pytest-xdist do not work together; "
                    "reinstall with the ranges of pyproject.toml (rm .venv/.installed; make env)", pytrace=False)


def pytest_ignore_collect(collection_path, config):
    """With ``-m fast``, do not even import the other test modules (they start kernels and nbgrader)."""
    if config.getoption("markexpr") != "fast" or collection_path.suffix != ".py":
        return None
    here = Path(__file__).resolve().parent
    path = Path(collection_path).resolve()
    if path.name.startswith("test_") and path.name not in FAST_MODULES and here / "fast" not in path.parents:
        return True
    return None


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory):
    """The instructor's cycle on the demo course, graded once per session: ``(course, statuses, expected,
    table, digests of submitted/ before grading)``.

    Besides the demo students (alice, bob, carol), the same autograde batch grades test_pipeline's broken
    and hidden-failure submissions and test_quizzes' quiz students, so every release is made and graded
    once.  Tests that use it are in the xdist group ``pipeline``, so that one worker builds it.
    """
    import test_pipeline
    import test_quizzes

    from grading import demo
    from grading.course import copy_course

    course = copy_course(tmp_path_factory.mktemp("course") / "course")
    before = {}

    def add_students(c):
        test_pipeline.add_broken_submissions(c)
        test_pipeline.add_frank(c)
        test_quizzes.add_quiz_students(c)
        before.update(test_pipeline.digests(c.submitted))

    statuses, expected, table = demo.run(course, say=lambda *_: None, before_grading=add_students)
    return course, statuses, expected, table, before
