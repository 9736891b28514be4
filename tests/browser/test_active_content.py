"""What a submission shows the instructor runs nothing in a real browser (issue 17, attack 2).

A submission's markdown and outputs carry script (an ``<img onerror>``, a ``<script>``, a ``javascript:`` link,
``text/html`` with a script, ``application/javascript``, an SVG with ``onload``), each setting
``document.title`` to a marker (the link is looked for, not clicked).  The notebook is rendered as Formgrader
renders a submission (nbconvert's
``HTMLExporter`` with nbgrader's ``formgrade`` template) and as the feedback page, then opened in headless
Chromium.  Without :class:`grading.plugins.sanitize.SanitizeSubmission` the script runs (the test shows the
attack winning); with it, as autograde and feedback apply it, nothing does.
"""

import copy

import bad_submissions as bs
import pytest
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.server_extensions.formgrader import handlers
from traitlets.config import Config

from grading.plugins.feedback_page import FeedbackExporter
from grading.plugins.sanitize import SanitizeSubmission

TITLE = "an honest page"
OUTPUTS = [
    new_output("display_data", data={"text/html": "<b>x</b><script>document.title = 'xss-html'</script>"}),
    new_output("display_data", data={"application/javascript": "document.title = 'xss-js'", "text/plain": "js"}),
    new_output(
        "display_data",
        data={"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload=\"document.title='xss-svg'\"/>"},
    ),
]
FORMGRADE = {
    "assignment_id": "a",
    "notebook_id": "n",
    "submission_id": "s",
    "index": 0,
    "total": 1,
    "base_url": "/",
    "student": "x",
    "last_name": "",
    "first_name": "",
    "notebook_path": "/n",
}


def attack():
    cells = [new_markdown_cell(bs.XSS_MARKDOWN), new_code_cell("print('work')", outputs=copy.deepcopy(OUTPUTS))]
    return new_notebook(cells=cells, metadata={"title": TITLE})


def render(view, notebook):
    if view == "formgrader":
        config = Config()
        config.HTMLExporter.template_name = "formgrade"
        config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
        html, _ = HTMLExporter(config=config).from_notebook_node(notebook, resources=dict(FORMGRADE))
    else:
        html, _ = FeedbackExporter().from_notebook_node(notebook)
    return html.replace("<head>", f"<head><title>{TITLE}</title>", 1)


@pytest.mark.parametrize("sanitized", [False, True], ids=["as submitted", "sanitized"])
@pytest.mark.parametrize("view", ["formgrader", "feedback"])
def test_script_in_a_submission_runs_only_without_the_sanitizer(browser, tmp_path, view, sanitized):
    notebook = attack()
    if sanitized:
        notebook, _ = SanitizeSubmission().preprocess(notebook, {})
    page_file = tmp_path / f"{view}.html"
    page_file.write_text(render(view, notebook), encoding="utf-8")
    page = browser(f"{view}-{'sanitized' if sanitized else 'raw'}-")
    page.get(page_file.as_uri())
    page.wait(lambda: page.driver.execute_script("return document.readyState") == "complete", "the page loaded")
    page.shot("rendered")
    title = page.driver.title
    links = page.driver.find_elements("css selector", "a[href^='javascript'], a[href^='JAVASCRIPT']")
    if sanitized:
        assert title == TITLE, f"script from the submission ran in the {view} view: title {title!r}"
        assert not links, "a javascript: link survived"
        assert "work" in page.text()
    else:
        assert title.startswith("xss-"), f"the attack did not run at all (title {title!r}): the test proves nothing"
