"""A plain (non-editable) install of the course package carries the data sets and finds them anywhere.

The wheel is built from a copy of the sources, installed with ``--no-deps`` into a fresh virtual
environment that borrows this environment's site-packages (numpy, h5py) through a ``.pth`` file, and
every data set is loaded from an unrelated working directory.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from course_utils import datasets

# builds a wheel and a virtual environment, once: the module's tests share one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "README.md", "course_utils", "grading", "data")
ALL_SETS = datasets.PLANAR_SETS + datasets.IMAGE_SETS + datasets.TABULAR_SETS

LOAD_ALL = """
import os, sys
import course_utils
from course_utils import datasets
assert os.path.realpath(course_utils.__file__).startswith(os.path.realpath(sys.prefix)), course_utils.__file__
for name in datasets.PLANAR_SETS:
    data = datasets.load_planar(name)
    assert data.train_x.shape[0] == 2 and data.train_y.shape[0] == 1, name
for name in datasets.IMAGE_SETS:
    assert datasets.load_images(name).train_x.ndim == 4, name
for name in datasets.TABULAR_SETS:
    assert datasets.load_tabular(name).train_x.shape[1] == datasets.load_tabular(name).train_y.shape[1], name
print("loaded", len(datasets.PLANAR_SETS + datasets.IMAGE_SETS + datasets.TABULAR_SETS), "from", datasets.DATA_DIR)
"""


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``(wheel, python)``: the built wheel and the interpreter of a clean venv it is installed in."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(
            ROOT / name,
            source / name,
            **({"ignore": shutil.ignore_patterns("__pycache__", "*catvnoncat*")} if (ROOT / name).is_dir() else {}),
        )
    isolation = [] if int(version("setuptools").split(".")[0]) >= 68 else None
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(base / "dist"), str(source)]
    run(command + (["--no-build-isolation"] if isolation is not None else []))
    wheel = next((base / "dist").glob("course_utils-*.whl"))
    run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")])
    python = base / "venv" / "bin" / "python"
    purelib = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # numpy and h5py come from this environment; its editable course_utils does not (a .pth path line
    # adds the folder to sys.path after the venv's own site-packages and runs none of its .pth hooks).
    (purelib / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ]
    )
    return wheel, python


def test_wheel_carries_every_data_set(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    committed = {p.name for p in (ROOT / "data").glob("*.h5") if "catvnoncat" not in p.name}
    assert {f"{name}.h5" for name in ALL_SETS} == committed
    assert {f"course_utils/data/{name}" for name in committed} <= names
    assert not any("catvnoncat" in name for name in names)


def test_installed_package_loads_every_data_set_from_elsewhere(installed, tmp_path):
    _, python = installed
    env = {k: v for k, v in os.environ.items() if k not in (datasets.DATA_ENV, "PYTHONPATH")}
    result = run([str(python), "-c", LOAD_ALL], cwd=tmp_path, env=env)
    assert f"loaded {len(ALL_SETS)}" in result.stdout and "site-packages" in result.stdout


def test_course_data_points_elsewhere(installed, tmp_path):
    _, python = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy2(ROOT / "data" / "xor.h5", elsewhere / "xor.h5")
    code = (
        "from course_utils import datasets\nprint(datasets.load_planar('xor').train_x.shape)\n"
        "try:\n    datasets.load_planar('flower')\nexcept datasets.DatasetError as e:\n    print('ERROR', e)\n"
    )
    result = run([str(python), "-c", code], cwd=tmp_path, env=dict(os.environ, COURSE_DATA=str(elsewhere)))
    assert "(2, 200)" in result.stdout
    assert "ERROR" in result.stdout and "COURSE_DATA" in result.stdout and str(elsewhere) in result.stdout


def test_optional_extras_are_listed_in_environment_yml():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    text = (ROOT / "environment.yml").read_text()
    for extra in ("hub", "browser"):
        for requirement in extras[extra]:
            assert requirement.replace(" ", "") in text, f"environment.yml does not mention {requirement} ({extra})"
