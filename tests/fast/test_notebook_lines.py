"""Code lines in the notebooks keep the packages' line limit (ruff's ``line-length`` in pyproject.toml).

ruff does not check notebooks here (they are excluded: the release and the references depend on their
exact text), so this test does.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = int(re.search(r"^line-length = (\d+)$", (ROOT / "pyproject.toml").read_text(), re.M).group(1))  # [tool.ruff]
NOTEBOOKS = sorted(ROOT.glob("notebooks/*/*.ipynb"))


def long_lines(path):
    """``(cell index, length, start of line)`` of every code line over the limit."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (index, len(line), line[:60])
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > LIMIT
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_code_lines_keep_the_limit(path):
    found = long_lines(path)
    assert not found, f"{path.name}: code lines over {LIMIT} characters (cell, length, start): {found}"
