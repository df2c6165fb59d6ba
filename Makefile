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

.PHONY: run test test-sqlite test-sqld serve bench lint screenshots browser install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Start the admin on the embedded databases (or TURSO_DATABASE_URL and
# ADMIN_DATABASE_URL if set): a secret key in .env once (so every command
# the README shows runs as written), the admin database's migrations, the
# content schema (db_push: creates the app's tables on an empty database,
# adds only what is missing on an existing one; skipped when read-only).
# The job runner (big imports and exports) runs beside the server and
# stops with it (deploy/with_job_runner.sh).
run: $(STAMP)
	$(PY) -m config.env
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py db_push --yes --unless-read-only
	DJANGO_DEBUG=1 $(PY) manage.py ensure_superuser
	DJANGO_DEBUG=1 $(PY) manage.py load_demo --if-empty
	DJANGO_DEBUG=1 sh deploy/with_job_runner.sh $(PY) manage.py runserver $(HOST):$(PORT)

# The SQLite pass must not follow a developer's .env to a real database.
NO_TURSO := TURSO_DATABASE_URL= TURSO_AUTH_TOKEN= TURSO_DATABASE_URL_RO= TURSO_AUTH_TOKEN_RO= ADMIN_DATABASE_URL= ADMIN_AUTH_TOKEN=

# The whole suite on SQLite, then the `sqld`-marked tests against a real
# libSQL server (sqld) started on a free loopback port for the run.
test: $(STAMP) browser
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(NO_TURSO) $(PY) -m pytest
	$(PY) tests/run_sqld_suite.py

test-sqlite: $(STAMP)
	$(NO_TURSO) $(PY) -m pytest

test-sqld: $(STAMP)
	$(PY) tests/run_sqld_suite.py

# Debian's Chromium for the browser tests (tests/browser): installed with apt
# when missing and running as root; otherwise those tests are skipped with
# the reason printed (with CI=true a missing browser fails instead).
browser:
	@sh tests/browser/ensure_chromium.sh

# A screenshot of each main screen, on demo content, into docs/screenshots/.
screenshots: $(STAMP) browser
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_browser_screens.py

# The production configuration: gunicorn + WhiteNoise, settings from the
# environment or .env (docs/serving.md; deploy/production.env.example).
# Refuses to start without DJANGO_SECRET_KEY. The job runner runs beside
# gunicorn and stops with it (deploy/with_job_runner.sh). SERVE_MIGRATE=0 skips migrate
# (e.g. for the second and later instances of one deploy).
SERVE_MIGRATE ?= 1
serve: $(STAMP)
	@if [ "$(SERVE_MIGRATE)" = "1" ]; then $(PY) manage.py migrate --no-input; fi
	OI_STATIC_MANIFEST=1 $(PY) manage.py collectstatic --no-input --verbosity 0
	OI_STATIC_MANIFEST=1 GUNICORN_BIND="$${GUNICORN_BIND:-$(HOST):$(PORT)}" sh deploy/with_job_runner.sh $(PY) $(VENV)/bin/gunicorn --config gunicorn.conf.py

# Every benchmark, on SQLite and on a loopback sqld: admin screens (queries
# and median time per page view), import speed against django-import-export's
# default path, export memory at 30,000 and 120,000 questions, dump/restore of ~30,000 questions, 8 clients reading and
# saving at once against gunicorn for 60 s (errors, p50/p95 per kind).
# `make bench BENCH_ARGS=--quick` for a smoke run, BENCH_ARGS="--only search" for one step.
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
