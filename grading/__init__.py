"""The instructor's side of the course: release, collect, autograde, feedback and grades with nbgrader."""
