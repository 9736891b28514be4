"""Where the course's files live, found from this package, never from the current directory."""
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = COURSE_ROOT / "data"
