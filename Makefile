# Two commands for a newcomer: `make run` and `make test`. Both set up .venv
# themselves and install exactly the versions locked in uv.lock.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed-stamp
DEV    := LMS_ENVIRONMENT=development
# uv itself is pinned here; everything else is pinned in uv.lock.
UV_VERSION := 0.13.9

export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: install lint run test test-sqlite test-latest lock bench check clean translations

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

# --locked: fail if uv.lock no longer matches pyproject.toml (run `make lock`);
# --inexact: keep uv itself in the venv.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --quiet --locked --extra test --extra lint --inexact
	touch $(STAMP)

install: $(STAMP)

## Serve the app with the sample content and a demo cohort on SQLite at http://127.0.0.1:5000,
## with a worker beside it that prints the emails (invitations, reminders); Ctrl+C stops both
run: install
	$(DEV) $(BIN)/lms db upgrade
	$(DEV) $(BIN)/lms demo
	$(DEV) $(BIN)/lms worker --poll 2 --with-parent & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(DEV) $(BIN)/lms run --host 127.0.0.1 --port 5000

## The whole suite: SQLite and PostgreSQL, content, services, real browser
test: install
	$(BIN)/pytest -n auto

## A quicker loop while developing: SQLite only
test-sqlite: install
	$(BIN)/pytest -n auto --db sqlite

## Refresh uv.lock deliberately to the newest releases the floors in pyproject.toml allow
lock: | $(UV)
	$(UV) lock --upgrade

## The suite against the newest releases (not the lock), in .venv-latest: drift shows here first
test-latest: | $(UV)
	rm -rf .venv-latest
	$(UV) venv --quiet --python $(BIN)/python .venv-latest
	VIRTUAL_ENV=.venv-latest $(UV) pip install --quiet --upgrade -e '.[test]'
	.venv-latest/bin/pytest -n auto

## Linters: ruff, the import contracts between packages (import-linter), mypy
lint: install
	$(BIN)/ruff check lms tests bench app.py
	$(BIN)/lint-imports
	$(BIN)/mypy

## Validate the sample courses and scenarios (every role-play route too), then print their
## reading level: fails when a course or scenario is above a UK reading age of 14.5
check: install
	$(BIN)/lms check . --paths
	$(BIN)/python bench/reading_level.py .

## Interface translations: extract every marked string into lms/translations/messages.pot, merge it
## into each language's messages.po (translate the new entries there), compile the .mo files the app reads.
## The compiled .mo files are committed, so a wheel or a checkout works without this step.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _n:1,2 --no-location --sort-output \
		--project lms --copyright-holder "the lms authors" -o lms/translations/messages.pot lms
	$(BIN)/pybabel update --no-fuzzy-matching -i lms/translations/messages.pot -d lms/translations
	$(BIN)/pybabel compile --statistics -d lms/translations

## Benchmarks (print their figures; not part of the test suite)
bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .venv-latest instance .pytest_cache
