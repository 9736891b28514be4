"""Policy: a graded function that only delegates to its ``course_utils`` twin earns no points.

``course_utils`` holds, for later weeks, the functions earlier exercises build (``sigmoid``,
``softmax``...).  An exercise answered by calling that twin (``def sigmoid(z): return
activations.sigmoid(z)``, or a name imported from it under another alias) shows nothing of the
student's own work, so the test cells of that exercise fail, with a message saying why
(:class:`grading.plugins.verification.VerifyChecks` applies it inside nbgrader's autograde).  The check reads
the notebook's code with :mod:`ast` in the grader's process; it does not run it.
"""
import ast
import importlib
import pkgutil

import course_utils
from grading.notebook_cells import nbgrader_meta, source_text


def twins():
    """``{function name: [module names]}`` of the public functions ``course_utils`` defines."""
    found = {}
    for info in pkgutil.iter_modules(course_utils.__path__):
        module = importlib.import_module(f"course_utils.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and not name.startswith("_") and getattr(value, "__module__", "") == module.__name__:
                found.setdefault(name, []).append(module.__name__)
    return found


def _bindings(tree):
    """``(modules, functions)``: aliases bound to ``course_utils`` modules, and alias -> twin function name."""
    modules, functions = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_utils":
                    modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_utils":
            for alias in node.names:
                if node.module == "course_utils":
                    modules.add(alias.asname or alias.name)
                else:
                    functions[alias.asname or alias.name] = alias.name
    return modules, functions


def _root(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def delegations(code, names, modules=(), functions=None):
    """``{function: how}`` for the functions of ``code`` named in ``names`` whose body calls the twin."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    more_modules, more_functions = _bindings(tree)
    modules, functions = set(modules) | more_modules, {**(functions or {}), **more_functions}
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name not in names:
            continue
        for inner in ast.walk(node):
            target = inner.func if isinstance(inner, ast.Call) else None
            if isinstance(target, ast.Attribute) and target.attr == node.name and _root(target) in modules:
                found[node.name] = f"it calls {ast.unparse(target)}"
            elif isinstance(target, ast.Name) and functions.get(target.id) == node.name:
                found[node.name] = f"it calls {target.id}, imported from course_utils"
    return found


def delegating(cells):
    """``{exercise: reason}`` for the answer cells among ``cells`` (a notebook's) that delegate to a twin."""
    code = "\n".join(source_text(c) for c in cells if c["cell_type"] == "code")
    modules, functions = _bindings(ast.parse(code)) if _parses(code) else (set(), {})
    known, found = twins(), {}
    for cell in cells:
        if nbgrader_meta(cell).get("solution") and cell["cell_type"] == "code":
            found.update(delegations(source_text(cell), set(known), modules, functions))
    return {exercise: f"{exercise} delegates to its course_utils twin ({how}): the twin is there for later "
                      "weeks, not for the exercise that builds it" for exercise, how in found.items()}


def _parses(code):
    try:
        ast.parse(code)
        return True
    except SyntaxError:
        return False
