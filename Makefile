# Neural networks from scratch: one Makefile for students, instructors and maintainers.
# Every target creates the virtual environment (.venv) on first use from pyproject.toml.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 1
JOBS_LIST ?= 1,2
HOST ?= localhost
PORT ?= 8888
# `make test`'s pytest workers: one more than the cores, so that a worker waiting on a timed fixture (a sleeping
# kernel) leaves no core idle
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))

.DEFAULT_GOAL := help
.PHONY: help env lab test test-fast lint test-browser demo data references release publish collect autograde feedback return-feedback status grades extend merge-shards report bench hub roster clean-notebooks clean
# ASSIGNMENTS="a b" and STUDENTS="x y" limit collect, autograde, feedback, return-feedback and grades.
SELECT = $(if $(ASSIGNMENTS),--assignments $(ASSIGNMENTS)) $(if $(STUDENTS),--students $(STUDENTS))

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# An optional jsonschema extra (via jupyter-events) that compiles grammars at every import of nbformat: 1.1-1.6 s of
# CPU in every nbgrader and grading process; nothing here validates IRIs.  Every `pip install` brings it back.
DROP_SLOW_IMPORTS = $(PY) -m pip uninstall --quiet --yes rfc3987-syntax

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(DROP_SLOW_IMPORTS)
	touch $(STAMP)

env: $(STAMP) ## create the virtual environment (.venv) with everything the course needs

lab: $(STAMP) ## open the course in JupyterLab (with the nbgrader extensions)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.root_dir=$(CURDIR) --ServerApp.ip=$(HOST) --ServerApp.port=$(PORT) \
		$(if $(filter-out localhost 127.0.0.1,$(HOST)),--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) ## run the whole test suite: package, notebooks, release, autograde round trip
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --ignore=tests/browser

test-fast: $(STAMP) ## run the fast tier: every test not marked slow (unit tests, under a minute)
	$(PY) -m pytest -m "not slow" -q --ignore=tests/browser

lint: $(STAMP) ## ruff: lint and formatting (line length 120; notebooks excluded)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

demo: $(STAMP) ## release, three demo submissions, autograde, feedback, grades, class report; print the score table
	$(PY) -m grading demo

data: $(STAMP) ## rebuild data/*.h5 and data/SHA256SUMS from scikit-learn's bundled sets and seeded formulas
	$(PY) tools/build_data.py

references: $(STAMP) ## write references/<assignment>/<notebook>.json from the executed solutions (ASSIGNMENTS="a b" for some)
	$(PY) -m grading references $(ASSIGNMENTS)

release: $(STAMP) ## generate assignments into release/ and pack the student bundle into dist/ (ASSIGNMENTS="a b" for some)
	$(PY) -m grading release $(ASSIGNMENTS)

publish: $(STAMP) ## release what `make release` built to nbgrader's exchange, after checksum, output and leak checks (ASSIGNMENTS="a b", FORCE=1)
	$(PY) -m grading publish $(ASSIGNMENTS) $(if $(FORCE),--force)

collect: $(STAMP) ## collect into submitted/ from the configured exchange, or EXCHANGE=dir, or DOWNLOADS=dir ASSIGNMENT=name [PATTERN=regex SUBMITTED_AT=time FORCE=1]; ASSIGNMENTS=, STUDENTS=
	$(PY) -m grading collect $(if $(EXCHANGE),--exchange '$(EXCHANGE)') $(if $(DOWNLOADS),--downloads '$(DOWNLOADS)') \
		$(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(PATTERN),--pattern '$(PATTERN)') $(if $(FORCE),--force) \
		$(if $(SUBMITTED_AT),--submitted-at '$(SUBMITTED_AT)') $(SELECT)

autograde: $(STAMP) ## autograde submitted/ in the sandbox (JOBS=N processes; ASSIGNMENTS=, STUDENTS=; SHARD=i/N: only shard i, into gradebooks/); refuses without one (UNISOLATED=1 overrides); fails if any was ungradable
	$(PY) -m grading autograde --jobs $(JOBS) $(if $(UNISOLATED),--unisolated) $(if $(SHARD),--shard $(SHARD)) $(SELECT)

merge-shards: $(STAMP) ## merge the shard gradebooks of `make autograde SHARD=i/N` into gradebook.db (OF=N when several splits)
	$(PY) -m grading merge-shards $(if $(OF),--of $(OF))

feedback: $(STAMP) ## feedback HTML for autograded submissions, into feedback/ (ASSIGNMENTS=, STUDENTS=)
	$(PY) -m grading feedback $(SELECT)

return-feedback: $(STAMP) ## generate the feedback and release it to the exchange (ASSIGNMENTS=, STUDENTS=); refused while answers wait for manual grading unless FORCE=1
	$(PY) -m grading feedback $(SELECT)
	$(PY) -m grading return-feedback $(SELECT) $(if $(FORCE),--force)

status: $(STAMP) ## what is where: release, exchange, collected (on time / late / missing), autograded, pending manual grading, feedback
	$(PY) -m grading status

grades: $(STAMP) ## export reports/grades.csv and reports/grades_by_exercise.csv (ASSIGNMENTS=, STUDENTS=); FORMAT=canvas|moodle also writes reports/grades_<format>.csv
	$(PY) -m grading grades $(SELECT) $(if $(FORMAT),--format '$(FORMAT)')

extend: $(STAMP) ## record an extension: make extend STUDENT=id ASSIGNMENT=name UNTIL="2026-11-02T23:59"
	$(PY) -m grading extend --student '$(STUDENT)' --assignment '$(ASSIGNMENT)' --until '$(UNTIL)'

report: $(STAMP) ## the class report for instructors: reports/class/index.html, one page per assignment (ASSIGNMENTS="a b" for some)
	$(PY) -m grading report $(ASSIGNMENTS)

bench: $(STAMP) ## grading time of the whole course for STUDENTS=50 simulated students with each JOBS of JOBS_LIST=1,2: split per notebook, x floor, 300-student projection
	$(PY) tools/bench.py --students $(or $(STUDENTS),50) --jobs-list $(JOBS_LIST) $(if $(ASSIGNMENTS),--assignments $(ASSIGNMENTS))
	$(PY) tools/bench_report.py --students 300

hub: $(STAMP) ## (as root) set up and start the class's JupyterHub on this machine: deploy/class.toml, or CLASS=file
	$(PY) deploy/hub.py $(if $(CLASS),--class '$(CLASS)')

roster: $(STAMP) ## (as root) import the class list FILE=students.csv (LMS export): gradebook, hub class, accounts, passwords [CLASS=file]
	$(if $(FILE),,$(error give the LMS's CSV export: make roster FILE=students.csv))
	$(PY) deploy/roster.py '$(FILE)' $(if $(CLASS),--class '$(CLASS)')

$(VENV)/.browser: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,browser]'
	$(DROP_SLOW_IMPORTS)
	touch $@

test-browser: $(VENV)/.browser ## real-browser tests in headless Chromium (apt install chromium chromium-driver): a student in Lab, a class on the hub
	KEEP_SCREENS='$(KEEP_SCREENS)' $(PY) -m pytest tests/browser

clean-notebooks: $(STAMP) ## strip outputs and execution counts from notebooks/
	$(PY) tools/clean_notebooks.py notebooks

clean: ## remove generated folders (release, autograded, feedback, dist, build); keeps .venv and gradebook.db
	rm -rf release autograded feedback dist build reports/*.log
