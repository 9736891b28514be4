"""nbgrader preprocessor: each test cell's verdict comes from its check records, compared with the solution's.

nbgrader awards a test cell its points when the cell shows no error.  Student code runs in the
same process as the tests and could hide an error (a custom exception handler, a patched check),
and hidden cases cannot be compared inside the kernel at all (the references stay outside it).  So
the checks emit records of the values they checked (:mod:`course_utils.records`), and
:class:`VerifyChecks`, which runs in nbgrader's autograde right after the notebook is executed,
compares every test cell's records with those recorded from the solution
(``references/<assignment>/<notebook>.json``).  A mismatch becomes an error output in that cell,
with a reason the student can act on; nbgrader then scores and stores that verdict itself, and no
score is edited afterwards.  Each test cell's verdict, in the grader's own words, is also kept in the
notebook's metadata (``VERDICTS``): the feedback shows it instead of anything the kernel printed
(:class:`grading.plugins.feedback_page.GraderVerdicts`).  Configured in ``nbgrader_config.py``, so ``make autograde``,
``nbgrader autograde`` and Formgrader's *Autograde* button all apply it.  A quiz's test cell also gets the
explanation of its answer from the reference file (:mod:`grading.explanations`): no key or explanation
enters the kernel.
"""

import builtins
import json
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets import Enum, Unicode

from course_utils import records
from course_utils.checks import first_problem, with_case
from course_utils.records import COMMAND, REFERENCES, Record, parse_label, read_reference, reference_path
from grading import explanations
from grading.notebook_cells import is_test_cell, nbgrader_meta, source_text
from grading.recording import checksum

VERDICTS = "nn_from_scratch_verdicts"  # notebook metadata: {grade_id: {"passed": bool, "reason": str}}
# Exception and warning names a reason may repeat (anything else the kernel names is "an exception"):
# the kernel chooses an error's name and message, and a student's hook could fill them with the hidden tests.
KNOWN_ERRORS = {
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
} | {"CheckFailure", "TwinRefused", "LinAlgError"}
_CHECK_STOPS = [  # what course_utils.checks.call_checked raises, as the grader words it
    (
        re.compile(r" is not implemented yet"),
        lambda m: "it is not implemented yet: replace `raise NotImplementedError()`",
    ),
    (
        re.compile(r" raised TwinRefused: "),
        lambda m: (
            "your function called course_utils's twin of an exercise of this "
            "notebook, which is switched off while the notebook is graded: compute it with your own code"
        ),
    ),
    (re.compile(r" raised (\w+): "), lambda m: f"your function raised {_known(m.group(1))}"),
    (
        re.compile(r" emitted (\w+): "),
        lambda m: (
            f"your function emitted {_known(m.group(1), 'a warning')}: under grading any warning counts as a failure"
        ),
    ),
    (
        re.compile(r" modified one of its input arrays in place"),
        lambda m: "your function modified one of its input arrays in place: work on a copy instead",
    ),
    (re.compile(r" comes from course_utils"), lambda m: "the function comes from course_utils: write your own"),
]


def cell_problem(found: list[Record], expected: list[Record], reveal: bool = False) -> str:
    """Why the records ``found`` in a test cell do not match ``expected`` (the solution's), or ``""``.

    Each expected record is matched with the next found record of the same label (records with
    other labels are ignored); its value must be within the solution's tolerances.  For a hidden
    case the reason names the exercise, the case and the kind of problem, never an expected value
    unless ``reveal``.
    """
    position = 0
    for item in expected:
        name, case = parse_label(item.label)
        where = f" in {'hidden ' if item.hidden else ''}test case '{case}'" if case else ""
        match = next((i for i in range(position, len(found)) if found[i].label == item.label), None)
        if match is None:
            return (
                f"the check of {item.label} did not run to the end under grading{where} (no record of its "
                "values reached the grader: was a check skipped, patched or switched off?)"
            )
        got = found[match]
        problem = first_problem(
            got.value,
            item.value,
            name=f"{name}(...)" if item.hidden else name,
            rtol=item.rtol,
            atol=item.atol,
            reveal=reveal or not item.hidden,
            inputs=got.inputs,  # a visible case's too: its diagnosis may name a factor m (reveal=True)
            echo=False,
        )
        if problem:
            return with_case(problem, where)
        position = match + 1
    return ""


def _known(name, otherwise="an exception"):
    return name if name in KNOWN_ERRORS else otherwise


def stop_reason(outputs, expected, source):
    """The grader's own words for a test cell the kernel ended with an error (``outputs``: the cell's).

    Nothing of the error's text is repeated unless it is one of a few known forms: its name when it is a
    known exception, the problem :func:`course_utils.checks.call_checked` found, or a name the test cell's
    ``source`` (the grader's copy) uses and the kernel did not find.
    """
    found = records.from_outputs(outputs)
    mismatch = cell_problem(found, expected or [])
    if mismatch and "did not run to the end" not in mismatch:
        return mismatch
    error = next(o for o in outputs if o.get("output_type") == "error")
    ename, evalue = str(error.get("ename", "")), str(error.get("evalue", ""))
    labels = [r.label for r in found]
    missing = next((item.label for item in expected or [] if item.label not in labels), None)
    where = f"at the check of {missing}" if missing else "after its checks"
    how = f"with {_known(ename)}"
    if ename == "CheckFailure":
        how = next((word(m) for pattern, word in _CHECK_STOPS for m in [pattern.search(evalue)] if m), "a check failed")
    elif ename == "NameError":
        name = re.fullmatch(r"name '(\w+)' is not defined", evalue)
        if name and re.search(rf"\b{name.group(1)}\b", source):
            how = f"NameError: {name.group(1)} is not defined (was its cell run, or the function renamed?)"
    return f"the test stopped {where}: {how}"


def failure_output(reason):
    """The error output nbgrader scores as a failed test and the feedback shows as one line."""
    return new_output("error", ename="CheckFailure", evalue=reason, traceback=[f"CheckFailure: {reason}"])


class VerifyChecks(NbGraderPreprocessor):
    """After execution: turn each test cell whose check records differ from the solution's into a failure."""

    reveal = Enum(
        ["kind", "values"],
        default_value="kind",
        help="What a failing hidden case tells the student. 'kind' (default): the exercise, the case label and "
        "the kind of problem (type, shape, dtype, NaN/inf, or how many values are off and the largest "
        "difference), and a diagnosis of the usual mistakes; never an expected value. 'values': also the "
        "returned and expected value where the difference is largest.",
    ).tag(config=True)
    references_directory = Unicode(
        str(REFERENCES), help="Folder of the reference files <assignment>/<notebook>.json written by `make references`."
    ).tag(config=True)

    def expected(self, assignment: str, notebook_id: str) -> dict[str, list[Record]]:
        """The solution's records per grade id; raises when the reference is missing or stale."""
        path = reference_path(assignment, notebook_id, self.references_directory)
        again = f"run `{COMMAND} ASSIGNMENTS={assignment}` in the course repository"
        if not path.is_file():
            raise RuntimeError(f"no reference file {path}: {again}")
        reference = read_reference(path)
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook_id}.ipynb"
        if source.is_file() and reference["source_checksum"] != checksum(nbformat.read(source, as_version=4)):
            raise RuntimeError(f"{path} was recorded from another version of {source}: {again}")
        return reference["cells"]

    def quiz_explanations(self, assignment: str, notebook_id: str) -> dict[str, str]:
        """``{grade id: line explaining a quiz answer's key}`` of the reference file (``{}``: not a quiz)."""
        path = reference_path(assignment, notebook_id, self.references_directory)
        return json.loads(path.read_text(encoding="utf-8")).get("explanations", {})

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        self._expected = self.expected(info["assignment"], info["notebook"])
        nb.metadata[VERDICTS] = {}  # whatever the submission brought is replaced
        self._verdicts = nb.metadata[VERDICTS]  # (NotebookNode stores a copy of the dict it is given)
        self._explanations = self.quiz_explanations(info["assignment"], info["notebook"])
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        if not is_test_cell(cell):
            return cell, resources
        meta = nbgrader_meta(cell)
        outputs = cell.get("outputs", [])
        explanation = self._explanations.get(meta.get("grade_id"))
        if explanation:  # shown whatever the verdict, blank answers included
            cell.outputs = outputs = [*outputs, explanations.output(explanation)]
        expected = self._expected.get(meta.get("grade_id"))
        if any(o.get("output_type") == "error" for o in outputs):  # already a failure, with the kernel's message
            self._verdicts[meta.get("grade_id")] = {
                "passed": False,
                "explanation": explanation,
                "reason": stop_reason(outputs, expected, source_text(cell)),
            }
            return cell, resources
        if expected is None:
            reason = f"the grader has no reference for the test cell {meta.get('grade_id')!r}: ask your instructor"
        else:
            reason = cell_problem(records.from_outputs(outputs), expected, reveal=self.reveal == "values")
        if reason:
            # nbgrader scores a cell from its first error or result output: put the failure before any result.
            results = [k for k, o in enumerate(outputs) if o.get("output_type") == "execute_result"]
            outputs.insert(results[0] if results else len(outputs), failure_output(reason))
            cell.outputs = outputs
        self._verdicts[meta.get("grade_id")] = {"passed": not reason, "reason": reason, "explanation": explanation}
        return cell, resources
