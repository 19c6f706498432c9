#!/usr/bin/env bash
# Start Airflow 3 `standalone` on this machine with the project's DAGs: `make airflow-ui` calls this.
#
# What it sets up (every value can be overridden from the environment):
#   AIRFLOW_HOME      .airflow/ in the repository (git-ignored): SQLite metadata, logs, airflow.cfg,
#                     the generated admin password
#   DAGs / plugins    the repository's dags/ and plugins/; no example DAGs
#   UI                http://localhost:${NEWSFLOW_AIRFLOW_PORT:-8080}, bound to 127.0.0.1
#   pools             newsflow_db (1 slot: the single DuckDB writer), newsflow_backfill (2 slots)
#   NEWSFLOW_*        the DuckDB file, staging area and raw archive under data/
# Stop it with Ctrl-C: standalone shuts its scheduler, dag-processor, triggerer and api-server down.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PORT="${NEWSFLOW_AIRFLOW_PORT:-8080}"

if [[ ! -x "$BIN/airflow" ]]; then
    echo "airflow-standalone: $BIN/airflow not found; build the environment first (make env)" >&2
    exit 2
fi
# standalone starts its components as `airflow ...` subprocesses: they must find the project's airflow
export PATH="$BIN:$PATH"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$ROOT/dags}"
export AIRFLOW__CORE__PLUGINS_FOLDER="${AIRFLOW__CORE__PLUGINS_FOLDER:-$ROOT/plugins}"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://localhost:$PORT}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://localhost:$PORT/execution/}"
# The scheduler's and triggerer's log servers move with the UI's port (8793 and 8794 beside 8080,
# Airflow's defaults), so two instances on one machine do not collide. Airflow binds them to
# every interface (not configurable); they serve a log only to a request signed with this
# instance's secret key.
export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="${AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT:-$((PORT + 713))}"
export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="${AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT:-$((PORT + 714))}"
# SQLite metadata: wait up to a minute for its lock rather than 5 s (plugins/newsflow_sqlite.py)
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS:-newsflow_sqlite.CONNECT_ARGS}"

export NEWSFLOW_DB="${NEWSFLOW_DB:-$ROOT/data/newsflow.duckdb}"
export NEWSFLOW_STAGING_DIR="${NEWSFLOW_STAGING_DIR:-$ROOT/data/staging}"
export NEWSFLOW_ARCHIVE_DIR="${NEWSFLOW_ARCHIVE_DIR:-$ROOT/data/archive}"
export NEWSFLOW_FEEDS_FILE="${NEWSFLOW_FEEDS_FILE:-$ROOT/config/feeds.yaml}"

# Refuse early, with the reason, rather than let the api-server die in the middle of standalone's output.
if "$BIN/python" - "$PORT" <<'EOF'
import socket, sys
with socket.socket() as s:
    s.settimeout(1)
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
then
    echo "airflow-standalone: port $PORT is already in use; stop what listens there or set NEWSFLOW_AIRFLOW_PORT" >&2
    exit 2
fi

mkdir -p "$AIRFLOW_HOME" "$ROOT/data" "$NEWSFLOW_STAGING_DIR" "$NEWSFLOW_ARCHIVE_DIR"

echo "airflow-standalone: AIRFLOW_HOME=$AIRFLOW_HOME, DAGs from $AIRFLOW__CORE__DAGS_FOLDER"
airflow db migrate >/dev/null
airflow pools set newsflow_db 1 "the single DuckDB writer: one load at a time" >/dev/null
airflow pools set newsflow_backfill 2 "backfill batches, so a large backfill leaves slots to the daily run" \
    >/dev/null
airflow pools list

# SimpleAuthManager (forced by standalone) creates the admin user and writes its generated password to this
# file on first start; later starts reuse it.
# (Airflow's defaults; set the two variables to change them.)
PASSWORDS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated}"
USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"

# Print how to log in once the UI answers. This watcher runs beside standalone (which replaces this shell
# below, keeping its process id, $$) and ends with it.
(
    health="http://localhost:$PORT/api/v2/monitor/health"
    until "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
            "$health" 2>/dev/null; do
        kill -0 $$ 2>/dev/null || exit 0
        sleep 2
    done
    echo
    echo "================================================================================"
    echo " newsflow: the Airflow UI is at http://localhost:$PORT"
    echo " log in as '${USERS%%:*}' (users as name:role: $USERS); passwords are in"
    echo "   $PASSWORDS"
    [[ -f "$PASSWORDS" ]] && echo "   $(cat "$PASSWORDS")"
    echo " DAGs are paused when first seen: unpause them in the UI. Stop with Ctrl-C."
    echo "================================================================================"
) &

exec airflow standalone
