"""Policy: a graded function that delegates to its ``course_utils`` twin earns no points, decided by behaviour.

``course_utils`` holds, for later weeks, the functions earlier exercises build (``sigmoid``,
``softmax``...).  An exercise answered by calling that twin shows nothing of the student's own
work.  Reading the code cannot tell (an alias, a module attribute, ``getattr``, ``importlib``, a
magic line the parser rejects...), so while a notebook is graded its twins refuse to run: the
grader lists them (:func:`notebook_twins`, from the instructor's source), the launcher binds over
each module holding one a copy whose twins raise :class:`course_utils.twins.TwinRefused`
(:func:`refusing_source`), and a graded function that calls one fails its tests with that reason.
Demo cells of a notebook must not need its twins.
"""

import ast
import pkgutil
from pathlib import Path

import course_utils
from grading.notebook_cells import nbgrader_meta, source_text

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
REFUSED = "from course_utils.twins import TwinRefused as _TwinRefused\nraise _TwinRefused({name!r})\n"


def twins():
    """``{function name: [module names]}`` of the public functions (and classes) ``course_utils`` defines.

    Read from the modules' sources, not imported: importing every module loaded matplotlib and h5py into each
    nbgrader process (0.65 s of CPU) just to list names.
    """
    found = {}
    package = Path(course_utils.__file__).resolve().parent
    for info in pkgutil.iter_modules([str(package)]):
        tree = ast.parse((package / f"{info.name}.py").read_text())
        for node in tree.body:
            if isinstance(node, DEFINITIONS) and not node.name.startswith("_"):
                found.setdefault(node.name, []).append(f"course_utils.{info.name}")
    return found


def exercises(notebook):
    """Names of the functions the exercise cells of ``notebook`` (the instructor's source) define."""
    names = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and nbgrader_meta(cell).get("solution"):
            try:
                tree = ast.parse(source_text(cell))
            except SyntaxError:
                continue
            names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return names


def notebook_twins(notebook):
    """``{module: [function names]}``: the ``course_utils`` twins of ``notebook``'s exercises."""
    found, known = {}, twins()
    for name in sorted(exercises(notebook) & set(known)):
        for module in known[name]:
            found.setdefault(module, []).append(name)
    return found


def refusing_source(source, names):
    """``source`` (a module's) with the body of each function in ``names``, and of its ``_<name>``, refusing."""
    tree = ast.parse(source)
    wanted = set(names) | {f"_{name}" for name in names}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in wanted:
            node.body = ast.parse(REFUSED.format(name=node.name.lstrip("_"))).body
    return ast.unparse(tree) + "\n"
