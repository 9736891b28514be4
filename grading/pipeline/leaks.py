"""The leak scan: no solution line, hidden-test line or nbgrader marker in what students receive."""

from pathlib import Path

from grading.notebook_cells import hidden_lines, load, solution_lines

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS")
# Written into every file of the class report (grading.pipeline.report): such a file is never given to a student.
INSTRUCTORS_ONLY = "nn-from-scratch class report: for instructors only"


def instructors_only(path):
    """True when ``path`` is a file of the instructors' class report (it holds :data:`INSTRUCTORS_ONLY`)."""
    try:
        return INSTRUCTORS_ONLY.encode() in Path(path).read_bytes()
    except OSError:
        return False


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
        if instructors_only(path):
            problems.append((path, "is the instructors' class report (ids, scores, diagnoses of the whole class)"))
            continue
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
