"""Where the course's files live, found from this package, never from the current directory.

The data sets are looked up in ``$COURSE_DATA`` when it is set, else next to the installed package
(a wheel ships them as ``course_utils/data``), else in the repository's ``data/`` folder (a source
checkout or an editable install).
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
COURSE_ROOT = PACKAGE_DIR.parent
DATA_ENV = "COURSE_DATA"
DATA_DIR = PACKAGE_DIR / "data" if (PACKAGE_DIR / "data").is_dir() else COURSE_ROOT / "data"


def data_dir(default=None):
    """The folder the loaders read: ``$COURSE_DATA`` if set, else ``default`` or :data:`DATA_DIR`."""
    return Path(os.environ.get(DATA_ENV) or default or DATA_DIR)


CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
CAT_ENV = "COURSE_CAT_DATA"


def cat_data_dir(data_dir=None):
    """Folder holding the classic cat / non-cat files, or ``None`` when they are nowhere to be found.

    Looks in ``data_dir``, then ``$COURSE_CAT_DATA``, then ``<course>/data``, then the course's
    sibling folder ``../shared/data``.
    """
    candidates = [data_dir, os.environ.get(CAT_ENV), DATA_DIR, COURSE_ROOT.parent / "shared" / "data"]
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in CAT_FILES):
            return Path(folder)
    return None
