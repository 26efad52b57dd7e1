# Two commands matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run serve test check install install-test system-packages check-system migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
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
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: gunicorn with WORKERS processes; configuration from COALITION_* variables (README).
WORKERS ?= 4
serve: check-system migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) wsgi:app

# The whole suite (what CI runs), then the inner loop: everything but `slow` and `postgres` (docs/testing.md).
PYTEST_ARGS ?= -n auto --dist worksteal
test: install-test system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install-test
	$(BIN)/python -m pytest -m "not slow and not postgres" $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench store

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
