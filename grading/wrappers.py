"""Policy: a graded function that only delegates to its ``course_utils`` twin earns no points.

``course_utils`` holds, for later weeks, the functions earlier exercises build (``sigmoid``,
``softmax``...).  An exercise answered by calling that twin (``def sigmoid(z): return
activations.sigmoid(z)``, or a name imported from it under another alias) shows nothing of the
student's own work, so the test cells of that exercise lose their points, with a message saying why.
The check reads the graded notebook's code (the file nbgrader wrote, outside the sandbox) with
:mod:`ast`; it does not run it.
"""
import ast
import importlib
import pkgutil
from pathlib import Path

import course_utils

from .notebook_cells import load, nbgrader_meta, source_text


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


def withdraw(course, gradebook, assignment, student):
    """Zero the points of the test cells of exercises answered by a twin; returns ``[(grade_id, reason)]``."""
    known, withdrawn = twins(), []
    for name in course.notebooks(assignment):
        notebook = load(course.autograded / student / assignment / name)
        code = "\n".join(source_text(c) for c in notebook["cells"] if c["cell_type"] == "code")
        modules, functions = _bindings(ast.parse(code)) if _parses(code) else (set(), {})
        answers = [c for c in notebook["cells"] if nbgrader_meta(c).get("solution") and c["cell_type"] == "code"]
        found = {}
        for cell in answers:
            found.update(delegations(source_text(cell), set(known), modules, functions))
        for cell in notebook["cells"]:
            meta = nbgrader_meta(cell)
            exercise = (meta.get("grade_id") or "").removeprefix("test_")
            if meta.get("grade") and not meta.get("solution") and exercise in found:
                grade = gradebook.find_grade(meta["grade_id"], Path(name).stem, assignment, student)
                if grade.auto_score:
                    grade.auto_score = 0.0
                    withdrawn.append((meta["grade_id"], f"{exercise} delegates to its course_utils twin "
                                      f"({found[exercise]}): the twin is there for later weeks, not for the "
                                      "exercise that builds it"))
    gradebook.db.commit()
    return withdrawn


def _parses(code):
    try:
        ast.parse(code)
        return True
    except SyntaxError:
        return False
