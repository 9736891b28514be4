"""A catalogue of bad submissions of week2_numpy_basics, each with the outcome grading must give it.

Every fixture is built from the student release (never from the instructor's source, except the
solved base, which fills the release's exercise cells the way :func:`grading.pipeline.submissions.solved`
does) and has an expected outcome: an exact score, or UNGRADABLE with a substring of the reason.

- *structure*: the notebook file or its cells are damaged (test cells edited, deleted, moved,
  duplicated, retyped; metadata stripped; renamed, missing, empty, not JSON, not UTF-8; an older
  release).
- *code*: the student's code is wrong or hostile to the grader (renamed or missing functions, wrong
  types and shapes, NaN, warnings, input(), sys.exit(), endless loops, a killed kernel, unbounded
  memory, megabytes of output).
- *cheat*: code that tries to score more than it earns.  Policy: a cheat never scores above the
  honest code inside it (``honest``); most cheats wrap the *partial* base (sigmoid and
  sigmoid_derivative solved, 3 points) so that the honest score is known.

Fixtures marked ``sandbox=True`` are only defended by :mod:`grading.sandbox.bwrap` (reading solutions,
references or other submissions; writing the gradebook, other submissions, data or references;
calling a course_utils twin, which the sandbox makes refuse to run).
Never grade them without the sandbox: they really try to read and write those files.

Use as a module (``fixtures(release_nb, source_nb)``, ``write(...)``) or as a script::

    python tests/bad_submissions.py SUBMITTED_DIR [--course COURSE_ROOT] [--with-sandbox-cheats]

which writes every fixture as ``SUBMITTED_DIR/<student>/week2_numpy_basics/...`` and prints the
expected outcomes.  Without ``--course`` the release is generated in a temporary course.
"""

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from course_utils import records  # noqa: E402
from course_utils.paths import DATA_DIR  # noqa: E402
from course_utils.records import read_reference, reference_path  # noqa: E402
from grading.notebook_cells import grade_cells, nbgrader_meta, source_text  # noqa: E402
from grading.pipeline import submissions  # noqa: E402

ASSIGNMENT = "week2_numpy_basics"
NOTEBOOK = "numpy_basics.ipynb"
VICTIM = "honest"  # the solved submission that cheats try to read, overwrite or sabotage
MARKER = "PWNED_"  # cheats that write try to create files named PWNED_<student>
PARTIAL = ("sigmoid", "sigmoid_derivative")  # solved in the partial base: 2 + 1 = 3 points
FAST_TIMING = ("n = 1_000_000", "n = 10_000")  # the ungraded timing demo, shortened (an unlocked cell)
WALL_CELLS, WALL_SLEEP = 8, 8  # the wall_clock cheat: 64 s in cells that each stay under the 10 s timeout
TEXTBOOK_SIGMOID = {"sigmoid": ("return np.where(z >= 0, 1.0, E) / (1.0 + E)", "return 1.0 / (1.0 + np.exp(-z))")}


@dataclass(frozen=True)
class Fixture:
    """One bad submission and what grading must say about it.

    ``files(student)`` gives ``{file name: bytes}`` for the submission folder (``{}``: an empty
    folder).  Exactly one of ``score`` (graded, exactly this many points) and ``reason``
    (UNGRADABLE, with this text in the reason) is set.
    """

    student: str
    kind: str  # "structure", "code" or "cheat"
    what: str
    files: Callable[[str], dict]
    score: float | None = None
    reason: str | None = None
    honest: float | None = None  # cheats: what the honest code in it earns
    sandbox: bool = False  # the outcome relies on grading.sandbox.bwrap
    failed: tuple | None = None  # test cells VerifyChecks fails (a CheckFailure output; None: not checked)

    @property
    def expected(self):
        return f"{self.score:g}" if self.reason is None else f"UNGRADABLE ({self.reason})"


# --------------------------------------------------------------------------- notebook surgery


def copy(notebook):
    return json.loads(json.dumps(notebook))


def index(notebook, grade_id):
    return next(i for i, c in enumerate(notebook["cells"]) if nbgrader_meta(c).get("grade_id") == grade_id)


def cell(notebook, grade_id):
    return notebook["cells"][index(notebook, grade_id)]


def new_id(source):
    return hashlib.sha256(source.encode()).hexdigest()[:8]


def code_cell(source, metadata=None):
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": new_id(source),
        "metadata": metadata or {},
        "outputs": [],
        "source": source,
    }


def markdown_cell(source):
    return {"cell_type": "markdown", "id": new_id(source), "metadata": {}, "source": source}


def set_code(notebook, grade_id, code):
    cell(notebook, grade_id)["source"] = code
    return notebook


def append_code(notebook, grade_id, code):
    target = cell(notebook, grade_id)
    target["source"] = source_text(target).rstrip("\n") + "\n\n" + code
    return notebook


def to_bytes(notebook):
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def one(notebook, name=NOTEBOOK):
    """A ``files`` function submitting ``notebook`` (a dict, or a function of the student id)."""
    return lambda student: {name: to_bytes(notebook(student) if callable(notebook) else notebook)}


class Bases:
    """The honest notebooks the fixtures start from."""

    def __init__(self, release_nb, source_nb):
        self._release_nb = release_nb
        self.source_nb = source_nb
        self.points = grade_cells(source_nb)

    @property
    def release_nb(self):
        if self._release_nb is None:
            raise ValueError("this catalogue was built without a release notebook: it can describe, not build")
        return self._release_nb

    def _fast(self, notebook):
        for c in notebook["cells"]:
            if c["cell_type"] == "code" and FAST_TIMING[0] in source_text(c) and not nbgrader_meta(c):
                c["source"] = source_text(c).replace(*FAST_TIMING)
        return notebook

    def release(self):
        """The untouched release (0 points)."""
        return self._fast(copy(self.release_nb))

    def solved(self, replacements=None):
        """Every exercise solved (10 points), optionally with bugs ``{grade_id: (old, new)}``."""
        return self._fast(submissions.solved(self.release_nb, self.source_nb, replacements))

    def partial(self):
        """sigmoid and sigmoid_derivative solved, the other exercises untouched (3 points)."""
        notebook = self.solved()
        for c, original in zip(notebook["cells"], self.release_nb["cells"]):
            if nbgrader_meta(c).get("solution") and nbgrader_meta(c)["grade_id"] not in PARTIAL:
                c["source"] = original["source"]
        return notebook

    def partial_wrong(self):
        """The partial base with wrong answers of the right types and shapes for the rest (3 points)."""
        notebook = self.partial()
        wrong = {
            "image_to_vector": "def image_to_vector(image):\n    return np.zeros((image.size, 1))\n",
            "normalize_rows": "def normalize_rows(x):\n    return np.zeros(x.shape)\n",
            "softmax": "def softmax(x):\n    return np.full(x.shape, 1.0 / x.shape[1])\n",
            "l1_loss": "def l1_loss(yhat, y):\n    return 0.0\n",
            "l2_loss": "def l2_loss(yhat, y):\n    return 0.0\n",
        }
        for grade_id, code in wrong.items():
            set_code(notebook, grade_id, code)
        return notebook

    def score_without(self, *grade_ids):
        return sum(self.points.values()) - sum(self.points[g] for g in grade_ids)


def reference_records():
    """``{grade_id: [record]}``: the solution's check records (label, value, rtol, atol, hidden), as graded."""
    return read_reference(reference_path(ASSIGNMENT, NOTEBOOK))["cells"]


# --------------------------------------------------------------------------- code planted by cheats

# Where the grading kernel runs: <course>/autograded/<student>/<assignment>.
COURSE_ROOT_CODE = "import pathlib\n_course = pathlib.Path.cwd().parents[2]\n"

PATCH_CHECKS = """
# Wrap the checks so that a failure prints OK instead of raising, in the modules and in the
# notebook's imported names (the checks that pass still run, so their points are kept).
import course_utils.checks, course_utils.references
def _lenient(real, fallback=lambda *args: None):
    def check(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except BaseException:
            print("OK")
            return fallback(*args)
    return check
for _module in (course_utils.checks, course_utils.references):
    for _name in ("check_function", "check_true", "check_value", "check_shapes", "check_reference"):
        if hasattr(_module, _name):
            setattr(_module, _name, _lenient(getattr(_module, _name), lambda *args: args[2] if len(args) > 2 else None))
check_function = course_utils.checks.check_function
check_true = course_utils.checks.check_true
check_reference = course_utils.references.check_reference
call_checked = _lenient(call_checked, lambda *args: np.zeros((12288, 1)))
"""

CUSTOM_EXC = """
# Swallow every exception a test raises, printing a reassuring line instead.
def _swallow(shell, etype, value, tb, tb_offset=None):
    print("OK")
    return None
get_ipython().set_custom_exc((BaseException,), _swallow)
"""

AST_SWALLOW = """
# Rewrite every later cell as `try: <cell> except BaseException: print("OK")`: no error ever reaches IPython.
import ast
class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.parse("try:\\n    pass\\nexcept BaseException:\\n    print('OK')").body[0]
        handler.body = node.body or [ast.Pass()]
        node.body = [handler]
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(_Swallow())
"""

SHOWTRACEBACK = """
# Silence tracebacks and the error stream: a failing test shows no error output.
import io, sys, traceback
from IPython.core.interactiveshell import InteractiveShell
InteractiveShell.showtraceback = lambda self, *a, **k: None
InteractiveShell.showsyntaxerror = lambda self, *a, **k: None
get_ipython().showtraceback = lambda *a, **k: None
get_ipython()._showtraceback = lambda *a, **k: None
traceback.print_exc = lambda *a, **k: None
sys.stderr = io.StringIO()
"""

PATCH_NUMPY = """
# Make every comparison succeed: np.isclose / allclose / array_equal / numpy.testing.
import numpy, numpy.testing
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.broadcast(numpy.asarray(a), numpy.asarray(b)).shape,
                                                         bool)
numpy.allclose = numpy.array_equal = numpy.array_equiv = lambda *a, **k: True
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None
numpy.testing.assert_almost_equal = lambda *a, **k: None
"""

DISABLE_RECORDS = (
    """
# Turn the grader's check records off (records are only emitted while NBGRADER_EXECUTION says
# autograde), then make every check print OK.
import os
os.environ["NBGRADER_EXECUTION"] = "off"
"""
    + PATCH_CHECKS
)

EXPECTED_AS_RECORD = """
# Record the *expected* value instead of the student's (visible tests pass it in), and drop the
# records check_reference emits for the hidden cases.
import course_utils.checks, course_utils.records, course_utils.references
_emit = course_utils.records.emit
def _check_value(got, expected, *, name="result", case="", rtol=1e-6, atol=1e-8, quiet=False, record=True):
    label = f"{name} [{case}]" if case else name
    if not record:                          # a hidden case compared with the reference file
        label = label.replace("(...)", "")
    _emit(label, expected, rtol, atol)
    print("OK", label)
course_utils.checks.check_value = course_utils.references.check_value = _check_value
course_utils.records.emit = lambda *a, **k: None
course_utils.checks.call_checked = course_utils.references.call_checked = lambda func, *a, **k: None
"""

SOLUTION_THIEF = (
    COURSE_ROOT_CODE
    + """
# Helpers of the two cheats below: collect solution cells from notebooks on disk, then define them
# again after every cell so that the student's own stubs do not win.
import json, sqlite3
_stolen = {}
def _take_solutions(paths):
    for _path in paths:
        try:
            for _cell in json.loads(_path.read_text())["cells"]:
                _meta = _cell.get("metadata", {}).get("nbgrader", {})
                if _meta.get("solution"):
                    _stolen[_meta["grade_id"]] = "".join(_cell["source"])
            print("read", _path)
        except Exception as _error:
            print("cannot read", _path, type(_error).__name__)
def _redefine(*args):
    for _source in _stolen.values():
        exec(_source, get_ipython().user_ns)
"""
)

STEAL_SOLUTIONS = (
    SOLUTION_THIEF
    + """
# Read the instructor's solutions (source notebooks, the gradebook's copy of the source cells).
_take_solutions([_course / "notebooks" / "week2_numpy_basics" / "numpy_basics.ipynb",
                 _course / "source" / "week2_numpy_basics" / "numpy_basics.ipynb",
                 pathlib.Path("REPO/notebooks/week2_numpy_basics/numpy_basics.ipynb")])
for _db in [_course / "gradebook.db", pathlib.Path("REPO/gradebook.db")]:
    try:
        _connection = sqlite3.connect(f"file:{_db}?mode=ro", uri=True)
        for _name, _source in _connection.execute("SELECT name, source FROM source_cell"):
            if "BEGIN SOLUTION" in (_source or ""):
                _stolen[_name] = _source
        print("read", _db)
    except Exception as _error:
        print("cannot read", _db, type(_error).__name__)
get_ipython().events.register("post_run_cell", _redefine)
_redefine()
"""
)

COPY_OTHER = (
    SOLUTION_THIEF
    + """
# Copy the solved functions of another student (their submission, or their autograded notebook).
_take_solutions([_course / "submitted" / "VICTIM" / "week2_numpy_basics" / "numpy_basics.ipynb",
                 _course / "autograded" / "VICTIM" / "week2_numpy_basics" / "numpy_basics.ipynb"])
get_ipython().events.register("post_run_cell", _redefine)
_redefine()
"""
)

READ_REFERENCES = (
    COURSE_ROOT_CODE
    + """
# Turn every check of the test cells into a silent success ...
def _quiet(*args, **kwargs):
    print("OK")
    return args[2] if len(args) > 2 else np.zeros((12288, 1))
check_function = call_checked = check_true = check_reference = _quiet
gradient_check = lambda *args, **kwargs: {"z": 0.0}
# ... then read the solution's check records from the reference file and emit them in each test cell.
import json
from course_utils import records
_expected = {}
for _path in [_course / "references" / "week2_numpy_basics" / "numpy_basics.json",
              pathlib.Path("REPO/references/week2_numpy_basics/numpy_basics.json")]:
    try:
        for _grade_id, _items in json.loads(_path.read_text())["cells"].items():
            _expected[_grade_id] = [(_item["label"], records.decode(_item["value"]), bool(_item.get("hidden")))
                                    for _item in _items]
        print("read", _path)
        break
    except Exception as _error:
        print("cannot read", _path, type(_error).__name__)
def _forge(result):
    source = result.info.raw_cell
    for _grade_id, _items in _expected.items():
        if f'check_reference(ASSIGNMENT, "{_grade_id[5:]}"' in source:
            for _label, _value, _hidden in _items:
                records.emit(_label, _value, hidden=_hidden)
get_ipython().events.register("post_run_cell", _forge)
"""
)

REWRITE_IN_PLACE = '''
def _rewrite(path):
    """Write a file's first bytes back over themselves: no damage, but only possible where it is writable."""
    try:
        with open(path, "r+b") as handle:
            head = handle.read(8)
            handle.seek(0)
            handle.write(head)
        print("read: rewrote", path)
    except Exception as error:
        print("cannot rewrite", path, type(error).__name__)
'''

WRITE_REFERENCES = (
    PATCH_CHECKS
    + COURSE_ROOT_CODE
    + REWRITE_IN_PLACE
    + """
# Make the grader's references the student's: rewrite the reference files in place, replace them by
# a new file, or create one next to them (where they can be read, with their own bytes: a sandbox
# that lets this through is caught by the test's digests, not by damage to the repository).
import os
for _path in [_course / "references" / "week2_numpy_basics" / "numpy_basics.json",
              pathlib.Path("REPO/references/week2_numpy_basics/numpy_basics.json")]:
    try:
        _content = _path.read_bytes()
        print("read", _path)
    except Exception as _error:
        _content = None
        print("cannot read", _path, type(_error).__name__)
    _rewrite(_path)
    _new = _path.with_name("MARKERSTUDENT.json")
    try:
        _new.parent.mkdir(parents=True, exist_ok=True)
        _new.write_bytes(_content or b'{"cells": {}}')
        print("read: created", _new)
        if _content is not None:
            os.replace(_new, _path)
            print("read: replaced", _path)
    except Exception as _error:
        print("cannot write next to", _path, type(_error).__name__)
"""
)

WRITE_GRADEBOOK = (
    COURSE_ROOT_CODE
    + '''
# Give this submission full marks in the gradebook (manual scores and extra credit survive autograding).
import sqlite3
for _db in [_course / "gradebook.db", pathlib.Path("REPO/gradebook.db")]:
    try:
        _connection = sqlite3.connect(f"file:{_db}?mode=rw", uri=True)
        _connection.execute("""UPDATE grade SET manual_score = 100, extra_credit = 100 WHERE notebook_id IN
            (SELECT n.id FROM submitted_notebook n JOIN submitted_assignment a ON n.assignment_id = a.id
             WHERE a.student_id = 'STUDENT')""")
        _connection.execute("CREATE TABLE IF NOT EXISTS MARKERSTUDENT (x)")
        _connection.commit()
        print("wrote", _db)
    except Exception as _error:
        print("cannot write", _db, type(_error).__name__)
'''
)

WRITE_OTHERS = (
    COURSE_ROOT_CODE
    + """
# Sabotage another student's submission and leave marker files in their folders.
for _folder in [_course / "submitted" / "VICTIM" / "week2_numpy_basics",
                _course / "autograded" / "VICTIM" / "week2_numpy_basics", _course]:
    try:
        (_folder / "MARKERSTUDENT").write_text("was here")
        print("wrote in", _folder)
    except Exception as _error:
        print("cannot write in", _folder, type(_error).__name__)
try:
    (_course / "submitted" / "VICTIM" / "week2_numpy_basics" / "numpy_basics.ipynb").write_text("{}")
    print("overwrote the victim's notebook")
except Exception as _error:
    print("cannot overwrite the victim's notebook", type(_error).__name__)
"""
)

WRITE_DATA = (
    REWRITE_IN_PLACE
    + """
# Change the course's data and code on disk: a marker next to the data, the same bytes written
# back into a data file and into course_utils (content unchanged, but it must not be writable).
import pathlib, course_utils
from course_utils.paths import DATA_DIR
_targets = [pathlib.Path(DATA_DIR) / "digits.h5", pathlib.Path(course_utils.__file__).parent / "checks.py"]
try:
    (pathlib.Path(DATA_DIR) / "MARKERSTUDENT").write_text("was here")
    print("wrote a marker in", DATA_DIR)
except Exception as _error:
    print("cannot write in", DATA_DIR, type(_error).__name__)
for _target in _targets:
    _rewrite(_target)
"""
)

STEAL_ANYWHERE = (
    SOLUTION_THIEF
    + """
# Walk the file system for copies of this assignment's notebook that still hold solution cells (an
# nbgrader exchange, an LMS download folder, another clone of the course) and run their solutions.
import os
_skip = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/run"}
_found = []
for _root, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if os.path.join(_root, d) not in _skip and not d.startswith(".")
                and d not in ("site-packages", "node_modules") and _root.count("/") < 9]
    if "numpy_basics.ipynb" in _files:
        _found.append(pathlib.Path(_root) / "numpy_basics.ipynb")
_mine = (pathlib.Path.cwd() / "numpy_basics.ipynb").resolve()
_take_solutions([p for p in _found if p.resolve() != _mine
                 and "### BEGIN " + "SOLUTION" in p.read_text(errors="replace")][:20])
get_ipython().events.register("post_run_cell", _redefine)
_redefine()
"""
)

ROOT_POWERS = """
# Use what root can do: read /etc/shadow, unmount what hides the course, become root again,
# create a user namespace (where one holds every capability).
import ctypes, os
for _path in ["/etc/shadow", "/root/.bash_history", "/etc/sudoers"]:
    try:
        open(_path).read(1)
        print("read", _path)
    except Exception as _error:
        print("cannot read", _path, type(_error).__name__)
_libc = ctypes.CDLL(None, use_errno=True)
for _target in [b"/tmp", b"/home/student", b"/proc"]:
    if _libc.umount2(_target, 2) == 0:
        print("read: unmounted", _target)
try:
    os.setuid(0)
    print("read: setuid(0) worked")
except OSError as _error:
    print("cannot setuid(0)", type(_error).__name__)
if _libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
    print("read: a new user namespace")
else:
    print("cannot unshare", os.strerror(ctypes.get_errno()))
print("uid", os.getuid(), [l for l in open("/proc/self/status") if l.startswith("CapEff")])
"""

SHADOW_PAYLOAD = """# Shadows the grader's `grading` package for a launcher started in the working copy.
import os, pathlib, sys
_course = pathlib.Path.cwd().parents[2]
try:
    (_course / "MARKERSTUDENT").write_text("ran outside the sandbox")
except OSError:
    pass
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])
"""

SYMLINK_OUT = """
# Replace the working copy's files by links: nbgrader would then write this notebook over the victim's
# graded one, and copy a secret file into feedback/.  (MARKERSTUDENT)
import os, pathlib
_here = pathlib.Path.cwd()
for _name, _target in [("numpy_basics.ipynb", _here.parents[1] / "VICTIM" / "week2_numpy_basics" / "numpy_basics.ipynb"),
                       ("secret.txt", pathlib.Path("/etc/shadow")),
                       ("gradebook.db", _here.parents[2] / "gradebook.db")]:
    try:
        (_here / _name).unlink(missing_ok=True)
        os.symlink(_target, _here / _name)
        print("linked", _name, "->", _target)
    except OSError as _error:
        print("cannot link", _name, type(_error).__name__)
"""

FORGED_LOG = """
# Print, to the kernel's own stdout and stderr (nbgrader's log), the lines nbgrader writes when a
# submission fails, naming another student.
import os
_lines = ("[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/VICTIM/week2_numpy_basics\\n"
          "[AutogradeApp | ERROR] Traceback (most recent call last):\\n"
          "    nbclient.exceptions.DeadKernelError: Kernel died\\n"
          "[AutogradeApp | WARNING] Removing failed assignment: /c/autograded/VICTIM/week2_numpy_basics\\n")
for _fd in (1, 2):
    os.write(_fd, _lines.encode())
for _pid in os.listdir("/proc"):  # the standard streams of every process it can see (the sandbox's pid 1...)
    for _stream in ("1", "2"):
        try:
            with open(f"/proc/{_pid}/fd/{_stream}", "w") as _handle:
                _handle.write(_lines)
        except (OSError, ValueError):
            pass
"""

STDOUT_FLOOD = """
# Write 200 MB straight to the kernel's stdout (not the notebook): the grader's log and memory grow.
import os
_block = b"z" * 1_000_000 + b"\\n"
for _ in range(200):
    os.write(1, _block)
"""

FORK_MEMORY = """
# Three children of 800 MB each: a per-process limit lets all of them hold their memory at once.
import os, signal, time
_children = []
for _ in range(3):
    _pid = os.fork()
    if _pid == 0:
        _status = 1
        try:
            _block = b"x" * (800 * 2 ** 20)  # every page written
            time.sleep(1)                    # held together with the others
            _status = 0
        finally:
            os._exit(_status)
    _children.append(_pid)
_held, _deadline = 0, time.monotonic() + 8  # under the cell timeout: the stragglers are stopped
while _children and time.monotonic() < _deadline:
    for _pid in list(_children):
        _done, _code = os.waitpid(_pid, os.WNOHANG)
        if _done:
            _children.remove(_pid)
            _held += _code == 0
    time.sleep(0.1)
for _pid in _children:
    os.kill(_pid, signal.SIGKILL)
    os.waitpid(_pid, 0)
print("children holding 800 MB:", _held, "unfinished:", len(_children))
"""

DISK_FILL = """
# Fill /tmp and the working copy with 400 MB each: in RAM, kept in autograded/ and copied into feedback/;
# and a folder of its own at the root (bubblewrap's root is a tmpfs of no set size, in RAM as well).
import pathlib
for _folder in [pathlib.Path("/tmp"), pathlib.Path.cwd(), pathlib.Path("/filler")]:
    _written = 0
    try:
        _folder.mkdir(exist_ok=True)
        with open(_folder / "filler.bin", "wb") as _handle:
            for _ in range(400):
                _handle.write(b"\\0" * 2 ** 20)
                _written += 1
    except OSError as _error:
        print("stopped", type(_error).__name__)
    print("MB written in", _folder, _written)
"""

WRAPPER_TWIN = """
# Answer the exercise with the course package's own sigmoid, under another name.
from course_utils.activations import sigmoid as _ready_made
def sigmoid(z):
    s, _ = _ready_made(np.asarray(z, dtype=float))  # the package's layer form returns (output, cache)
    return float(s) if np.ndim(z) == 0 else s
"""


# --- issue 17: outputs crossing the boundary ---
FLOOD_MIB = 64  # per message, four messages: far past the grader's 16 MiB output cap

UPDATE_FLOOD = """
# Four small displays with ids, then each rewritten with 64 MiB: update_display_data never reached the output cap.
from IPython.display import display as _display, update_display as _update
for _k in range(4):
    _display({"text/plain": "x"}, raw=True, display_id=f"flood{_k}")
for _k in range(4):
    _update({"text/plain": "A" * FLOOD_MIB * 2 ** 20}, raw=True, display_id=f"flood{_k}")
"""

COMM_FLOOD = """
# Four widget models of 64 MiB state each: comm messages were stored as widget state, past the output cap.
import comm as _comm
_models = [_comm.create_comm(target_name="jupyter.widget", data={"state": {"_model_module": "x", "_model_name": "X",
                                                                          "blob": "C" * FLOOD_MIB * 2 ** 20}})
           for _ in range(4)]
"""

DECODE_BOMB = """
# sigmoid emits four 200-byte check records declaring a 256 MiB string dtype (once, in test_sigmoid).
_own_sigmoid, _bombs = sigmoid, [1]
def sigmoid(z):
    from IPython.display import display as _display
    while _bombs:
        _bombs.pop()
        for _k in range(4):
            _display({"application/vnd.nn-from-scratch.check+json": {"label": f"x [{_k}]", "rtol": 0, "atol": 0,
                      "value": {"ndarray": ["1"], "shape": [1], "dtype": "<U67108864"}}}, raw=True)
    return _own_sigmoid(z)
"""

MANY_CELLS = 200_000  # empty-looking markdown cells (18.5 MB): 4 minutes of grading and an OOM in feedback

XSS_MARKDOWN = (
    "My notes. <img src=x onerror=\"document.title='xss-img'\">\n\n"
    "<script>document.title = 'xss-md-script'</script>\n\n"
    "[a link](javascript:document.title='xss-link')\n"
)
XSS_OUTPUTS = """
# Active outputs: text/html with a script, application/javascript, an SVG with onload.
from IPython.display import display as _display
_display({"text/html": "<b>bold</b><script>document.title = 'xss-html'</script>", "text/plain": "html"}, raw=True)
_display({"application/javascript": "document.title = 'xss-js'", "text/plain": "js"}, raw=True)
_display({"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload=\\"document.title='xss-svg'\\"/>"}, raw=True)
"""
XSS_MARKERS = ("xss-img", "xss-md-script", "xss-link", "xss-html", "xss-js", "xss-svg")


# --- issue 17: hidden-test exfiltration and delegation ---
# Before each cell runs, print its source (the test cells arrive with their hidden tests), plain and encoded;
# rewrite an output of this earlier (exercise) cell with it; raise it inside a hidden case's call; and keep it for
# a student cell at the end, which prints it.
EXFIL_HOOK = """
import base64 as _b64
from IPython import get_ipython as _gi
from IPython.display import display as _display, update_display as _update
_stolen = []
_display({"text/plain": "(an earlier output)"}, raw=True, display_id="exfil")
def _exfil(info):
    source = info.raw_cell
    if "check_reference" not in source:
        return
    _stolen.append(source)
    print(source)
    print(_b64.b64encode(source.encode()).decode())
    print(source.encode().hex())
    print(source[::-1])
    _update({"text/plain": source}, raw=True, display_id="exfil")
_gi().events.register("pre_run_cell", _exfil)
"""
EXFIL_LATER = "print('\\n'.join(_stolen))\nprint(_b64.b64encode('\\n'.join(_stolen).encode()).decode())\n"

# Delegation to a course_utils twin through routes that reading the code does not follow.
TWIN_SIGMOID = (
    "def sigmoid(z):\n    s = {call}(np.asarray(z, dtype=float))[0]\n    return float(s) if np.ndim(z) == 0 else s\n"
)
TWIN_SOFTMAX = "def softmax(x):\n    return {call}(np.asarray(x, dtype=float).T)[0].T\n"
TWIN_MAGIC = (
    "from course_utils.activations import sigmoid as _s, softmax as _sm\n%time _ = 1\n",
    TWIN_SIGMOID.format(call="_s"),
    TWIN_SOFTMAX.format(call="_sm"),
)
TWIN_ATTRIBUTE = "import course_utils.activations as _acts\n_f = _acts.sigmoid\n" + TWIN_SIGMOID.format(call="_f")
TWIN_GETATTR = (
    "_g = getattr(__import__('course_utils.activations', fromlist=['x']), 'soft' + 'max')\n"
    + TWIN_SOFTMAX.format(call="_g")
)
TWIN_IMPORTLIB = (
    "import importlib as _il\n"
    "_h = getattr(_il.import_module('course_' + 'utils.activations'), 'sigmoid')\n" + TWIN_SIGMOID.format(call="_h")
)


# --- issue 18 ---
HOG_CELLS, HOG_SLEEP = 3, 8  # the fork_hog holds every task it can get for 24 s, each cell under the 10 s timeout
FORK_HOG = """
# Take every process slot the kernel's uid may have (RLIMIT_NPROC counts them over the whole machine; 64 was the
# limit), up to 200, and keep taking those that free up until the last added cell: a kernel sharing this uid
# cannot start meanwhile.
import threading, time
threading.stack_size(64 * 1024)
_hog_release = threading.Event()
def _hog():
    _held = 0
    while not _hog_release.is_set():
        if _held >= 200:
            time.sleep(0.1)
            continue
        try:
            threading.Thread(target=_hog_release.wait, daemon=True).start()
            _held += 1
        except RuntimeError:
            time.sleep(0.02)
    print("fork_hog held", _held, "threads")
threading.Thread(target=_hog, daemon=True).start()
"""
HOG_END = "_hog_release.set()\ntime.sleep(0.5)  # fork_hog lets go\n"


def hog_cells(nb, student):
    """The fork_hog's holding cells, added at the end of the notebook (they sleep while the threads are held)."""
    for k in range(HOG_CELLS):
        nb["cells"].append(code_cell(f"import time\ntime.sleep({HOG_SLEEP})  # fork_hog holds {k}\n"))
    nb["cells"].append(code_cell(HOG_END))


def planted(code, student):
    return (
        code.replace("REPO", str(REPO))
        .replace("VICTIM", VICTIM)
        .replace("MARKER", MARKER)
        .replace("STUDENT", student)
        .replace("FLOOD_MIB", str(FLOOD_MIB))
    )


# --------------------------------------------------------------------------- the catalogue


def fixtures(release_nb, source_nb):
    """Every fixture, built from the release notebook ``release_nb`` (and the solutions of ``source_nb``).

    With ``release_nb=None`` the fixtures describe themselves (outcomes from the source's points)
    but cannot build their files.
    """
    b = Bases(release_nb, source_nb)
    full = sum(b.points.values())
    partial_score = b.score_without(*[g for g in b.points if g.removeprefix("test_") not in PARTIAL])
    found = []

    def add(student, kind, what, files, **outcome):
        found.append(Fixture(student, kind, what, files, **outcome))

    def edited(base, change):
        """A notebook function: ``change(notebook, student)`` applied to a fresh copy of ``base()``."""

        def build(student):
            notebook = base()
            change(notebook, student)
            return notebook

        return build

    def cheat(student, what, code, base=b.partial, honest=partial_score, score=None, **outcome):
        """``code`` planted at module level in the sigmoid cell; scores ``score`` (default: ``honest``)."""
        add(
            student,
            "cheat",
            what,
            one(edited(base, lambda nb, s: append_code(nb, "sigmoid", planted(code, s)))),
            score=honest if score is None else score,
            honest=honest,
            **outcome,
        )

    # ---- reference points
    add(VICTIM, "structure", "the solved notebook (the cheats' victim)", one(lambda _: b.solved()), score=full)
    add("untouched", "structure", "the release as it was handed out", one(lambda _: b.release()), score=0.0)

    # ---- structure
    def test_edited(nb, student):
        set_code(nb, "test_softmax", 'print("OK softmax [2x3]")\nprint("OK softmax [large scores]")\n')
        cell(nb, "test_softmax")["metadata"]["nbgrader"]["locked"] = False

    add(
        "test_edited",
        "structure",
        "partial; test_softmax unlocked and its checks replaced by prints (restored from the source)",
        one(edited(b.partial, test_edited)),
        score=partial_score,
    )

    add(
        "test_deleted",
        "structure",
        "solved; test_normalize_rows deleted (put back by add_missing_cells)",
        one(edited(b.solved, lambda nb, s: nb["cells"].pop(index(nb, "test_normalize_rows")))),
        score=full,
    )

    add(
        "imports_deleted",
        "structure",
        "solved; the locked imports cell deleted (nbgrader does not put it back: "
        "every test would fail with a NameError)",
        one(edited(b.solved, lambda nb, s: nb["cells"].pop(index(nb, "imports")))),
        reason="imports",
    )

    def test_moved(nb, student):
        moved = nb["cells"].pop(index(nb, "test_softmax"))
        nb["cells"].insert(index(nb, "softmax"), moved)

    add(
        "test_moved_up",
        "structure",
        "solved; test_softmax moved above the softmax cell: it runs before "
        "softmax exists (NameError), as it did for the student",
        one(edited(b.solved, test_moved)),
        score=b.score_without("test_softmax"),
    )

    def test_duplicated(nb, student):
        duplicate = copy(cell(nb, "test_sigmoid"))
        duplicate["id"] = new_id("duplicate")
        nb["cells"].insert(index(nb, "sigmoid"), duplicate)

    add(
        "test_duplicated",
        "structure",
        "solved; a copy of test_sigmoid above the sigmoid cell (nbgrader 0.9.6 "
        "with add_missing_cells crashes on duplicated ids)",
        one(edited(b.solved, test_duplicated)),
        reason="more than once",
    )

    def retyped(grade_id, cell_type):
        def change(nb, student):
            target = cell(nb, grade_id)
            target["cell_type"] = cell_type
            target.pop("outputs", None)
            target.pop("execution_count", None)

        return change

    add(
        "test_markdown",
        "structure",
        "solved; test_l1_loss turned into a markdown cell (retyped back)",
        one(edited(b.solved, retyped("test_l1_loss", "markdown"))),
        score=full,
    )
    add(
        "test_raw",
        "structure",
        "solved; test_l2_loss turned into a raw cell (retyped back)",
        one(edited(b.solved, retyped("test_l2_loss", "raw"))),
        score=full,
    )

    def strip_metadata(nb, student):
        for c in nb["cells"]:
            c["metadata"] = {}

    add(
        "metadata_stripped",
        "structure",
        "solved; every cell's metadata removed (another editor, or cells pasted into a new notebook)",
        one(edited(b.solved, strip_metadata)),
        reason="cell metadata",
    )

    def cells_added(nb, student):
        nb["cells"].insert(index(nb, "test_sigmoid"), code_cell("print(sigmoid(np.array([[-5.0, 5.0]])))\n"))
        nb["cells"].insert(index(nb, "softmax"), markdown_cell("My notes: subtract the row max first.\n"))
        nb["cells"].append(code_cell("scratch = softmax(np.array([[1.0, 2.0]]))\nscratch\n"))

    add(
        "cells_added",
        "structure",
        "solved; a scratch code cell, a markdown note and a final code cell added",
        one(edited(b.solved, cells_added)),
        score=full,
    )

    def fake_grade_cell(nb, student):
        meta = {
            "nbgrader": {
                "grade": True,
                "grade_id": "bonus",
                "locked": False,
                "points": 100,
                "schema_version": 3,
                "solution": False,
            }
        }
        nb["cells"].append(code_cell("print('bonus')\n", meta))

    add(
        "fake_grade_cell",
        "cheat",
        "partial; an added cell that claims to be a graded test worth 100 points",
        one(edited(b.partial, fake_grade_cell)),
        reason="not in the assignment",
        honest=partial_score,
    )

    def more_points(nb, student):
        cell(nb, "test_sigmoid")["metadata"]["nbgrader"]["points"] = 20
        cell(nb, "test_softmax")["metadata"]["nbgrader"]["points"] = 20

    add(
        "points_changed",
        "cheat",
        "partial; the points of two test cells raised to 20 in the metadata",
        one(edited(b.partial, more_points)),
        score=partial_score,
        honest=partial_score,
    )

    def solution_graded(nb, student):
        cell(nb, "sigmoid")["metadata"]["nbgrader"].update(grade=True, points=5)

    add(
        "solution_graded",
        "cheat",
        "partial; the sigmoid exercise cell marked as a graded cell worth 5 points",
        one(edited(b.partial, solution_graded)),
        reason="role",
        honest=partial_score,
    )

    add(
        "renamed",
        "structure",
        "solved, saved as 'numpy_basics (1).ipynb' (a browser's duplicate download)",
        one(lambda _: b.solved(), name="numpy_basics (1).ipynb"),
        reason="numpy_basics (1).ipynb",
    )
    add("missing", "structure", "an empty submission folder", lambda student: {}, reason="missing")
    add("empty_file", "structure", "a 0-byte numpy_basics.ipynb", lambda student: {NOTEBOOK: b""}, reason="is empty")
    add(
        "invalid_json",
        "structure",
        "a truncated file (not JSON)",
        lambda student: {NOTEBOOK: to_bytes(b.solved())[:5000]},
        reason="not a valid notebook",
    )

    def windows_1252(student):
        notebook = b.solved()
        notebook["cells"][0]["source"] = source_text(notebook["cells"][0]) + "\nRésumé: café.\n"
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        return {NOTEBOOK: text.encode("cp1252", errors="replace")}

    add(
        "not_utf8",
        "structure",
        'solved, saved as Windows-1252 ("ANSI") text with accents',
        windows_1252,
        reason="not UTF-8",
    )

    add(
        "extra_notebook",
        "structure",
        "solved, plus an Untitled.ipynb scratch notebook and an old .ipynb_checkpoints/ copy next to it",
        lambda student: {
            NOTEBOOK: to_bytes(b.solved()),
            "Untitled.ipynb": to_bytes(b.release()),
            ".ipynb_checkpoints/numpy_basics-checkpoint.ipynb": to_bytes(b.release()),
        },
        score=full,
    )

    def older_release(nb, student):
        for grade_id in ("l2_loss", "test_l2_loss"):
            nb["cells"].pop(index(nb, grade_id))
        for c in nb["cells"]:
            if "checksum" in nbgrader_meta(c):
                c["metadata"]["nbgrader"]["checksum"] = "0" * 32

    add(
        "older_release",
        "structure",
        "solved, on an older release without exercise 7 (l2_loss and its test "
        "cell absent) whose cells have other checksums",
        one(edited(b.solved, older_release)),
        reason="cannot put back: ['test_l2_loss']",
    )

    # ---- code
    add(
        "renamed_function",
        "code",
        "sigmoid defined as sigmoid_function (sigmoid_derivative uses it too)",
        one(lambda _: b.solved({"sigmoid": ("def sigmoid(z):", "def sigmoid_function(z):")})),
        score=b.score_without("test_sigmoid", "test_sigmoid_derivative"),
    )
    add(
        "missing_function",
        "code",
        "the softmax exercise cell deleted (its test cell stays and fails)",
        one(edited(b.solved, lambda nb, s: nb["cells"].pop(index(nb, "softmax")))),
        score=b.score_without("test_softmax"),
    )
    add(
        "array_not_float",
        "code",
        "l1_loss returns a (1, 1) array instead of a float",
        one(
            lambda _: b.solved(
                {
                    "l1_loss": (
                        "return float(np.sum(np.abs(yhat - y)))",
                        "return np.sum(np.abs(yhat - y), keepdims=True)",
                    )
                }
            )
        ),
        score=b.score_without("test_l1_loss"),
    )
    add(
        "list_not_array",
        "code",
        "normalize_rows returns a nested list",
        one(lambda _: b.solved({"normalize_rows": ("return x / norms", "return (x / norms).tolist()")})),
        score=b.score_without("test_normalize_rows"),
    )
    add(
        "dict_not_array",
        "code",
        "softmax returns a dict {'probabilities': array}",
        one(
            lambda _: b.solved(
                {
                    "softmax": (
                        "return exps / np.sum(exps, axis=1, keepdims=True)",
                        "return {'probabilities': exps / np.sum(exps, axis=1, keepdims=True)}",
                    )
                }
            )
        ),
        score=b.score_without("test_softmax"),
    )
    add(
        "rank1",
        "code",
        "image_to_vector returns shape (n,); normalize_rows forgets keepdims",
        one(
            lambda _: b.solved(
                {
                    "image_to_vector": ("reshape(h * w * c, 1)", "reshape(h * w * c)"),
                    "normalize_rows": ("axis=1, keepdims=True)", "axis=1)"),
                }
            )
        ),
        score=b.score_without("test_image_to_vector", "test_normalize_rows"),
    )
    add(
        "transposed",
        "code",
        "image_to_vector returns a row (1, n) instead of a column",
        one(lambda _: b.solved({"image_to_vector": ("reshape(h * w * c, 1)", "reshape(1, h * w * c)")})),
        score=b.score_without("test_image_to_vector"),
    )
    add(
        "nan_inf",
        "code",
        "softmax without the max shift: inf / inf = NaN (and overflow warnings)",
        one(lambda _: b.solved({"softmax": ("shifted = x - np.max(x, axis=1, keepdims=True)", "shifted = x")})),
        score=b.score_without("test_softmax"),
    )
    add(
        "warning_in_function",
        "code",
        "the textbook sigmoid: right values, but an overflow warning for z = -1000",
        one(lambda _: b.solved(TEXTBOOK_SIGMOID)),
        score=b.score_without("test_sigmoid", "test_sigmoid_derivative"),
    )
    add(
        "warning_module_level",
        "code",
        "solved; warnings.warn and np.log(0) at module level in exercise cells "
        "(stderr outside the test cells costs nothing)",
        one(
            edited(
                b.solved,
                lambda nb, s: (
                    append_code(nb, "sigmoid", "import warnings\nwarnings.warn('this is my own warning')\n"),
                    append_code(nb, "normalize_rows", "print(np.log(0.0))\nprint(np.log(np.zeros(2)))\n"),
                ),
            )
        ),
        score=full,
    )
    add(
        "warning_silenced",
        "code",
        "the textbook sigmoid under np.seterr(over='ignore'): no warning, right values",
        one(
            edited(
                lambda: b.solved(TEXTBOOK_SIGMOID),
                lambda nb, s: append_code(nb, "sigmoid", "np.seterr(over='ignore')\n"),
            )
        ),
        score=full,
    )
    add(
        "input_call",
        "code",
        "solved; input() at module level in the l1_loss cell (no stdin under grading)",
        one(edited(b.solved, lambda nb, s: append_code(nb, "l1_loss", "answer = input('Are you sure? ')\n"))),
        score=full,
    )
    add(
        "sys_exit",
        "code",
        "solved; sys.exit() at module level in the sigmoid cell, and l1_loss calls sys.exit()",
        one(
            edited(
                lambda: b.solved({"l1_loss": ("return float(", "import sys; sys.exit(1)\n    return float(")}),
                lambda nb, s: append_code(nb, "sigmoid", "import sys\nsys.exit('done')\n"),
            )
        ),
        score=b.score_without("test_l1_loss"),
    )
    add(
        "infinite_loop",
        "code",
        "l2_loss loops forever (the cell is interrupted at the timeout)",
        one(lambda _: b.solved({"l2_loss": ("return float(", "while True:\n        pass\n    return float(")})),
        score=b.score_without("test_l2_loss"),
    )
    add(
        "sleep_past_timeout",
        "code",
        "solved; an added cell after test_sigmoid sleeps for an hour",
        one(
            edited(
                b.solved,
                lambda nb, s: nb["cells"].insert(
                    index(nb, "test_sigmoid") + 1, code_cell("import time\ntime.sleep(3600)\n")
                ),
            )
        ),
        score=full,
    )
    add(
        "kernel_killed",
        "code",
        "solved; os._exit(1) at module level in the softmax cell",
        one(edited(b.solved, lambda nb, s: append_code(nb, "softmax", "import os\nos._exit(1)\n"))),
        reason="Kernel died",
    )
    add(
        "memory_hog",
        "code",
        "l2_loss allocates 100 MB arrays until memory runs out (RLIMIT_AS: MemoryError)",
        one(
            lambda _: b.solved(
                {
                    "l2_loss": (
                        "return float(",
                        "hoard = []\n    while True:\n        hoard.append(np.zeros(12_500_000))\n    return float(",
                    )
                }
            )
        ),
        score=b.score_without("test_l2_loss"),
        sandbox=True,
    )
    add(
        "huge_output",
        "code",
        "solved; 5 MB printed by the sigmoid cell and 0.5 MB by each l1_loss call",
        one(
            edited(
                lambda: b.solved({"l1_loss": ("return float(", "print('y' * 500_000)\n    return float(")}),
                lambda nb, s: append_code(nb, "sigmoid", "print('x' * 5_000_000)\n"),
            )
        ),
        score=full,
    )

    # ---- cheats (on the partial base unless said otherwise: honest score 3)
    unsolved = tuple(g for g in b.points if g.removeprefix("test_") not in PARTIAL)
    # nbgrader itself fails these: the kernel's execute reply still says "error" (no verification needed)
    cheat("custom_exc", "get_ipython().set_custom_exc swallows every exception", CUSTOM_EXC, failed=())
    cheat(
        "no_traceback",
        "InteractiveShell.showtraceback / _showtraceback / traceback patched, stderr replaced",
        SHOWTRACEBACK,
        failed=(),
    )
    cheat(
        "ast_swallow",
        "an IPython AST transformer wraps every cell in try/except BaseException",
        AST_SWALLOW,
        failed=unsolved,
    )
    cheat(
        "patched_checks",
        "course_utils check helpers patched, in the modules and the notebook's names",
        PATCH_CHECKS,
        failed=unsolved,
    )
    cheat(
        "patched_numpy",
        "wrong answers of the right shapes; np.isclose/allclose/array_equal and numpy.testing patched to always agree",
        PATCH_NUMPY,
        base=b.partial_wrong,
        failed=unsolved,
    )
    cheat(
        "records_off",
        "NBGRADER_EXECUTION changed in the kernel, then the checks patched (no records: even "
        "the solved exercises lose their points)",
        DISABLE_RECORDS,
        score=0.0,
        failed=tuple(b.points),
    )

    def forged(nb, student):
        expected = reference_records()
        for c in nb["cells"]:
            grade_id = nbgrader_meta(c).get("grade_id")
            if grade_id in expected:
                c["execution_count"] = 1
                c["outputs"] = [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": "".join(f"OK {r.label}\n" for r in expected[grade_id]),
                    }
                ]
                c["outputs"] += [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": records.bundle(r.label, r.value, r.rtol, r.atol, hidden=r.hidden),
                    }
                    for r in expected[grade_id]
                ]

    add(
        "forged_outputs",
        "cheat",
        "the untouched release with every test cell's outputs forged: OK lines and the solution's own check records",
        one(edited(b.release, forged)),
        score=0.0,
        honest=0.0,
    )

    # ---- cheats only the sandbox stops
    cheat(
        "expected_as_record",
        "wrong answers of the right shapes; check_value patched to record the expected "
        "value instead of the student's (unsandboxed, check_reference hands it the hidden expected values)",
        EXPECTED_AS_RECORD,
        base=b.partial_wrong,
        score=0.0,
        sandbox=True,
    )
    cheat(
        "read_solutions",
        "the untouched release that reads the solutions (course notebooks/, the repository's "
        "notebooks/, the gradebook's source cells) and defines them after every cell",
        STEAL_SOLUTIONS,
        base=b.release,
        honest=0.0,
        sandbox=True,
    )
    cheat(
        "copy_other",
        "the untouched release that copies the functions of another student's submitted or autograded notebook",
        COPY_OTHER,
        base=b.release,
        honest=0.0,
        sandbox=True,
    )
    cheat(
        "read_references",
        "the untouched release that patches the checks and emits the records read from "
        "references/week2_numpy_basics/numpy_basics.json in each test cell",
        READ_REFERENCES,
        base=b.release,
        honest=0.0,
        sandbox=True,
    )
    cheat(
        "write_references",
        "wrong answers, checks patched; rewrites, replaces and adds reference files "
        "(references/week2_numpy_basics/*.json of the course and of the repository)",
        WRITE_REFERENCES,
        base=b.partial_wrong,
        sandbox=True,
        failed=unsolved,
    )
    cheat(
        "write_gradebook",
        "sets manual scores and extra credit of its own grades in gradebook.db",
        WRITE_GRADEBOOK,
        sandbox=True,
    )
    cheat(
        "write_others",
        "writes marker files into another student's folders and overwrites their notebook",
        WRITE_OTHERS,
        sandbox=True,
    )
    cheat(
        "write_data",
        "writes a marker into data/ and rewrites bytes of data/digits.h5 and course_utils/checks.py",
        WRITE_DATA,
        sandbox=True,
    )

    # ---- attacks on the grader itself (issue 8): each must lose, and touch nothing outside its copy
    cheat(
        "steal_anywhere",
        "the untouched release that walks the whole file system for copies of the notebook "
        "with solutions (an exchange inbound folder, LMS downloads, other clones) and runs them",
        STEAL_ANYWHERE,
        base=b.release,
        honest=0.0,
        sandbox=True,
    )
    cheat(
        "root_powers",
        "partial; reads /etc/shadow, unmounts the sandbox's tmpfs, setuid(0), a new user namespace",
        ROOT_POWERS,
        sandbox=True,
    )
    add(
        "shadow_module",
        "cheat",
        "partial, plus grading/__init__.py and grading/sandbox/bwrap.py next to the notebook: "
        "a launcher started in the working copy runs them outside the sandbox",
        lambda student: {
            NOTEBOOK: to_bytes(b.partial()),
            "grading/__init__.py": b"",
            "grading/sandbox/bwrap.py": planted(SHADOW_PAYLOAD, student).encode(),
            "grading/sandbox/launcher.py": planted(SHADOW_PAYLOAD, student).encode(),
        },
        score=partial_score,
        honest=partial_score,
        sandbox=True,
    )
    cheat(
        "symlink_victim",
        "partial; replaces its working copy's notebook by a link to the victim's graded "
        "notebook, and adds links to /etc/shadow and gradebook.db",
        SYMLINK_OUT,
        sandbox=True,
    )
    for name in ("a_forged_log", "z_forged_log"):  # graded before and after the victim
        cheat(
            name,
            "partial; prints nbgrader's failure lines naming the victim on the kernel's own stdout/stderr",
            FORGED_LOG,
            sandbox=True,
        )
    cheat("stdout_flood", "partial; writes 200 MB straight to the kernel's stdout", STDOUT_FLOOD, sandbox=True)
    cheat("fork_memory", "partial; three forked children hold 800 MB each (2.4 GB)", FORK_MEMORY, sandbox=True)
    cheat(
        "disk_fill",
        "partial; writes 400 MB into /tmp, its working copy and a folder it makes at the root",
        DISK_FILL,
        sandbox=True,
    )

    cheat(
        "wrapper_twin",
        "the untouched release whose sigmoid is a one-line wrapper around course_utils's sigmoid",
        WRAPPER_TWIN,
        base=b.release,
        honest=0.0,
        sandbox=True,
    )

    # --- issue 17: hidden-test exfiltration and delegation ---
    def exfiltrate(nb, student):
        append_code(nb, "sigmoid", EXFIL_HOOK)
        nb["cells"].append(code_cell(EXFIL_LATER))

    add(
        "exfil_feedback",
        "cheat",
        "solved; a pre_run_cell hook prints each test cell's source (plain, base64, hex, "
        "reversed), rewrites an earlier output with it (update_display) and a last cell prints what it kept: none of "
        "it may reach the feedback",
        one(edited(b.solved, exfiltrate)),
        score=full,
        honest=full,
    )
    twin_lost = b.score_without("test_sigmoid", "test_sigmoid_derivative")  # sigmoid_derivative calls sigmoid

    def twins(sigmoid=None, softmax=None, before=""):
        def change(nb, student):
            if sigmoid:
                set_code(nb, "sigmoid", before + sigmoid)
            if softmax:
                set_code(nb, "softmax", softmax if sigmoid else before + softmax)

        return edited(b.solved, change)

    add(
        "twin_magic",
        "cheat",
        "solved, but sigmoid and softmax call their course_utils twins, imported next to an "
        "IPython magic line (%time) that the code reader cannot parse",
        one(twins(*TWIN_MAGIC[1:], before=TWIN_MAGIC[0])),
        score=b.score_without("test_sigmoid", "test_sigmoid_derivative", "test_softmax"),
        honest=b.score_without("test_sigmoid", "test_sigmoid_derivative", "test_softmax"),
        sandbox=True,
    )
    add(
        "twin_attribute",
        "cheat",
        "solved, but sigmoid calls `_f = course_utils.activations.sigmoid` (a module attribute)",
        one(twins(sigmoid=TWIN_ATTRIBUTE)),
        score=twin_lost,
        honest=twin_lost,
        sandbox=True,
    )
    add(
        "twin_getattr",
        "cheat",
        "solved, but softmax calls course_utils's softmax found with getattr and a built name",
        one(twins(softmax=TWIN_GETATTR)),
        score=b.score_without("test_softmax"),
        honest=b.score_without("test_softmax"),
        sandbox=True,
    )
    add(
        "twin_importlib",
        "cheat",
        "solved, but sigmoid calls course_utils's sigmoid found with importlib.import_module",
        one(twins(sigmoid=TWIN_IMPORTLIB)),
        score=twin_lost,
        honest=twin_lost,
        sandbox=True,
    )

    def slow_cells(nb, student):
        for k in range(WALL_CELLS):
            nb["cells"].append(code_cell(f"import time\ntime.sleep({WALL_SLEEP})  # slow cell {k}\n"))

    # --- issue 18 ---
    add(
        "fork_hog",
        "cheat",
        f"partial; holds every thread its uid may start for {HOG_CELLS * HOG_SLEEP} s (kernels of "
        "other students sharing the uid could not start)",
        one(edited(b.partial, lambda nb, s: (append_code(nb, "sigmoid", planted(FORK_HOG, s)), hog_cells(nb, s)))),
        score=partial_score,
        honest=partial_score,
        sandbox=True,
    )

    add(
        "wall_clock",
        "cheat",
        f"partial; {WALL_CELLS} added cells sleep {WALL_SLEEP} s each, under the cell timeout",
        one(edited(b.partial, slow_cells)),
        reason="wall clock",
        honest=partial_score,
        sandbox=True,
    )

    # --- issue 17: outputs crossing the boundary ---
    def solved_with(code):
        return one(edited(b.solved, lambda nb, s: append_code(nb, "sigmoid", planted(code, s))))

    add(
        "update_flood",
        "cheat",
        f"solved; four displays rewritten with {FLOOD_MIB} MiB each by update_display "
        "(dropped past the output cap with the records after them: 0 points, a note)",
        solved_with(UPDATE_FLOOD),
        score=0.0,
        honest=full,
    )
    add(
        "comm_flood",
        "cheat",
        f"solved; four widget comms opened with {FLOOD_MIB} MiB of state each (dropped "
        "past the output cap with the records after them; no widget state is kept)",
        solved_with(COMM_FLOOD),
        score=0.0,
        honest=full,
    )
    add(
        "decode_bomb",
        "cheat",
        "solved; sigmoid emits four 200-byte check records declaring dtype <U67108864 "
        "(skipped unread, with no memory spent)",
        solved_with(DECODE_BOMB),
        score=full,
        honest=full,
    )

    def many_cells(nb, student):
        nb["cells"] += [
            {"cell_type": "markdown", "id": f"m{k}", "metadata": {}, "source": "x"} for k in range(MANY_CELLS)
        ]

    add(
        "many_cells",
        "structure",
        f"solved, plus {MANY_CELLS} one-letter markdown cells (18.5 MB)",
        one(edited(b.solved, many_cells)),
        reason="cells",
    )

    def active_content(nb, student):
        nb["cells"].insert(index(nb, "softmax"), markdown_cell(XSS_MARKDOWN))
        append_code(nb, "sigmoid", XSS_OUTPUTS)

    add(
        "active_content",
        "cheat",
        "solved; a markdown note with an onerror image, a <script> and a javascript: "
        "link, and text/html, application/javascript and SVG outputs (all made inert before Formgrader or the "
        "feedback shows them)",
        one(edited(b.solved, active_content)),
        score=full,
        honest=full,
    )
    return found


# --- issue 17: quiz answer keys ---
# A quiz's key must never reach the kernel: a hook planted in one answer cell sees the source of every
# later cell (hidden tests included) before it runs.  Graded as week1_quiz in a batch of its own.

QUIZ_ASSIGNMENT = "week1_quiz"
QUIZ_NOTEBOOK = "week1_quiz.ipynb"
QUIZ_HOOK_SAW = "the hook read a key for"  # what the hook prints when it finds a key in a cell's source

QUIZ_KEY_HOOK = """answer_q1 = 999
# Before each cell runs, look for its answer key in the cell's source (the hidden tests included) and,
# when there is one, set the answer that the cell checks.
import re as _re
from IPython import get_ipython as _gi
def _key(info):
    found = _re.search(r"Answer key: (-?\\d+(?:\\.\\d+)?|[a-d])\\.", info.raw_cell)
    name = _re.search(r'name="(answer_q\\d+)"', info.raw_cell)
    if found and name:
        value = found.group(1)
        _gi().user_ns[name.group(1)] = value if value.isalpha() else float(value)
        print("QUIZ_HOOK_SAW", name.group(1))
_gi().events.register("pre_run_cell", _key)
""".replace("QUIZ_HOOK_SAW", QUIZ_HOOK_SAW)


def quiz_fixtures(release_nb, source_nb):
    """The quiz attack and its two controls (week1_quiz): the untouched release, the solved quiz, and the
    untouched release whose first answer is wrong and plants the key-reading hook (scores like the blank)."""
    auto = sum(p for g, p in grade_cells(source_nb).items() if g.startswith("test_"))
    blank = (lambda _: copy(release_nb)) if release_nb is not None else None
    hooked = (lambda _: set_code(copy(release_nb), "answer_q1", QUIZ_KEY_HOOK)) if release_nb is not None else None
    solved = (lambda _: submissions.solved(release_nb, source_nb)) if release_nb is not None else None
    return [
        Fixture("quiz_blank", "code", "the untouched quiz release", one(blank, QUIZ_NOTEBOOK), score=0.0),
        Fixture("quiz_solved", "code", "every auto-graded quiz answer right", one(solved, QUIZ_NOTEBOOK), score=auto),
        Fixture(
            "quiz_key_hook",
            "cheat",
            "the untouched quiz release; answer_q1 wrong, plus a pre_run_cell hook that "
            "reads each test cell's source for its key and sets the answer",
            one(hooked, QUIZ_NOTEBOOK),
            score=0.0,
            honest=0.0,
        ),
    ]


def marker_paths(course_root, student):
    """Where the writing cheats try to leave ``PWNED_<student>``."""
    course_root = Path(course_root)
    name = MARKER + student
    return [
        course_root / name,
        course_root / "submitted" / VICTIM / ASSIGNMENT / name,
        course_root / "autograded" / VICTIM / ASSIGNMENT / name,
        Path(DATA_DIR) / name,
        REPO / name,
        course_root / "references" / ASSIGNMENT / f"{name}.json",
        REPO / "references" / ASSIGNMENT / f"{name}.json",
    ]


def write(submitted, catalogue, with_sandbox_cheats=False, assignment=ASSIGNMENT):
    """Write the fixtures under ``submitted/<student>/<assignment>/``; returns the students written."""
    written = []
    for fixture in catalogue:
        if fixture.sandbox and not with_sandbox_cheats:
            continue
        folder = Path(submitted) / fixture.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in fixture.files(fixture.student).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        written.append(fixture.student)
    return written


def table(catalogue):
    width = max(len(f.student) for f in catalogue)
    lines = [f"{'student':<{width}}  {'kind':<9}  {'expected':<40}  what"]
    for f in catalogue:
        flag = " [sandbox]" if f.sandbox else ""
        lines.append(f"{f.student:<{width}}  {f.kind:<9}  {f.expected:<40}  {f.what}{flag}")
    return "\n".join(lines)


def main(argv=None):
    from grading.course import Course, copy_course
    from grading.notebook_cells import load
    from grading.pipeline import release

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submitted", type=Path, help="submitted/ folder to write the fixtures into")
    parser.add_argument(
        "--course",
        type=Path,
        help="course root whose release/ and notebooks/ to use (default: generate the release in a temporary course)",
    )
    parser.add_argument(
        "--with-sandbox-cheats",
        action="store_true",
        help="also write the cheats that only grading.sandbox.bwrap stops (grade them only sandboxed)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        course = Course(args.course.resolve()) if args.course else copy_course(Path(scratch) / "course")
        if not (course.release_dir / ASSIGNMENT / NOTEBOOK).is_file():
            release.generate(course, [ASSIGNMENT])
        catalogue = fixtures(
            load(course.release_dir / ASSIGNMENT / NOTEBOOK), load(course.source / ASSIGNMENT / NOTEBOOK)
        )
    written = write(args.submitted, catalogue, args.with_sandbox_cheats)
    print(table([f for f in catalogue if f.student in written]))
    print(f"\n{len(written)} submissions written under {args.submitted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
