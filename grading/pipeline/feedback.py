"""`make feedback`: ``nbgrader generate_feedback`` per assignment (its page is made by :mod:`grading.plugins.feedback`).

nbgrader copies every other file of the autograded folder next to the page (the kernel's IPython
history among them, which holds every cell's source); :func:`generate` removes what is not HTML.
"""
from grading.course import NBGRADER_FILES


def _nbgrader_file(path):
    """One of nbgrader's small files at the folder's top (``NBGRADER_FILES``), which ``release_feedback`` reads."""
    return path.name in NBGRADER_FILES and not path.is_symlink() and path.stat().st_size < 256 and \
        path.read_bytes().strip().replace(b"-", b"").replace(b":", b"").replace(b" ", b"").replace(b".", b"").isalnum()


def remove_extras(folder):
    """Delete every file under a feedback folder but the HTML pages and nbgrader's own files; returns them."""
    extras = [p for p in sorted(folder.rglob("*"), reverse=True)
              if (p.is_file() or p.is_symlink()) and p.suffix != ".html" and not (p.parent == folder and _nbgrader_file(p))]
    for path in extras:
        path.unlink()
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return extras


def generate(course, assignments=None):
    """``nbgrader generate_feedback`` per assignment; returns ``{assignment: error text}`` for failures."""
    failures = {}
    for assignment in assignments or course.assignments():
        if not any((course.autograded / s / assignment).is_dir() for s in course.students()):
            continue
        result = course.nbgrader("generate_feedback", assignment, "--force")
        if result.returncode != 0:
            failures[assignment] = (result.stdout + result.stderr)[-2000:]
        for student in course.students():
            if (course.feedback_dir / student / assignment).is_dir():
                remove_extras(course.feedback_dir / student / assignment)
    return failures
