# Two commands matter: `make run` and `make test` (see README.md); `make check` is the quick inner loop.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run serve test check lint install install-test system-packages check-system migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages (WeasyPrint's libraries, fonts, poppler, Chromium): installed when missing.
system-packages:
	@.ci/system-packages

check-system: install system-packages
	@$(BIN)/python -m coalition.infra.system_check

migrate: install
	$(FLASK) db upgrade

run: check-system migrate
	$(FLASK) demo load --if-empty
	COALITION_NOTIFY_IN_PROCESS=true $(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: gunicorn with WORKERS processes; configuration from COALITION_* variables (README).
WORKERS ?= 4
serve: check-system migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) wsgi:app

# The whole suite, as CI runs it (PostgreSQL tests when COALITION_TEST_POSTGRES_URL is set, slow tests too),
# on one pytest-xdist worker per core (docs/testing.md).
PYTEST_ARGS ?= -n auto --dist worksteal
test: install-test system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and format check (ruff) and types (mypy, configured in pyproject.toml).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The inner loop: lint, then every test but the slow and PostgreSQL ones.
check: lint system-packages
	$(BIN)/python -m pytest -m "not slow and not postgres" $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench store

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
