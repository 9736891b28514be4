"""What `make` runs, in the order of the weekly cycle: release, publish, collect, autograde, feedback, grades."""
