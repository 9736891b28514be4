"""A course directory in nbgrader's layout, and running nbgrader on it.

``root/notebooks/<assignment>/*.ipynb`` are the instructor's sources; nbgrader writes
``release/``, reads ``submitted/<student>/<assignment>/`` and writes ``autograded/``,
``feedback/`` and ``gradebook.db``.  Our own reports go to ``root/reports/``.
"""

import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Files nbgrader itself keeps beside a submission's notebooks: its time, and the secret that release_feedback
# and fetch_feedback use to name the student's feedback in the exchange.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
# Address space of the nbgrader process that grades or renders feedback (the verifier runs in it). A soft limit:
# a MemoryError there fails one notebook instead of the OOM killer ending the batch; the kernel's launcher
# sets the kernel's own budget. Measured: about 1 GB of address space for a normal batch.
GRADER_MEMORY_MB = 4096


def _limit(pid):
    """nbgrader's soft RLIMIT_AS, set from outside (``preexec_fn`` is unsafe with the grading threads); the hard
    limit is left to the kernels' launcher, which sets each kernel's own budget."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_AS)
    wanted = GRADER_MEMORY_MB * 2**20
    resource.prlimit(pid, resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


def scripts_on_path():
    """Put this Python's scripts on this process's PATH: nbgrader creates a missing gradebook in-process by
    running its ``alembic`` script, which a shell without the virtual environment activated does not find."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


def single_thread_env(extra=None):
    """Environment for nbgrader and its kernels: this Python's scripts first on PATH (nbgrader runs
    ``alembic`` from there), one BLAS thread per kernel so parallel kernels do not thrash."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(
        os.environ,
        PATH=path,
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Course:
    """A course directory; ``gradebook_file`` and ``reports_dir`` (relative to ``root``) differ only for a shard of
    the grading (:mod:`grading.pipeline.shards`), which writes a gradebook and reports of its own."""

    root: Path
    gradebook_file: str = "gradebook.db"
    reports_dir: str = "reports"

    @property
    def source(self):
        return self.root / "notebooks"

    @property
    def release_dir(self):
        return self.root / "release"

    @property
    def submitted(self):
        return self.root / "submitted"

    @property
    def autograded(self):
        return self.root / "autograded"

    @property
    def feedback_dir(self):
        return self.root / "feedback"

    @property
    def reports(self):
        return self.root / self.reports_dir

    @property
    def gradebook(self):
        return self.root / self.gradebook_file

    @property
    def gradebook_url(self):
        return f"sqlite:///{self.gradebook}"

    def assignments(self):
        """Assignment names: the folders of ``notebooks/`` that hold notebooks."""
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def notebooks(self, assignment):
        """Notebook file names of an assignment, e.g. ``["logistic_regression.ipynb"]``."""
        return sorted(p.name for p in (self.source / assignment).glob("*.ipynb"))

    def students(self):
        """Student ids with a folder under ``submitted/``."""
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir() if p.is_dir())

    def nbgrader(self, *args, env=None, on_line=None):
        """Run one nbgrader command in the course root; returns the completed process (output captured).

        ``on_line(line)`` is called for each line nbgrader prints (stderr merged into stdout).  nbgrader runs
        with its own memory limit (:data:`GRADER_MEMORY_MB`).
        """
        command = [sys.executable, "-m", "nbgrader", *args]
        if on_line is None:
            with subprocess.Popen(
                command,
                cwd=self.root,
                env=single_thread_env(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ) as process:
                _limit(process.pid)
                out, err = process.communicate()
            return subprocess.CompletedProcess(command, process.returncode, out, err)
        lines = []
        with subprocess.Popen(
            command,
            cwd=self.root,
            env=single_thread_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            _limit(process.pid)
            for line in process.stdout:
                lines.append(line)
                on_line(line)
        return subprocess.CompletedProcess(command, process.returncode, "".join(lines), "")


def copy_course(destination, source_root=REPO_ROOT):
    """Fresh course directory at ``destination`` with the sources, the nbgrader configuration and the schedule.

    ``destination`` must not exist or be an empty folder: nothing is ever deleted to make room.
    """
    destination = Path(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FileExistsError(f"{destination} already exists and is not an empty folder: choose another place")
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        source_root / "notebooks",
        destination / "notebooks",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    shutil.copy2(source_root / "nbgrader_config.py", destination / "nbgrader_config.py")
    if (source_root / "schedule.toml").is_file():
        shutil.copy2(source_root / "schedule.toml", destination / "schedule.toml")
    return Course(destination)
