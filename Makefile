# The commands README.md names. Each target installs what it needs on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := review

STACK ?= prod
BASE ?= $(shell scripts/merge-base)
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen

.PHONY: review review-all test test-fast lint format preview up setup system-deps benchmark

$(UV):
	@echo "uv is missing: installing it from PyPI" >&2
	python3 -m pip install --user --quiet uv

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	@touch $@

setup: .venv/.synced

## review: render STACK offline, check the policy pack, diff against the merge base in a branch
review: setup
	$(RUN) python -m review $(STACK) $(if $(BASE),--base $(BASE))

review-all: setup
	$(RUN) python -m review --all $(if $(BASE),--base $(BASE))

## system-deps: PostgreSQL and Redis servers and Node.js for the integration and workflow tests
system-deps:
	@scripts/install-system-deps

## test: the whole suite (unit, policy, integration against real PostgreSQL/Redis and moto)
test: setup system-deps
	$(RUN) pytest -n 2 --dist loadgroup

test-fast: setup
	$(RUN) pytest -m "not integration" -n 2 --dist loadgroup

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

benchmark: setup system-deps
	$(RUN) python benchmarks/backup.py

## preview / up: the real deploy path (Pulumi CLI and AWS credentials required)
preview:
	pulumi preview --stack $(STACK) --diff \
		--policy-pack policy --policy-pack-config policy/config/$(STACK).json

up:
	pulumi up --stack $(STACK) \
		--policy-pack policy --policy-pack-config policy/config/$(STACK).json
