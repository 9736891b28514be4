"""Packaging beyond what pyproject.toml can say: the top-level ``data/`` folder (the one source of the
data sets, which ``make data`` rebuilds) is shipped inside the wheel as ``course_utils/data``.

The package list is found, not written out, so the student bundle (``course_utils/`` and ``data/``
without ``grading/``) installs with this same file.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
packages = find_packages(where=str(HERE), include=["course_utils", "course_utils.*", "grading", "grading.*"])
package_dir = {}
if (HERE / "data").is_dir():
    packages.append("course_utils.data")
    package_dir["course_utils.data"] = "data"

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={"course_utils.data": ["*.h5", "SHA256SUMS", "README.md"]},
    exclude_package_data={"course_utils.data": ["*catvnoncat*"]},
)
