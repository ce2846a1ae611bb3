# Shelfmark: common tasks. `make` (or `make help`) lists them.
#
# Everything runs in a project virtualenv, .venv, created with python3 (3.11 or later).
# Installs rerun only when a requirements file changes (stamp files inside .venv).
# Settings: variables in a .env file (KEY=value lines, see .env.example) are exported to every
# command here; the command line wins: `make run PORT=9000`.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# Optional .env: include its KEY=value lines and export those keys.
ifneq (,$(wildcard .env))
include .env
export $(shell sed -n 's/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*=.*/\2/p' .env)
endif

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
POSTGRES_URL_FILE := $(VENV)/.postgres-url
# axe-core for the browser tests' accessibility checks, from the npm registry (tests/js).
JS_TEST_DIR := tests/js
JS_TEST_STAMP := $(JS_TEST_DIR)/node_modules/.installed

# An empty value (e.g. "HOST=" in .env) means the default, as it does for the app's settings.
HOST := $(or $(HOST),127.0.0.1)
PORT := $(or $(PORT),8050)
PYTEST_ARGS ?=
BENCH_ARGS ?=

GUNICORN_ARGS := --workers 2 --worker-class gthread --threads 4 --no-control-socket --bind $(HOST):$(PORT)
SQLITE_DB := data/shelfmark.db

.PHONY: help venv install install-dev dev run test bench clean distclean db-reset

help: ## List the targets
	@echo "Shelfmark make targets:"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: HOST=$(HOST) PORT=$(PORT) PYTEST_ARGS='$(PYTEST_ARGS)' BENCH_ARGS='$(BENCH_ARGS)'"
	@echo "Examples:  make run PORT=9000    make test PYTEST_ARGS='-k queries -x'"

# --- virtualenv and installs -------------------------------------------------------------------

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Shelfmark needs Python 3.11 or later; '$(PYTHON)' is $$($(PYTHON) -V 2>&1)." \
		       "Use: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV). On Debian: apt-get install -y python3-venv" >&2; \
		  rm -rf $(VENV); exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

$(JS_TEST_STAMP): $(JS_TEST_DIR)/package.json $(JS_TEST_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || \
		{ echo "The browser tests need Node.js and npm (for axe-core). On Debian:" \
		       "apt-get install -y nodejs npm" >&2; exit 1; }
	npm ci --prefix $(JS_TEST_DIR) --no-audit --no-fund
	@touch $@

venv: $(RUNTIME_STAMP) ## Create .venv and install the runtime requirements
install: venv ## Same as venv

install-dev: $(DEV_STAMP) ## Create .venv and install the runtime and test requirements
dev: install-dev ## Same as install-dev

# --- running -----------------------------------------------------------------------------------

run: $(RUNTIME_STAMP) ## Install Chromium (downloads), create/upgrade and seed the database, serve
	PY=$(PY) bash scripts/ensure-chromium.sh --app
	$(PY) -m dashboard init-db
	$(PY) -m dashboard seed-demo --if-empty
	@echo "Shelfmark is running at http://$(HOST):$(PORT)/"
	exec $(VENV)/bin/gunicorn app:server $(GUNICORN_ARGS)

bench: $(RUNTIME_STAMP) ## Benchmark page callbacks at 50k and 5M observations (BENCH_ARGS=...)
	$(PY) -m bench $(BENCH_ARGS)

db-reset: $(RUNTIME_STAMP) ## Delete the SQLite database (data/shelfmark.db), recreate and reseed it
	@case "$${DATABASE_URL:-}" in \
		"" | "sqlite:///$(SQLITE_DB)" | "sqlite:///$(CURDIR)/$(SQLITE_DB)") ;; \
		*) echo "db-reset only resets the default SQLite database ($(SQLITE_DB))," \
		        "but DATABASE_URL is set to $$DATABASE_URL: not touching it." >&2; exit 1 ;; \
	esac
	rm -f $(SQLITE_DB) $(SQLITE_DB)-journal $(SQLITE_DB)-wal $(SQLITE_DB)-shm
	$(PY) -m dashboard init-db
	$(PY) -m dashboard seed-demo

# --- tests -------------------------------------------------------------------------------------

test: $(DEV_STAMP) $(JS_TEST_STAMP) ## Run the tests (installs Chromium, axe-core; finds PostgreSQL; PYTEST_ARGS=...)
	bash scripts/ensure-chromium.sh
	PY=$(PY) bash scripts/check-postgres.sh --url-file $(POSTGRES_URL_FILE)
	TEST_POSTGRES_URL="$$(cat $(POSTGRES_URL_FILE))" $(PY) -m pytest $(PYTEST_ARGS)

# --- housekeeping ------------------------------------------------------------------------------

clean: ## Remove caches (data/cache, .pytest_cache, __pycache__); keeps .venv and the database
	rm -rf data/cache .pytest_cache .hypothesis test-results
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv and tests/js/node_modules (the next command reinstalls them)
	rm -rf $(VENV) $(JS_TEST_DIR)/node_modules
