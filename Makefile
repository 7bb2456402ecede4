# Everything a newcomer needs: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint-schema schema migrate demo bench prod-check clean

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
	$(MAKE) --no-print-directory lint-schema

# The OpenAPI schema through Redocly's and Spectral's rules (redocly.yaml, .spectral.yaml), with
# the versions pinned here. They run on Node.js: without npx the check is skipped, saying so.
REDOCLY := @redocly/cli@2.77.0
SPECTRAL := @stoplight/spectral-cli@6.16.3
lint-schema: $(VENV)/.installed
	@if ! command -v npx >/dev/null 2>&1; then \
		echo "lint-schema: SKIPPED, npx (Node.js) is not installed: Redocly and Spectral did not check the schema."; \
		exit 0; fi; \
	schema=$$(mktemp --suffix=.yaml); trap 'rm -f "$$schema"' EXIT; \
	DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file "$$schema" && \
	npx --yes $(REDOCLY) lint --config redocly.yaml "$$schema" && \
	npx --yes $(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity=warn "$$schema"

schema: install .env
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema.yaml

# Outcome reports at national scale on PostgreSQL, in their own database (loads 1,000,000
# synthetic households once; BENCH_DATABASE_URL names another database).
bench: $(VENV)/.test-installed
	$(PY) bench/reports.py

# The production configuration end to end (tests/prod_check.py): entrypoint.sh under gunicorn
# with DEBUG off and collected static files, on a PostgreSQL database dropped and created each run.
PROD_CHECK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/povertycase_prodcheck
prod-check: $(VENV)/.installed
	PROD_CHECK_DATABASE_URL=$(PROD_CHECK_DATABASE_URL) $(PY) tests/prod_check.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
