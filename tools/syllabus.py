"""Print the README's syllabus table from the notebooks themselves (tests/test_readme.py compares)."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rows():
    for path in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        meta = [c.get("metadata", {}).get("nbgrader", {}) for c in notebook["cells"]]
        exercises = [m["grade_id"] for m in meta if m.get("solution")]
        points = sum(float(m.get("points", 0)) for m in meta if m.get("grade") and not m.get("solution"))
        week = re.match(r"week(\d+)", path.parent.name).group(1)
        names = ", ".join(f"`{e}`" for e in exercises)
        yield f"| {week} | `{path.parent.name}/{path.name}` | {names} | {points:g} |"


if __name__ == "__main__":
    print("| week | notebook | graded exercises | points |\n|---|---|---|---|")
    print("\n".join(rows()))
