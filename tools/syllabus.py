"""Print the README's syllabus table and its points summary from the notebooks (tests/test_readme.py compares).

Notebooks are ordered by the title in their first cell, ``# Week N (k/n): ...`` or ``# Week N: ...``;
a week's quiz, ``# Week N quiz: ...``, comes after its notebooks.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's grading/, also when run as a script

from grading.notebook_cells import is_test_cell, nbgrader_meta  # noqa: E402

TITLE = re.compile(r"^# Week (?P<week>\d+)(?: \((?P<part>\d+)/\d+\)| (?P<quiz>quiz))?: (?P<title>.+)$", re.M)


def notebooks():
    """``(week, is_quiz, part, title, path, notebook)`` for every source notebook, in course order."""
    found = []
    for path in (ROOT / "notebooks").glob("*/*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        heading = TITLE.search("".join(notebook["cells"][0]["source"]))
        if heading is None:
            raise ValueError(
                f"{path}: the first cell must start with '# Week N: title', '# Week N (k/n): title' "
                "or '# Week N quiz: title'"
            )
        found.append(
            (int(heading["week"]), bool(heading["quiz"]), int(heading["part"] or 1), heading["title"], path, notebook)
        )
    return sorted(found, key=lambda item: item[:3])


def graded(notebook):
    """``(test cells' metadata, written answers' metadata)`` of a notebook."""
    cells = notebook["cells"]
    return (
        [nbgrader_meta(c) for c in cells if is_test_cell(c)],
        [nbgrader_meta(c) for c in cells if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")],
    )


def points(cells):
    return sum(float(m.get("points", 0)) for m in cells)


def rows():
    for week, quiz, _, title, path, notebook in notebooks():
        meta = [c.get("metadata", {}).get("nbgrader", {}) for c in notebook["cells"]]
        tests, written = graded(notebook)
        total = points(tests + written)
        title = title[0].upper() + title[1:]
        if quiz:
            title = f"Quiz: {title}"
            exercises = f"{len(tests) + len(written)} questions: {len(tests)} auto-graded, {len(written)} written"
        else:
            exercises = ", ".join(f"`{m['grade_id']}`" for m in meta if m.get("solution"))
        yield f"| {week} | {title} (`{path.parent.name}`) | {exercises} | {total:g} |"


def summary():
    """The sentence under the table: the course's points, the quizzes' share, the written answers'."""
    found = [(quiz, *graded(notebook)) for _, quiz, _, _, _, notebook in notebooks()]
    course = sum(points(tests + written) for _, tests, written in found)
    quizzes = sum(points(tests + written) for quiz, tests, written in found if quiz)
    written = sum(points(written) for _, _, written in found)
    return (
        f"{course:g} points in all: {course - quizzes:g} for the notebooks and {quizzes:g} "
        f"({100 * quizzes / course:.0f} %) for the quizzes, {written:g} of them for the quizzes' written answers,"
    )


if __name__ == "__main__":
    print("| week | notebook (assignment) | graded exercises | points |\n|---|---|---|---|")
    print("\n".join(rows()))
    print(f"\n{summary()}")
