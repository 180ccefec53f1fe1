# The commands README.md names. Each target installs what it needs on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := review

STACK ?= prod
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
# The locked environment is installed without compiling its ~12,600 files to bytecode; a
# module is compiled the first time a target imports it (a review imports ~1,000) and that
# bytecode is kept in .venv (and git-ignored __pycache__ directories), even where the
# caller's environment sets PYTHONDONTWRITEBYTECODE, which would otherwise recompile every
# import on every render.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: review review-all test test-fast lint format preview up setup system-deps benchmark \
	benchmark-review benchmark-gateway pulumi-cli

$(UV):
	@scripts/install-uv $@

# Echoed on stderr, so `make review ARGS="--format json" > prod.json` is JSON even on a first run.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	@echo "$(UV) sync --frozen" >&2 && $(UV) sync --frozen
	@touch $@

setup: .venv/.synced

## review: render STACK offline, check the policy pack; compare with the merge base inside a
## branch, or with HEAD on main with uncommitted changes (it says so; BASE= skips, BASE=REF
## picks the revision); ARGS="--format json --output prod.json" passes options through
review: setup
	@base=$$(scripts/merge-base) && set -x && \
		$(RUN) python -m review $(STACK) $${base:+--base "$$base"} $(ARGS)

review-all: setup
	@base=$$(scripts/merge-base) && set -x && \
		$(RUN) python -m review --all $${base:+--base "$$base"} $(ARGS)

## system-deps: PostgreSQL and Redis servers and Node.js for the integration and workflow tests
system-deps:
	@scripts/install-system-deps

## test: the whole suite (unit, policy, integration against real PostgreSQL/Redis and moto)
test: setup system-deps
	$(RUN) pytest -n 2 --dist loadgroup

## test-fast: without the integration tests and the benchmark scripts' smoke runs
test-fast: setup
	$(RUN) pytest -m "not integration and not benchmark_harness" -n 2 --dist loadgroup

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

benchmark: setup system-deps
	$(RUN) python benchmarks/backup.py

## benchmark-review: review time for 10, 100 and 300 servers against Pulumi's bare mock floor
benchmark-review: setup
	$(RUN) python benchmarks/review.py $(ARGS)

## benchmark-gateway: latency and throughput the gateway adds (the lab, direct vs through it);
## ARGS="--rate 50 --json out/gateway-benchmark.json" passes options through
benchmark-gateway: setup system-deps
	$(RUN) python benchmarks/gateway.py $(ARGS)

## preview / up: the real deploy path (the Pulumi CLI and AWS credentials required); the CLI
## runs the policy pack in its own virtualenv, policy/venv, made here from its requirements
policy/venv/.installed: policy/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing policy/venv
	$(UV) pip install --quiet --python policy/venv/bin/python -r policy/requirements.txt
	@touch $@

pulumi-cli:
	@command -v pulumi >/dev/null 2>&1 || { echo "make $(MAKECMDGOALS) needs the Pulumi CLI" \
		"(curl -fsSL https://get.pulumi.com | sh) and AWS credentials: see README.md," \
		"Deploying for real. Without them, make review checks the same stack offline." >&2; \
		exit 1; }

preview: pulumi-cli policy/venv/.installed
	pulumi preview --stack $(STACK) --diff \
		--policy-pack policy --policy-pack-config policy/config/$(STACK).json

up: pulumi-cli policy/venv/.installed
	pulumi up --stack $(STACK) \
		--policy-pack policy --policy-pack-config policy/config/$(STACK).json
