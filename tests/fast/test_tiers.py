"""`make test-fast` collects on a fresh clone: without the browser extra (selenium) and without slow tests."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run pytest as `make test-fast` does, with selenium unimportable as on a clone without the browser extra.
BLOCK_SELENIUM = """
import sys
sys.modules["selenium"] = None
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""


def fast_tier_arguments():
    recipe = re.search(r"^test-fast:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    words = re.findall(r'"[^"]*"|\S+', recipe.split("-m pytest", 1)[1])
    return [word.strip('"') for word in words]


def test_fast_tier_collects_without_selenium_and_without_slow_tests():
    arguments = fast_tier_arguments()
    assert "not slow" in arguments, arguments
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_SELENIUM, *arguments, "--collect-only"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected and not any(line.startswith("tests/browser") for line in collected)
    assert not any("test_bad_submissions.py" in line or "test_notebooks.py" in line for line in collected)
