# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest demo install clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Continuum needs Python 3.13 (see .python-version); found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the SQLite database under var/, load the demo, serve on :8000
run: $(STAMP)
	$(BIN)/continuum migrate --no-input
	$(BIN)/continuum demo
	$(BIN)/continuum serve

## make test: lint, type-check and the whole suite (browser tests included)
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check continuum tests
	$(BIN)/ruff format --check continuum tests

typecheck: $(STAMP)
	$(BIN)/mypy continuum

pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2

## make bench: the matching benchmark (issue #7): 100,000 synthetic services on SQLite and on
## PostgreSQL (continuum_bench at 127.0.0.1, skipped if unreachable); see docs/benchmark.md
.PHONY: bench
bench: $(STAMP)
	$(BIN)/continuum bench_matching $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
