"""The class report in headless Chromium: no console error, every figure drawn, the hardest exercise first.

The report of a simulated class (tools/simulated_class.py) is opened from disk, as an instructor opens it;
screenshots of the overview and of an assignment page are kept with KEEP_SCREENS=<folder>.
"""

import re
import sys
from pathlib import Path

import pytest

from grading.course import copy_course
from grading.pipeline import report

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import simulated_class  # noqa: E402

FIGURES_DRAWN = """
const images = [...document.images];
const drawings = [...document.querySelectorAll('svg')];
return images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
    && drawings.every(s => s.getBoundingClientRect().width > 0) ? images.length + drawings.length : 0;
"""


@pytest.fixture(scope="module")
def class_report(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("report") / "course")
    simulated_class.build(course, students=40)
    return report.generate(course)


def open_page(page, path):
    page.get(path.as_uri())
    page.wait(lambda: page.driver.execute_script("return document.readyState") == "complete", "the page loaded")
    height = page.driver.execute_script("return document.documentElement.scrollHeight")
    page.driver.set_window_size(1400, min(max(height, 1000), 3000))
    figures = page.wait(lambda: page.driver.execute_script(FIGURES_DRAWN), "every figure drawn", timeout=30)
    errors = [entry for entry in page.driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    return figures


def test_the_overview_shows_every_figure_without_an_error(browser, class_report):
    page = browser("overview-")
    figures = open_page(page, class_report)
    page.shot("overview")
    assert figures >= 2 + 40  # the term's box plot, the misconceptions' map, a sparkline per student
    assert "Students to help" in page.text() and "s0000039" in page.text()


def test_an_assignment_page_puts_the_hardest_exercise_first(browser, class_report):
    page = browser("assignment-")
    open_page(page, class_report.parent / "week2_logistic_regression.html")
    page.shot("week2_logistic_regression")
    rows = page.driver.find_elements("css selector", "td.exercise")
    shares = [int(r.get_attribute("data-passed")) / int(r.get_attribute("data-graded")) for r in rows]
    assert len(rows) == 8 and shares == sorted(shares) and shares[0] < shares[-1]
    assert rows[0].text in ("propagate", "optimize", "model")  # the planted missing 1/m and the tests it breaks
    table = page.driver.find_elements("css selector", "table.exercises tbody tr")
    planted = [r for r in table if "propagate" in r.text]
    assert re.search(r"missing 1/m: \d+ student\(s\)", planted[0].text)
