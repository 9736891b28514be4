"""Record the hidden tests' reference outputs by running every source notebook in record mode."""
from course_utils.references import DIR_VARIABLE, MODE_VARIABLE, reference_dir

from .execute import run


def record(course):
    """Delete and re-record ``references/<assignment>.h5`` for every assignment; returns the paths."""
    paths = []
    for assignment in course.assignments():
        path = reference_dir() / f"{assignment}.h5"
        path.unlink(missing_ok=True)
        for name in course.notebooks(assignment):
            run(course.source / assignment / name, env={MODE_VARIABLE: "record", DIR_VARIABLE: str(reference_dir())})
        paths.append(path)
    return paths
