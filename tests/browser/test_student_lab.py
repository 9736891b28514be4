"""Scenario (a): a student works on a released notebook in JupyterLab, in a real browser."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading.course import copy_course
from grading.pipeline import release

from .conftest import free_port, wait_http

ASSIGNMENT, NOTEBOOK = "week2_numpy_basics", "numpy_basics.ipynb"
SIGMOID_CELL, SIGMOID_TEST = 7, 8
# A numerically stable one-liner, typed as a student would type it.
SIGMOID = "def sigmoid(z): return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))"
TOKEN = "browser-test"


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """JupyterLab as `make lab` starts it, serving a student's folder holding the released notebook."""
    base = tmp_path_factory.mktemp("student")
    course = copy_course(base / "course")
    release.generate(course, [ASSIGNMENT])
    home = base / "home"
    shutil.copytree(course.release_dir / ASSIGNMENT, home / ASSIGNMENT)
    port, log = free_port(), base / "lab.log"
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    with open(log, "w") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                f"--port={port}",
                f"--ServerApp.token={TOKEN}",
                f"--ServerApp.root_dir={home}",
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            cwd=home,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", server, log)
        yield f"http://127.0.0.1:{port}", home
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_student_runs_fails_fixes_and_validates(browser, student_lab):
    url, home = student_lab
    page = browser("lab-")
    page.get(f"{url}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}?token={TOKEN}")
    page.kernel_idle()
    page.dismiss_news()
    page.shot("notebook opened")

    page.menu("Run", "Run All Cells")
    page.wait_output(SIGMOID_TEST, "sigmoid [z = 0] is not implemented yet")
    page.kernel_idle()
    page.shot("run all: the first visible test fails with its message")

    page.type_into_cell(SIGMOID_CELL, SIGMOID)
    page.shot("exercise filled in")
    page.cell(SIGMOID_CELL).find_element("css selector", ".cm-content").send_keys("\ue008\ue007")  # Shift+Enter
    page.wait(
        lambda: page.cell(SIGMOID_TEST).get_attribute("class").count("jp-mod-active"), "the test cell selected", 10
    )
    page.driver.switch_to.active_element.send_keys("\ue008\ue007")
    page.wait_output(SIGMOID_TEST, "OK sigmoid [large |z|]")
    assert "not implemented" not in page.output(SIGMOID_TEST)
    page.shot("the visible test passes")

    page.click(".jp-Toolbar-item .jp-ToolbarButtonComponent", "Validate")
    dialog = page.find(".jp-Dialog-content", timeout=120)
    page.wait(
        lambda: "Validat" not in dialog.text or "fail" in dialog.text.lower() or "passed" in dialog.text.lower(),
        "the validation result",
        120,
    )
    text = page.wait(
        lambda: page.text(".jp-Dialog-body") if "not implemented yet" in page.text(".jp-Dialog-body") else "",
        "the validation to list the exercises still to do",
        120,
    )
    page.shot("validate lists what is still to do")
    assert "sigmoid_derivative" in text and "sigmoid [z = 0] is not implemented" not in text
    saved = (home / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8")
    assert "np.minimum(z, 0)" in saved, "Validate saves the notebook with the student's code"


EXPLORE_NOTEBOOK = "exploration.ipynb"
# The machinery of the week 3-5 explorations (course_utils.explore) with a draw that is instant: the slider
# turns the boundary of a fixed linear classifier, so a move must change the picture.
EXPLORE_CODE = """import numpy as np
from course_utils.explore import boundary_and_cost, explore

X = np.random.default_rng(0).uniform(-1, 1, size=(2, 60))
Y = (X[0:1] > 0).astype(int)


def draw(figure, angle):
    direction = np.array([[np.cos(np.radians(angle)), np.sin(np.radians(angle))]])
    boundary_and_cost(figure, lambda P: (direction @ P > 0).astype(int), [1.0, 0.5, 0.2 + angle / 360], X, Y,
                      title=f"boundary at {angle} degrees")


exploration = explore(draw, {"angle": [0, 45, 90, 135]}, start={"angle": 0})"""


def test_a_slider_redraws_the_exploration_figure(browser, student_lab):
    import nbformat
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, home = student_lab
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EXPLORE_CODE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, home / EXPLORE_NOTEBOOK)
    page = browser("explore-")
    page.get(f"{url}/lab/tree/{EXPLORE_NOTEBOOK}?token={TOKEN}")
    page.kernel_idle()
    page.dismiss_news()
    page.menu("Run", "Run All Cells")
    handle = page.find(".jp-OutputArea .widget-slider .noUi-handle", timeout=120)
    page.wait_output(0, "showing angle = 0")

    def image():
        images = page.cell(0).find_elements(By.CSS_SELECTOR, ".jp-OutputArea img")
        return images[0].get_attribute("src") if images else None

    first = page.wait(image, "the static figure")
    page.shot("exploration shown: the figure for angle 0")

    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    handle.click()
    handle.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # two steps: 0 -> 90 degrees
    page.wait_output(0, "showing angle = 90", timeout=60)
    page.wait(lambda: image() not in (None, first), "the figure to be redrawn", 30)
    page.shot("slider moved: the figure for angle 90")
    assert len(page.cell(0).find_elements(By.CSS_SELECTOR, ".jp-OutputArea img")) == 1, "redrawn in place"
