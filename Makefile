# newsflow — the commands a newcomer needs:
#   make demo   build the environment from uv.lock, run the pipeline on the bundled sample
#   make test   build the environment, lint, type-check and run the tests
#   make airflow-ui   Airflow standalone with the project's DAGs on http://localhost:8080
#   make cluster-test the docker-compose cluster (CeleryExecutor, Postgres, Redis, two workers) run and
#                     tested on 127.0.0.1; installs Postgres and Redis with apt if they are missing
# The environment lives in .venv/; uv itself is installed into .tools/ if it is not on PATH.

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: demo test lint typecheck unit airflow-ui clean env bench bench-latency cluster-test

env: $(VENV)/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

demo: env
	$(BIN)/newsflow demo

lint: env
	$(BIN)/ruff check pipeline dags plugins tests
	$(BIN)/mypy pipeline

unit: env
	$(BIN)/pytest

test: lint unit

# The `cluster` extra (Celery, the Postgres drivers) is synced into the same .venv; `make test` works with or
# without it, and a later `make env` that re-syncs drops it until the next cluster-test.
cluster-test: env
	scripts/cluster-deps.sh
	$(UV) sync --frozen --extra cluster --python $(PYTHON)
	$(BIN)/pytest -m cluster -s tests/test_cluster.py

# Benchmarks (not tests): each prints a table and writes bench/results/<name>.json.
BENCHES := extract feed load backfill classify dedup airflow compact
bench: env
	for b in $(BENCHES); do $(BIN)/python bench/$${b}_bench.py || exit 1; done
	$(BIN)/python bench/extract_quality.py

# The feed watcher's latency under `airflow standalone` (about an hour; --quick: about 25 minutes).
bench-latency: env
	$(BIN)/python bench/latency_bench.py

airflow-ui: env
	scripts/airflow-standalone.sh

clean:
	rm -rf $(VENV) .tools data/demo.duckdb .airflow
