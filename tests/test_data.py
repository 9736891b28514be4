"""The committed data sets are exactly what `make data` builds, and small enough to commit."""

import hashlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def checksums(folder):
    return dict(line.split()[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())


def test_committed_files_match_their_checksums():
    sums = checksums(DATA)
    assert sorted(sums) == sorted(p.name for p in DATA.glob("*.h5") if "catvnoncat" not in p.name)
    for name, digest in sums.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, f"{name} differs from SHA256SUMS"


@pytest.mark.slow
def test_build_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("build_data", ROOT / "tools" / "build_data.py")
    build_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_data)
    build_data.build(tmp_path)
    assert checksums(tmp_path) == checksums(DATA)


def test_data_is_small_and_documented():
    assert sum(p.stat().st_size for p in DATA.glob("*.h5")) < 5 * 1024 * 1024
    readme = (DATA / "README.md").read_text()
    for name in checksums(DATA):
        assert f"`{name}`" in readme, f"data/README.md does not describe {name}"
