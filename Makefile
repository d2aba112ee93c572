# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

## The main job on the embedded default (SQLite + DuckDB under ./var, no server).
demo: $(STAMP)
	$(BIN)/imos demo

## The whole suite: lint, types, tests on SQLite and (where it answers) PostgreSQL.
test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Benchmarks: figures, not pass/fail. Latest kept in docs/benchmarks.md.
bench: $(TEST_STAMP)
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_geocode.py
	$(BIN)/python bench/vrptw.py
	$(BIN)/python bench/routing_teams.py
	$(BIN)/python bench/placement.py
	$(BIN)/python bench/flights.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
