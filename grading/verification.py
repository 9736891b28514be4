"""nbgrader preprocessor: each test cell's verdict comes from its check records, compared with the solution's.

nbgrader awards a test cell its points when the cell shows no error.  Student code runs in the
same process as the tests and could hide an error (a custom exception handler, a patched check),
and hidden cases cannot be compared inside the kernel at all (the references stay outside it).  So
the checks emit records of the values they checked (:mod:`course_utils.records`), and
:class:`VerifyChecks`, which runs in nbgrader's autograde right after the notebook is executed,
compares every test cell's records with those recorded from the solution
(``references/<assignment>/<notebook>.json``).  A mismatch becomes an error output in that cell,
with a reason the student can act on; nbgrader then scores, stores and renders that verdict
itself: the gradebook, Formgrader and the feedback show the same thing, and no score is edited
afterwards.  Configured in ``nbgrader_config.py``, so ``make autograde``, ``nbgrader autograde`` and
Formgrader's *Autograde* button all apply it.  A quiz's test cell also gets the explanation of its
answer from the reference file (:mod:`grading.explanations`): no key or explanation enters the kernel.
"""
import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets import Enum, Unicode

from course_utils import records
from course_utils.checks import first_problem, with_case
from course_utils.references import REFERENCES, read, reference_path

from . import explanations
from .notebook_cells import nbgrader_meta
from .references import COMMAND, checksum
from .wrappers import delegating

_LABEL = re.compile(r"^(?P<name>.*?) \[(?P<case>.*)\]$")


def _split(label):
    match = _LABEL.match(label)
    return (match.group("name"), match.group("case")) if match else (label, "")


def cell_problem(found, expected, reveal=False):
    """Why the records ``found`` in a test cell do not match ``expected`` (the solution's), or ``""``.

    Each expected record is matched with the next found record of the same label (records with
    other labels are ignored); its value must be within the solution's tolerances.  For a hidden
    case the reason names the exercise, the case and the kind of problem, never an expected value
    unless ``reveal``.
    """
    position = 0
    for item in expected:
        name, case = _split(item["label"])
        where = f" in {'hidden ' if item['hidden'] else ''}test case '{case}'" if case else ""
        match = next((i for i in range(position, len(found)) if found[i]["label"] == item["label"]), None)
        if match is None:
            return (f"the check of {item['label']} did not run to the end under grading{where} (no record of its "
                    "values reached the grader: was a check skipped, patched or switched off?)")
        got = found[match]
        problem = first_problem(got["value"], item["value"], name=f"{name}(...)" if item["hidden"] else name,
                                rtol=item["rtol"], atol=item["atol"], reveal=reveal or not item["hidden"],
                                inputs=got["inputs"] if item["hidden"] else None)
        if problem:
            return with_case(problem, where)
        position = match + 1
    return ""


def failure_output(reason):
    """The error output nbgrader scores as a failed test and the feedback shows as one line."""
    return new_output("error", ename="CheckFailure", evalue=reason, traceback=[f"CheckFailure: {reason}"])


class VerifyChecks(NbGraderPreprocessor):
    """After execution: turn each test cell whose check records differ from the solution's into a failure."""

    reveal = Enum(
        ["kind", "values"], default_value="kind",
        help="What a failing hidden case tells the student. 'kind' (default): the exercise, the case label and "
             "the kind of problem (type, shape, dtype, NaN/inf, or how many values are off and the largest "
             "difference), and a diagnosis of the usual mistakes; never an expected value. 'values': also the "
             "returned and expected value where the difference is largest.").tag(config=True)
    references_directory = Unicode(
        str(REFERENCES),
        help="Folder of the reference files <assignment>/<notebook>.json written by `make references`.").tag(config=True)

    def expected(self, assignment, notebook_id):
        """The solution's records per grade id; raises when the reference is missing or stale."""
        path = reference_path(assignment, notebook_id, self.references_directory)
        again = f"run `{COMMAND} ASSIGNMENTS={assignment}` in the course repository"
        if not path.is_file():
            raise RuntimeError(f"no reference file {path}: {again}")
        reference = read(path)
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook_id}.ipynb"
        if source.is_file() and reference["source_checksum"] != checksum(nbformat.read(source, as_version=4)):
            raise RuntimeError(f"{path} was recorded from another version of {source}: {again}")
        return reference["cells"]

    def quiz_explanations(self, assignment, notebook_id):
        """``{grade id: line explaining a quiz answer's key}`` of the reference file (``{}``: not a quiz)."""
        path = reference_path(assignment, notebook_id, self.references_directory)
        return json.loads(path.read_text(encoding="utf-8")).get("explanations", {})

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self._expected = self.expected(info["assignment"], info["notebook"])
        self._explanations = self.quiz_explanations(info["assignment"], info["notebook"])
        self._delegating = delegating(nb.cells)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        outputs = cell.get("outputs", [])
        if meta.get("grade_id") in self._explanations:  # shown whatever the verdict, blank answers included
            cell.outputs = outputs = [*outputs, explanations.output(self._explanations[meta["grade_id"]])]
        if any(o.get("output_type") == "error" for o in outputs):
            return cell, resources  # already a failure, with its own message
        expected = self._expected.get(meta.get("grade_id"))
        exercise = meta.get("grade_id", "").removeprefix("test_")
        if exercise in self._delegating:
            reason = self._delegating[exercise]
        elif expected is None:
            reason = f"the grader has no reference for the test cell {meta.get('grade_id')!r}: ask your instructor"
        else:
            reason = cell_problem(records.from_outputs(outputs), expected, reveal=self.reveal == "values")
        if reason:
            # nbgrader scores a cell from its first error or result output: put the failure before any result.
            results = [k for k, o in enumerate(outputs) if o.get("output_type") == "execute_result"]
            outputs.insert(results[0] if results else len(outputs), failure_output(reason))
            cell.outputs = outputs
        return cell, resources
