"""The leak scan: no solution line, hidden-test line or nbgrader marker in what students receive."""

from pathlib import Path

from grading.notebook_cells import hidden_lines, load, solution_lines

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS")


def secrets(course, assignment):
    """Non-trivial lines of the assignment's solutions and hidden tests (from the instructor's sources)."""
    found = set()
    for name in course.notebooks(assignment):
        source = load(course.source / assignment / name)
        found |= solution_lines(source) | hidden_lines(source)
    return found


def scan(course, assignment, files):
    """``[(file, reason)]`` for each of ``files`` (what is about to be given to students) that leaks."""
    lines = secrets(course, assignment)
    problems = []
    for path in map(Path, files):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        markers = [m for m in MARKERS if m in text]
        leaked = sorted(line for line in lines if line in text)
        if markers:
            problems.append((path, f"contains the nbgrader marker(s) {markers}"))
        if leaked:
            problems.append((path, f"contains {len(leaked)} solution or hidden-test line(s), e.g. {leaked[0]!r}"))
    return problems
