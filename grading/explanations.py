"""Quiz explanations: why each answer is right, kept out of the kernel and shown after grading.

A quiz's key and its explanation are secrets until the quiz is graded, and anything a test cell holds
reaches the student's kernel (a hook sees a cell's whole source before it runs).  So the author writes
the explanation next to the key, in the answer cell's solution region of the source notebook, which
neither a release nor a grading kernel ever sees::

    ### BEGIN SOLUTION
    answer_q3 = "d"
    # Why: raw audio samples have no column with a defined meaning; the table, the database
    # and the spreadsheet are structured.
    ### END SOLUTION

``make references`` stores ``Answer key: d. <why>`` in the reference file, under the test cell's grade id
(``answer_qk`` explains ``test_qk``; the key is the solution's recorded answer), and the verifier adds
that line to the graded cell, so the feedback explains every answer: right, wrong, malformed or blank.
"""

import re

from nbformat.v4 import new_output

from grading.notebook_cells import SOLUTION_REGION, nbgrader_meta, source_text

ANSWER = re.compile(r"^answer_(?P<question>q\d+)$")
WHY = "# Why:"


def written(notebook):
    """``{test grade id: explanation}`` from the ``# Why:`` comments in the answer cells' solution regions."""
    found = {}
    for cell in notebook["cells"]:
        match = ANSWER.match(nbgrader_meta(cell).get("grade_id", ""))
        if cell["cell_type"] != "code" or not nbgrader_meta(cell).get("solution") or not match:
            continue
        lines = "\n".join(SOLUTION_REGION.findall(source_text(cell))).splitlines()
        start = next((k for k, line in enumerate(lines) if line.strip().startswith(WHY)), None)
        if start is None:
            continue
        text = [lines[start].strip().removeprefix(WHY)]
        for line in lines[start + 1 :]:
            if not line.strip().startswith("#"):
                break
            text.append(line.strip().removeprefix("#"))
        found[f"test_{match['question']}"] = " ".join(part.strip() for part in text if part.strip())
    return found


def key_text(value):
    """A recorded answer as the student would write it: ``b``, ``0.25``, ``12288``."""
    return value if isinstance(value, str) else format(value, ".10g")


def lines(notebook, found):
    """``{test grade id: "Answer key: <key>. <why>"}`` for a source ``notebook`` whose executed test cells
    recorded ``found`` (``{grade id: [record]}``, the solution's answers)."""
    explained = {}
    for grade_id, why in written(notebook).items():
        records = found.get(grade_id) or []
        if len(records) != 1:
            raise ValueError(
                f"{grade_id}: an explained quiz answer needs exactly one recorded answer, found {len(records)}"
            )
        explained[grade_id] = f"Answer key: {key_text(records[0].value)}. {why}"
    return explained


def output(text):
    """The output the verifier adds to a graded quiz cell: plain text, which nbgrader does not score."""
    return new_output("stream", name="stdout", text=text.rstrip("\n") + "\n")
