"""The operator's paths against a real Airflow: an api-server, a scheduler and a dag-processor
with the LocalExecutor on 127.0.0.1 (their own home and SQLite metadata), as `make airflow-ui`
runs them. A manual run of news_ingest, which Airflow 3 starts with no logical date, polls now:
triggered through the REST API (what the UI's Trigger button posts) and with `airflow dags
trigger`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.airflow_procs import AIRFLOW, free_port, local_env, newsflow_in, running, wait_until
from tests.conftest import query


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory, sample_base: str) -> Iterator[tuple[str, dict, Path]]:
    """(API base URL, environment, DuckDB file) of a running Airflow with the project's DAGs."""
    import yaml

    from pipeline.sample.server import FEEDS

    folder = tmp_path_factory.mktemp("operator")
    feeds = yaml.safe_load(FEEDS.read_text(encoding="utf-8"))
    for feed in feeds["feeds"]:
        feed["url"] = feed["url"].replace("{base}", sample_base)
    (folder / "feeds.yaml").write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
    port = free_port()
    env = local_env(folder / "airflow", port, {
        **newsflow_in(folder), "NEWSFLOW_BATCH_SIZE": "4",
        "NEWSFLOW_DEADLINE": "2", "NEWSFLOW_READ_TIMEOUT": "2", "NEWSFLOW_TASK_RETRIES": "0",
        "NEWSFLOW_FEED_BACKOFF": "0", "NEWSFLOW_RESPECT_FEED_HINTS": "false",
    })
    base, logs = f"http://127.0.0.1:{port}", folder / "logs"
    with running([["api-server", "--port", str(port)], ["scheduler"], ["dag-processor"]], env, logs):
        wait_until(lambda: httpx.get(f"{base}/api/v2/dags/news_ingest", timeout=5).status_code == 200,
                   180, "api-server answering with news_ingest parsed", logs)
        yield base, env, folder / "news.duckdb"


def finished(base: str, run_id: str) -> str | None:
    state = httpx.get(f"{base}/api/v2/dags/news_ingest/dagRuns/{run_id}", timeout=5).json()["state"]
    return state if state in ("success", "failed") else None


def test_a_manual_run_polls_now_from_the_rest_api_and_the_cli(airflow):
    base, env, db = airflow
    assert httpx.patch(f"{base}/api/v2/dags/news_ingest", json={"is_paused": False}).status_code == 200
    # the UI's Trigger button and the README's curl: logical_date null
    posted = httpx.post(f"{base}/api/v2/dags/news_ingest/dagRuns", json={"logical_date": None})
    assert posted.status_code == 200, posted.text
    run_id = posted.json()["dag_run_id"]
    assert posted.json()["logical_date"] is None
    wait_until(lambda: finished(base, run_id), 300, f"end of {run_id}")
    assert finished(base, run_id) == "success"
    # `airflow dags trigger` starts a run with no logical date too
    cli = subprocess.run([AIRFLOW, "dags", "trigger", "news_ingest", "-o", "json"], env=env,
                         capture_output=True, text=True, check=True)
    runs = httpx.get(f"{base}/api/v2/dags/news_ingest/dagRuns",
                     params={"run_type": "manual", "order_by": "-run_after"}).json()["dag_runs"]
    manual = [r["dag_run_id"] for r in runs if r["dag_run_id"] != run_id]
    assert manual, cli.stdout
    wait_until(lambda: finished(base, manual[0]), 300, f"end of {manual[0]}")
    assert finished(base, manual[0]) == "success"
    # both polled the feeds (neither queued a reprocessing of an interval)
    polled = query(db, "SELECT count(DISTINCT run_id) FROM feed_polls "
                       "WHERE run_id LIKE 'news_ingest:manual%'")
    assert polled == [(2,)]
    assert query(db, "SELECT count(*) FROM reprocess_requests") == [(0,)]


def status_of(db: Path, run: str) -> str | None:
    """The run's status in pipeline_runs; None while a task holds the file (or no file, table or
    row yet)."""
    try:
        rows = query(db, "SELECT status FROM pipeline_runs WHERE run_id = ?", [run])
    except (duckdb.IOException, duckdb.CatalogException):
        return None
    return rows[0][0] if rows else None


def test_a_run_marked_failed_in_airflow_while_it_runs_is_recorded_failed(airflow):
    """Airflow calls no task callback when an operator marks a run failed: the listener plugin
    (plugins/newsflow_runs.py) gives the row, still `running`, Airflow's verdict and why, in the
    database the run's tasks write to (here one the `newsflow_settings` Variable named when the run
    began, though it names another by then)."""
    base, env, default_db = airflow
    db = default_db.with_name("variable.duckdb")
    assert httpx.patch(f"{base}/api/v2/dags/news_ingest", json={"is_paused": False}).status_code == 200
    # the sample's slow feed (a byte a second) holds the poll for a minute
    slow = {"key": "newsflow_settings",
            "value": json.dumps({"deadline": 60, "read_timeout": 60, "db": str(db)})}
    assert httpx.post(f"{base}/api/v2/variables", json=slow).status_code in (200, 201)
    try:
        posted = httpx.post(f"{base}/api/v2/dags/news_ingest/dagRuns", json={"logical_date": None})
        assert posted.status_code == 200, posted.text
        run_id = posted.json()["dag_run_id"]
        row = f"news_ingest:{run_id}"
        wait_until(lambda: status_of(db, row) == "running", 120, f"{row} recorded running")
        # the Variable moved on to another database while the run goes on: the row is still the
        # run's own, in the database its begin was given
        moved = {"key": "newsflow_settings", "value": json.dumps({"db": str(db.with_name("moved.duckdb"))})}
        assert httpx.patch(f"{base}/api/v2/variables/newsflow_settings", json=moved).status_code == 200
        marked = httpx.patch(f"{base}/api/v2/dags/news_ingest/dagRuns/{run_id}", json={"state": "failed"})
        assert marked.status_code == 200, marked.text
        wait_until(lambda: status_of(db, row) not in (None, "running"), 60, f"{row} recorded as ended")
        (status, finished_at, error), = query(db, "SELECT status, finished_at, error FROM pipeline_runs "
                                                  "WHERE run_id = ?", [row])
        assert status == "failed" and finished_at is not None
        assert error.startswith("marked failed in Airflow while running: Dag Run's state was manually set")
        wait_until(lambda: finished(base, run_id), 120, f"end of {run_id}")
        assert finished(base, run_id) == "failed"
    finally:
        httpx.delete(f"{base}/api/v2/variables/newsflow_settings")
