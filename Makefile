# Kyte — two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Find a Python >= 3.12: $(PYTHON) if given, then python3.13/python3.12 on PATH, then pyenv's.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 \
	$$(command -v pyenv >/dev/null 2>&1 && for v in $$(pyenv versions --bare 2>/dev/null | sort -rV); do echo "$$(pyenv prefix $$v 2>/dev/null)/bin/python3"; done) python3; do \
	p=$$(command -v $$c 2>/dev/null) || continue; \
	$$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null && { echo $$p; break; }; done)

VENV := .venv
# The official Peppol artefacts are copied from here into KYTE_PEPPOL_ARTEFACTS (default var/peppol-artefacts).
ARTEFACTS_FROM ?= ../shared/peppol
# The embedded Peppol network (invoices travel between this installation's dossiers).
export KYTE_PEPPOL_BACKEND ?= local
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install artefacts run test lint format messages clean

help:
	@echo "make run     install, migrate, load demo data, serve the app with a Celery worker"
	@echo "make test    install and run the whole test suite"
	@echo "make lint    ruff check + format check"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Kyte needs Python 3.12 or newer (Django 6). None was found on PATH or in pyenv."; \
		echo "Install one (e.g. 'pyenv install 3.13') or pass it: make run PYTHON=/path/to/python3.13"; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
		echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Kyte needs 3.12 or newer."; exit 1; }

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory check-python
	@echo "Creating $(VENV) with $(PYTHON)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

artefacts: install
	@if [ -d "$(ARTEFACTS_FROM)/xslt" ]; then $(PY) manage.py kyte_peppol_artefacts --if-missing --from $(ARTEFACTS_FROM); \
	else $(PY) manage.py kyte_peppol_artefacts --if-missing || \
	echo "Peppol validation needs the official artefacts: set ARTEFACTS_FROM=DIR or KYTE_PEPPOL_ARTEFACTS_URL/_SHA256."; fi

messages: install
	$(PY) manage.py kyte_compilemessages

run: install messages artefacts
	$(PY) manage.py migrate --noinput
	$(PY) manage.py kyte_demo
	$(PY) manage.py kyte_serve --host $(HOST) --port $(PORT)

test: install messages artefacts
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/celery staticfiles
