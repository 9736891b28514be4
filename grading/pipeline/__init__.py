"""What `make` runs, in the order of the cycle: release, publish, collect, autograde, feedback, grades (and the demo)."""
