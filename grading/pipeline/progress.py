"""A progress bar for grading: submissions done / total, drawn on stderr."""

import sys
import threading


class Progress:
    """Counts submissions as nbgrader processes report them; thread-safe.

    nbgrader logs ``Creating/updating student with ID '...'`` when it starts a submission, so a
    process has finished every submission it started except the current one; :meth:`finish_group`
    is called when a process exits.
    """

    def __init__(self, total, stream=sys.stderr, width=30):
        self.total, self.stream, self.width = total, stream, width
        self.done = 0
        self.lock = threading.Lock()
        self.interactive = getattr(stream, "isatty", lambda: False)()
        self.shown = -1

    def watcher(self):
        """A per-process line callback and a finisher, sharing this bar."""
        started = [0]

        def on_line(line):
            if "Creating/updating student with ID" in line:
                started[0] += 1
                if started[0] > 1:
                    self.advance(1)

        def finish():
            self.advance(1 if started[0] else 0)

        return on_line, finish

    def advance(self, count):
        with self.lock:
            self.done = min(self.total, self.done + count)
            self.draw()

    def draw(self):
        if not self.total:
            return
        step = max(1, self.total // 10)
        if not self.interactive and self.done != self.total and self.done - self.shown < step:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if not self.interactive or self.done == self.total else ""
        self.stream.write(f"\rgrading [{bar}] {self.done}/{self.total} submissions{end}")
        self.stream.flush()
        self.shown = self.done
