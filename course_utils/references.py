"""Hidden tests: run a student's function on fixed cases and compare with the solution's outputs.

A hidden test calls :func:`check_reference` with the student's function and a few named input
cases.  Under grading it only runs the cases and emits their outputs as check records
(:mod:`course_utils.records`); nbgrader's verification step (:mod:`grading.plugins.verification`) compares
them, outside the student's process, with the references.  Anywhere else (the instructor running
a source notebook, the test suite) it compares them here, with the visible tests' messages.

The references are text: ``references/<assignment>/<notebook>.json``, written by ``make
references`` from the executed solution notebooks (:mod:`grading.recording`), never by code in a
kernel.  Neither they nor the hidden tests are part of a student release.
"""

import json
from pathlib import Path

from . import records
from .checks import CheckFailure, call_checked, check_value
from .paths import COURSE_ROOT

REFERENCES = COURSE_ROOT / "references"


def reference_folder(assignment, root=REFERENCES):
    """Folder of an assignment's reference files."""
    return Path(root) / assignment


def reference_path(assignment, notebook, root=REFERENCES):
    """Reference file of one notebook (``notebook`` is its file name or stem)."""
    return reference_folder(assignment, root) / f"{Path(notebook).stem}.json"


def read(path):
    """The content of a reference file; values decoded (see :func:`grading.recording.write`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for items in data["cells"].values():
        for item in items:
            item["value"] = records.decode(item["value"])
    return data


def hidden_outputs(assignment, exercise, root=REFERENCES):
    """``{label: (value, rtol, atol)}`` of the hidden cases of ``exercise`` in any notebook of the assignment."""
    found = {}
    for path in sorted(reference_folder(assignment, root).glob("*.json")):
        for items in read(path)["cells"].values():
            for item in items:
                if item.get("hidden") and item["label"].startswith(f"{exercise} ["):
                    found[item["label"]] = (item["value"], item["rtol"], item["atol"])
    return found


def check_reference(assignment, exercise, func, cases, *, rtol=1e-6, atol=1e-8):
    """Check ``func`` on each named case of ``cases`` (``{case: args tuple}``) against the solution.

    The tolerances given here are recorded with the solution's outputs and used by the grader.
    """
    outputs = {case: call_checked(func, *args, name=exercise, case=case) for case, args in cases.items()}
    for case, output in outputs.items():
        records.emit(f"{exercise} [{case}]", output, rtol, atol, inputs=cases[case], hidden=True)
    if records.active():
        print(f"{exercise}: {len(cases)} hidden cases run; the grader compares them with the solution")
        return
    expected = hidden_outputs(assignment, exercise)
    missing = [case for case in cases if f"{exercise} [{case}]" not in expected]
    if missing:
        raise CheckFailure(
            f"no reference outputs for {exercise} cases {missing} in "
            f"{reference_folder(assignment)}: run `make references ASSIGNMENTS={assignment}`"
        )
    for case, output in outputs.items():
        value, case_rtol, case_atol = expected[f"{exercise} [{case}]"]
        check_value(
            output,
            value,
            name=f"{exercise}(...)",
            case=case,
            rtol=case_rtol,
            atol=case_atol,
            quiet=True,
            record=False,
            inputs=cases[case],
        )
    print(f"OK {exercise}: {len(cases)} hidden cases")
