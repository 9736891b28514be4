"""The plug-ins nbgrader loads by name from nbgrader_config.py: the sandboxed execution, the verdict, the feedback."""
