"""The grading kernel's isolation: the kernel manager, the launcher outside bubblewrap, its arguments, the budgets."""
