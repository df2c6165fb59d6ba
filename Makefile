# The two commands a new user needs: `make run` and `make test`.
# Everything either needs is installed here, into .venv, from PyPI (and,
# for the browser tests, Debian's chromium when running as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-sqld serve bench lint screenshots install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Start the admin on the embedded database (or TURSO_DATABASE_URL if set).
run: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py ensure_superuser
	DJANGO_DEBUG=1 $(PY) manage.py load_demo --if-empty
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite, then the `sqld`-marked tests against a real
# libSQL server (sqld) started on a free loopback port for the run.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest
	$(PY) tests/run_sqld_suite.py

test-sqlite: $(STAMP)
	$(PY) -m pytest

test-sqld: $(STAMP)
	$(PY) tests/run_sqld_suite.py

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
