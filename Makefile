# Two commands for a newcomer: `make run` and `make test`. Both set up .venv themselves.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV    := LMS_ENVIRONMENT=development

.PHONY: install run test test-sqlite bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Serve the app with the sample content on SQLite at http://127.0.0.1:5000
run: install
	$(DEV) $(BIN)/lms db upgrade
	$(DEV) $(BIN)/lms demo
	$(DEV) $(BIN)/lms run --host 127.0.0.1 --port 5000

## The whole suite: SQLite and PostgreSQL, content, services, real browser
test: install
	$(BIN)/pytest

## A quicker loop while developing: SQLite only
test-sqlite: install
	$(BIN)/pytest --db sqlite

## Validate the sample courses and scenarios
check: install
	$(BIN)/lms check .

## Benchmarks (print their figures; not part of the test suite)
bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache
