# Everything a newcomer needs: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: install run test schema migrate demo bench prod-check clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "povertycase needs Python 3.11 or newer (PYTHON=$(PYTHON))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

# Local development settings, written once if missing: DEBUG on, so no SECRET_KEY is needed.
# Production sets its own environment (.env.example, README "Security").
.env:
	printf '# Written by make for local development (see .env.example for production).\nDEBUG=true\n' > $@

migrate: install .env
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver $(HOST)

test: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

schema: install .env
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema.yaml

# Outcome reports at national scale on PostgreSQL (loads 1,000,000 synthetic households once).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/povertycase_bench
bench: $(VENV)/.test-installed .env
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/reports.py

# The production configuration end to end (tests/prod_check.py): entrypoint.sh under gunicorn
# with DEBUG off and collected static files, on a PostgreSQL database dropped and created each run.
PROD_CHECK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/povertycase_prodcheck
prod-check: $(VENV)/.installed
	PROD_CHECK_DATABASE_URL=$(PROD_CHECK_DATABASE_URL) $(PY) tests/prod_check.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
