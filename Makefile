# tracktion — everyday commands. `make help` lists them.
# Every target that needs Python first bootstraps itself: installs uv when it is missing, then syncs the workspace
# (all members, dev tools included) into .venv from uv.lock.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
FOLDER ?=

# uv, wherever it is: on PATH, in ~/.local/bin (pip --user), or as python3's module. Expanded when a recipe runs,
# so it sees a uv that the `uv` target has just installed.
UV = $(or $(shell command -v uv 2>/dev/null),$(wildcard $(HOME)/.local/bin/uv),$(PYTHON) -m uv)
# Tools run from .venv as it is, without uv re-locking or re-syncing (the `sync` target did that).
RUN = $(UV) run --no-sync

# What mypy checks: every package's sources (the strict config is in pyproject.toml).
MYPY_PATHS = shared/src src $(sort $(wildcard services/*/src)) operator/src

step = @printf '\n==> %s\n' "$(1)"

.PHONY: help run test lint typecheck imports fmt unit services-up uv sync

help: ## Show this list
	@echo "usage: make TARGET   (make run FOLDER=/path/to/music)"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: sync ## Catalog a folder: make run FOLDER=/path/to/music (embedded default, no servers)
	@test -n "$(FOLDER)" || { echo 'usage: make run FOLDER=/path/to/music' >&2; exit 2; }
	$(RUN) tracktion scan "$(FOLDER)"

test: sync ## Everything CI runs, failing fast: ruff, format check, mypy, import contracts, whole pytest suite
	$(call step,ruff check)
	$(RUN) ruff check .
	$(call step,ruff format --check)
	$(RUN) ruff format --check .
	$(call step,mypy)
	$(RUN) mypy $(MYPY_PATHS)
	$(call step,lint-imports)
	$(RUN) lint-imports
	$(call step,pytest)
	@$(RUN) pytest || { rc=$$?; ((rc != 5)) || echo "pytest collected no tests: that is a failure" >&2; exit $$rc; }

lint: sync ## ruff check, ruff format --check and the import-linter contracts
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

typecheck: sync ## mypy (strict) on every package's sources
	$(RUN) mypy $(MYPY_PATHS)

imports: sync ## import-linter contracts only
	$(RUN) lint-imports

fmt: sync ## Rewrite files: ruff format, then ruff check --fix
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

unit: sync ## Unit tests only (tests/unit), no servers needed
	$(RUN) pytest tests/unit

services-up: ## Start PostgreSQL, Redis and RabbitMQ when down (CI machine; idempotent)
	bash .ci/services-up

# --- bootstrap -------------------------------------------------------------------------------------------------

uv: # install uv when no uv is found
	@if ! command -v uv >/dev/null 2>&1 && ! test -x "$(HOME)/.local/bin/uv" \
	    && ! $(PYTHON) -m uv --version >/dev/null 2>&1; then \
	  echo "==> uv not found: installing it with pip"; \
	  $(PYTHON) -m pip install --quiet --user uv \
	    || $(PYTHON) -m pip install --quiet uv \
	    || $(PYTHON) -m pip install --quiet --user --break-system-packages uv \
	    || { echo "could not install uv: install pip (apt-get install python3-pip) or uv, then retry" >&2; exit 1; }; \
	fi

sync: uv # create/update .venv with every workspace member and the dev tools
	@if [ -f uv.lock ]; then $(UV) sync --all-packages --locked; else $(UV) sync --all-packages; fi
