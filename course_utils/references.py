"""Hidden tests: run a student's function on fixed cases and compare with the solution's outputs.

A hidden test calls :func:`check_reference` with the student's function and a few named input
cases.  Under grading it only runs the cases and emits their outputs as check records
(:mod:`course_utils.records`); nbgrader's verification step (:mod:`grading.plugins.verification`) compares
them, outside the student's process, with the references.  Anywhere else (the instructor running
a source notebook, the test suite) it compares them here, with the visible tests' messages.

The references are text: ``references/<assignment>/<notebook>.json`` (read and written by
:mod:`course_utils.records`), written by ``make references`` from the executed solution notebooks
(:mod:`grading.recording`), never by code in a kernel.  Neither they nor the hidden tests are part of
a student release.
"""

from . import records
from .checks import CheckFailure, call_checked, check_value


def hidden_outputs(assignment, exercise, root=None):
    """``{label: record}`` of the hidden cases of ``exercise`` in any notebook of the assignment's reference files
    (under ``root``, default :data:`course_utils.records.REFERENCES`)."""
    found = {}
    for path in sorted(records.reference_folder(assignment, root).glob("*.json")):
        for items in records.read_reference(path)["cells"].values():
            for item in items:
                if item.hidden and records.parse_label(item.label)[0] == exercise:
                    found[item.label] = item
    return found


def check_reference(assignment, exercise, func, cases, *, rtol=1e-6, atol=1e-8, references=None):
    """Check ``func`` on each named case of ``cases`` (``{case: args tuple}``) against the solution.

    The tolerances given here are recorded with the solution's outputs and used by the grader;
    ``references`` is the folder of reference files (default :data:`course_utils.records.REFERENCES`).
    """
    outputs = {case: call_checked(func, *args, name=exercise, case=case) for case, args in cases.items()}
    for case, output in outputs.items():
        records.emit(records.label(exercise, case), output, rtol, atol, inputs=cases[case], hidden=True)
    if records.active():
        print(f"{exercise}: {len(cases)} hidden cases run; the grader compares them with the solution")
        return
    expected = hidden_outputs(assignment, exercise, references)
    missing = [case for case in cases if records.label(exercise, case) not in expected]
    if missing:
        folder = records.reference_folder(assignment, references)
        raise CheckFailure(
            f"no reference outputs for {exercise} cases {missing} in {folder}: "
            f"run `{records.COMMAND} ASSIGNMENTS={assignment}`"
        )
    for case, output in outputs.items():
        solution = expected[records.label(exercise, case)]
        check_value(
            output,
            solution.value,
            name=f"{exercise}(...)",
            case=case,
            rtol=solution.rtol,
            atol=solution.atol,
            quiet=True,
            record=False,
            inputs=cases[case],
        )
    print(f"OK {exercise}: {len(cases)} hidden cases")
