"""Driving JupyterLab (and the hub's pages) in headless Chromium with Selenium, one step at a time.

Every step is screenshotted into the test's folder; the folder is kept when the test fails.
"""

import contextlib
import re
import time

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


class Page:
    def __init__(self, driver, screens, prefix=""):
        self.driver, self.screens, self.prefix, self.steps = driver, screens, prefix, 0

    def shot(self, name):
        self.dismiss_news()
        self.steps += 1
        self.screens.mkdir(parents=True, exist_ok=True)
        path = self.screens / f"{self.prefix}{self.steps:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        self.driver.save_screenshot(str(path))
        return path

    def get(self, url):
        self.driver.get(url)

    def wait(self, predicate, what, timeout=60):
        """Poll ``predicate()`` until it returns something truthy; fail naming ``what``."""
        deadline, last = time.time() + timeout, None
        while time.time() < deadline:
            try:
                value = predicate()
                if value:
                    return value
            except (StaleElementReferenceException, WebDriverException) as exc:
                last = exc
            time.sleep(0.3)
        self.shot(f"timeout {what}")
        raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (f" ({last.msg})" if last else ""))

    def find(self, css, text=None, timeout=60):
        """The first visible element matching ``css`` (whose text contains ``text``)."""

        def look():
            for element in self.driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed() and (text is None or text in element.text):
                    return element

        return self.wait(look, f"{css!r}" + (f" with text {text!r}" if text else ""), timeout)

    def click(self, css, text=None, timeout=60):
        element = self.find(css, text, timeout)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        return element

    def text(self, css="body"):
        return " ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css))

    def wait_text(self, text, css="body", timeout=60):
        return self.wait(lambda: text in self.text(css), f"text {text!r} in {css!r}", timeout)

    @contextlib.contextmanager
    def inside(self, css, timeout=60):
        """Drive the page inside the visible iframe matching ``css`` (a Lab tab that shows another
        page, such as Formgrader), then come back to the top page."""
        self.driver.switch_to.frame(self.find(css, timeout=timeout))
        try:
            yield self
        finally:
            self.driver.switch_to.default_content()

    # ---- JupyterLab ---------------------------------------------------------------------------

    def menu(self, top, item=None):
        """Open the menu ``top`` and click ``item``; without ``item``, return the menu's entries and close it."""
        self.dismiss_news()
        for attempt in range(3):
            self.click(".lm-MenuBar-itemLabel", top)
            try:
                entry = self.find(".lm-Menu-itemLabel", item, timeout=5)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        if item is None:
            entries = [
                e.text
                for e in self.driver.find_elements(By.CSS_SELECTOR, ".lm-Menu .lm-Menu-itemLabel")
                if e.is_displayed()
            ]

            def closed():
                return not any(e.is_displayed() for e in self.driver.find_elements(By.CSS_SELECTOR, ".lm-Menu"))

            for attempt in range(3):  # Escape goes to whatever has the focus (a toast, say): then click the bar again
                if attempt == 0:
                    self.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
                else:
                    self.click(".lm-MenuBar-itemLabel", top)
                try:
                    self.wait(closed, "the menu to close", 5)
                    break
                except AssertionError:
                    if attempt == 2:
                        raise
            return entries
        entry.click()

    def cells(self):
        return self.driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def cell(self, index):
        return self.wait(lambda: len(self.cells()) > index and self.cells()[index], f"cell {index}")

    def output(self, index):
        return " ".join(e.text for e in self.cell(index).find_elements(By.CSS_SELECTOR, ".jp-OutputArea"))

    def wait_output(self, index, text, timeout=90):
        return self.wait(lambda: text in self.output(index), f"{text!r} in the output of cell {index}", timeout)

    def dismiss_news(self):
        """Answer JupyterLab's "get notified about news?" toast, which would cover part of the page."""
        try:
            for button in self.driver.find_elements(By.CSS_SELECTOR, ".Toastify button"):
                if button.is_displayed() and button.text.strip() == "No":
                    self.driver.execute_script("arguments[0].click();", button)  # also when half off-screen
        except WebDriverException:
            pass

    def kernel_idle(self, timeout=90):
        self.wait(
            lambda: self.driver.find_elements(
                By.CSS_SELECTOR,
                ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']",
            ),
            "an idle kernel",
            timeout,
        )

    def type_into_cell(self, index, code):
        """Replace the cell's text by ``code`` (one line) as a student would: click, select all, type."""
        editor = self.cell(index).find_element(By.CSS_SELECTOR, ".cm-content")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", editor)
        editor.click()
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(code)
        self.wait(
            lambda: self.cell(index).find_element(By.CSS_SELECTOR, ".cm-content").text.strip() == code,
            f"cell {index} to read {code!r} (got {editor.text!r})",
            10,
        )
        return editor
