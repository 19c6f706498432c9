"""The multi-host deployment, run: docker-compose.yml's services on 127.0.0.1 (tests/cluster.py),
with the CeleryExecutor, Airflow's metadata in Postgres, Redis as the broker, the DuckLake catalog
on the same Postgres server and two Celery workers that share only the compose file's volumes.
Against the bundled sample site, it shows that

  - the daily chain runs on the workers, its `process` batches on both, and loads what
    `newsflow run` loads;
  - a backfill of three days started through the REST API (what the UI's backfill form posts) ends
    with the same store as the same backfill on one machine (the LocalExecutor, as `make airflow-ui`);
  - a worker SIGKILLed in the middle of a batch loses nothing: the batch runs again on the other
    worker and every article is loaded once;
  - a Postgres restart in the middle of a run is survived, with no duplicate rows.

`make cluster-test` runs this module (marker `cluster`; `make test` leaves it out). The tests run in
order on one cluster, each starting from the store the one before left. Figures (wall times,
recovery times, who ran what) are printed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.airflow_procs import AIRFLOW, free_port, local_env, running, wait_until
from tests.airflow_rest import Airflow, now
from tests.cluster import Cluster, variables
from tests.conftest import query, write_sample_feeds

pytestmark = pytest.mark.cluster

WORKERS = ("airflow-worker-1", "airflow-worker-2")
#: Three days of the sample with articles published on them (pipeline/sample/site/README.md).
BACKFILL_DAYS = ("2026-02-24", "2026-02-26")
#: The newsflow settings of every run here (the `newsflow run` reference, the LocalExecutor and the
#: cluster): the sample site on 127.0.0.1, small batches so a run has several, short timeouts.
SAMPLE_SETTINGS = {
    "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1", "NEWSFLOW_PER_HOST_DELAY": "0", "NEWSFLOW_BATCH_SIZE": "4",
    "NEWSFLOW_DEADLINE": "2", "NEWSFLOW_READ_TIMEOUT": "2", "NEWSFLOW_FEED_BACKOFF": "0",
    "NEWSFLOW_RESPECT_FEED_HINTS": "false", "NEWSFLOW_EXTRACT_WORKERS": "1",
    "NEWSFLOW_TASK_RETRIES": "3", "NEWSFLOW_RETRY_DELAY": "5",
}
#: What the cluster test adds to the compose file's settings: the compose file leaves the feed list to the
#: operator and waits 5 minutes (Airflow's default) before it calls a silent task lost.
CLUSTER_ONLY = {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30"}
#: Slows each fetch (the `newsflow_settings` Variable), so a batch lasts long enough to be interrupted.
SLOW = json.dumps({"per_host_delay": 2.0})
FIGURES: dict[str, Any] = {}
EVER = datetime(2000, 1, 1, tzinfo=UTC)


# -- what a store holds --------------------------------------------------------------------------

def store(db: Path) -> dict[str, Any]:
    """What a run leaves in the store, by page name (the sample's pages are named for what they are)."""
    page = "regexp_extract(a.url, '[^/]+$')"
    return {
        "articles": query(db, f"SELECT {page}, a.extraction_status FROM articles a ORDER BY 1"),
        "classified": query(db, f"SELECT {page}, c.relevant FROM current_classifications c "
                                f"JOIN articles a USING (article_id) ORDER BY 1"),
        "counts": dict(zip(("articles", "urls", "classifications", "versions", "clusters"), query(db, """
            SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT url) FROM articles),
                   (SELECT count(*) FROM classifications), (SELECT count(*) FROM article_versions),
                   (SELECT count(DISTINCT cluster_id) FROM story_clusters)""")[0], strict=True)),
        "requests": query(db, "SELECT stage, status, count(*) FROM reprocess_requests "
                              "GROUP BY ALL ORDER BY ALL"),
    }


def no_duplicates(db: Path) -> None:
    keys = (("articles", "url"), ("articles", "article_id"),
            ("classifications", "article_id, classifier_version"), ("story_clusters", "article_id"),
            ("article_versions", "article_id, content_hash"))
    for table, key in keys:
        dupes = query(db, f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1")
        assert dupes == [], f"{table}: duplicate {key}: {dupes}"


# -- the three ways to run the sample ------------------------------------------------------------

@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    # outside pytest's own temp folders (mode 0700): the Postgres server runs as the `postgres` user
    path = Path(tempfile.mkdtemp(prefix="newsflow-cluster-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def feeds_file(folder: Path, sample_base: str) -> Path:
    return write_sample_feeds(folder, sample_base)


@pytest.fixture(scope="module")
def reference(folder: Path, feeds_file: Path) -> dict[str, Any]:
    """`newsflow run` over the sample, with the same settings."""
    where = folder / "reference"
    env = {**os.environ, **SAMPLE_SETTINGS, "NEWSFLOW_STAGING_DIR": str(where / "staging"),
           "NEWSFLOW_ARCHIVE_DIR": str(where / "archive")}
    subprocess.run([str(Path(sys.executable).parent / "newsflow"), "run", "--feeds", str(feeds_file),
                    "--db", str(where / "news.duckdb")], env=env, check=True, capture_output=True)
    return store(where / "news.duckdb")


@pytest.fixture(scope="module")
def local_executor(folder: Path, feeds_file: Path) -> dict[str, Any]:
    """The daily chain, then the three-day backfill, on one machine: the LocalExecutor with SQLite
    metadata and the scheduler, dag-processor, triggerer and api-server that `airflow standalone` runs."""
    where = folder / "local"
    port = free_port()
    env = local_env(where / "airflow", port, {
        **SAMPLE_SETTINGS, "NEWSFLOW_FEEDS_FILE": str(feeds_file), "NEWSFLOW_DB": str(where / "news.duckdb"),
        "NEWSFLOW_STAGING_DIR": str(where / "staging"), "NEWSFLOW_ARCHIVE_DIR": str(where / "archive")})
    for name, slots in (("newsflow_db", "1"), ("newsflow_backfill", "2")):
        subprocess.run([AIRFLOW, "pools", "set", name, slots, name], env=env, check=True, capture_output=True)
    base, logs = f"http://127.0.0.1:{port}", where / "logs"
    # on 127.0.0.1 only, and no log servers (they listen on every address, at fixed ports)
    env["AIRFLOW__API__HOST"] = "127.0.0.1"
    components = [["api-server", "--port", str(port)], ["scheduler", "--skip-serve-logs"], ["dag-processor"],
                  ["triggerer", "--skip-serve-logs"]]
    with running(components, env, logs):
        wait_until(lambda: Airflow.connect(base, "LocalExecutor").client.get(
            "/api/v2/dags/news_backfill").status_code == 200, 240, "LocalExecutor with the DAGs parsed", logs)
        airflow = Airflow.connect(base, "LocalExecutor")
        chain = daily_chain(airflow)
        after_chain = store(where / "news.duckdb")
        backfill_seconds = three_day_backfill(airflow)
        FIGURES["LocalExecutor: daily chain (s)"] = chain
        FIGURES["LocalExecutor: three-day backfill (s)"] = backfill_seconds
        return {"chain": after_chain, "backfill": store(where / "news.duckdb")}


@pytest.fixture(scope="module")
def cluster(folder: Path, feeds_file: Path, reference: dict[str, Any],
            local_executor: dict[str, Any]) -> Iterator[Cluster]:
    """The cluster, started once the references are made (so they run on a machine to themselves)."""
    secrets = variables()
    started = time.monotonic()
    running_cluster = Cluster(folder / "cluster", {**secrets, "NEWSFLOW_WORKER_CONCURRENCY": "2"},
                              {**SAMPLE_SETTINGS, **CLUSTER_ONLY, "NEWSFLOW_FEEDS_FILE": str(feeds_file)},
                              {"airflow-worker": len(WORKERS)})
    try:
        running_cluster.start()
        FIGURES["cluster: start, all services healthy (s)"] = round(time.monotonic() - started)
        yield running_cluster
    except BaseException:
        print(running_cluster.logs())
        raise
    finally:
        running_cluster.stop()
        print("\n".join(f"{k}: {v}" for k, v in FIGURES.items()))


@pytest.fixture(scope="module")
def api(cluster: Cluster) -> Airflow:
    airflow = Airflow.connect(cluster.api, "cluster", cluster.variables["AIRFLOW_ADMIN_PASSWORD"])
    wait_until(lambda: airflow.client.get("/api/v2/dags/news_backfill").status_code == 200, 180,
               "the cluster's DAGs parsed")
    return airflow


def daily_chain(airflow: Airflow) -> float:
    """Unpause the DAGs: news_ingest's run for the last day (it polls, the day being live) starts
    news_process, which starts news_report. Returns the seconds from the unpause to the report."""
    started, t0 = now(), time.monotonic()
    airflow.unpause_all()
    runs = airflow.settle(started, 600)
    assert [r["run_type"] for r in runs["news_ingest"]] == ["scheduled"]
    assert len(runs["news_process"]) == len(runs["news_report"]) == 1
    return round(time.monotonic() - t0, 1)


def three_day_backfill(airflow: Airflow) -> float:
    started, t0 = now(), time.monotonic()
    backfill = airflow.backfill("news_ingest", *BACKFILL_DAYS)
    wait_until(lambda: airflow.backfill_done(backfill), 600, f"{airflow.what}: end of backfill {backfill}")
    airflow.settle(started, 600)
    return round(time.monotonic() - t0, 1)


def running_batch(airflow: Airflow, dag: str, run_id: str) -> dict[str, Any] | None:
    batches = airflow.task_instances(dag, run_id, "process")
    return next((b for b in batches if b["state"] == "running" and b["hostname"] in WORKERS), None)


# -- the tests -------------------------------------------------------------------------------------

def test_every_service_of_the_compose_file_runs_and_passes_its_health_check(cluster):
    for name, service in cluster.plan.items():
        if service.restart == "no":  # airflow-init: ran once, to completion (the start waited for it)
            assert cluster.processes[name].popen.returncode == 0
            continue
        for instance in service.instances():
            check = cluster.health_check(service, instance)
            assert check.returncode == 0, (instance, check.stdout, check.stderr)
    workers = [p for p in cluster.processes if p.startswith("airflow-worker-")]
    assert workers == list(WORKERS)
    # the workers work in folders of their own, and reach the same data volume
    homes = {cluster.env_of(w)["AIRFLOW_HOME"] for w in WORKERS}
    assert len(homes) == 2
    assert len({cluster.env_of(w)["NEWSFLOW_DB"] for w in WORKERS}) == 1


def test_the_daily_chain_runs_on_both_workers_and_loads_what_newsflow_run_loads(cluster, api, reference,
                                                                                local_executor):
    seconds = daily_chain(api)
    FIGURES["cluster: daily chain (s)"] = seconds
    run = api.runs("news_process", EVER)[-1]
    batches = api.task_instances("news_process", run["dag_run_id"], "process")
    ran_on = {b["map_index"]: b["hostname"] for b in batches}
    FIGURES["cluster: process batch -> worker"] = ran_on
    assert len(batches) >= 4 and all(b["state"] == "success" for b in batches)
    assert set(ran_on.values()) == set(WORKERS), f"the batches ran on {ran_on}"
    for task in ("begin", "ingest", "announce"):
        assert api.task_instances("news_ingest", api.runs("news_ingest", EVER)[-1]["dag_run_id"],
                                  task)[0]["hostname"] in WORKERS
    db = cluster.data("/data/newsflow.duckdb")
    got = store(db)
    assert got == reference, "the cluster's store differs from newsflow run's"
    assert got == local_executor["chain"]
    no_duplicates(db)
    # the analysts' DuckLake was published with its catalog on the Postgres server, its files on the volume
    import psycopg2  # the cluster extra

    with psycopg2.connect(cluster.postgres_dsn("newsflow_lake")) as con, con.cursor() as cur:
        cur.execute("SELECT count(*) FROM ducklake_snapshot")
        assert cur.fetchone()[0] >= 1
    assert not any(cluster.data("/data").glob("*.lake.sqlite"))
    assert any(cluster.data("/data/newsflow.lake").rglob("*.parquet"))


def test_a_three_day_backfill_through_the_rest_api_ends_as_on_the_local_executor(cluster, api,
                                                                                 local_executor):
    FIGURES["cluster: three-day backfill (s)"] = three_day_backfill(api)
    got = store(cluster.data("/data/newsflow.duckdb"))
    assert got["requests"], "the backfill queued no reprocessing"
    assert got == local_executor["backfill"]
    no_duplicates(cluster.data("/data/newsflow.duckdb"))


def test_a_worker_killed_mid_batch_loses_nothing(cluster, api, reference):
    db = cluster.data("/data/newsflow.duckdb")
    before = store(db)
    api.set_variable("newsflow_settings", SLOW)
    started = now()
    run_id = api.trigger("news_backfill", {"start": "2026-01-01", "end": "2026-03-31", "stage": "re-fetch"})
    victim: dict[str, Any] = {}
    wait_until(lambda: victim.update(running_batch(api, "news_backfill", run_id) or {}) or victim, 300,
               "a running process batch")
    time.sleep(2)  # well inside the batch: four slowed fetches take at least 6 s
    killed_at = time.monotonic()
    cluster.kill(victim["hostname"])
    survivor = next(w for w in WORKERS if w != victim["hostname"])
    runs = api.settle(started, 900)
    tries = api.tries("news_backfill", run_id, "process", victim["map_index"])
    FIGURES["kill: batch retried and run finished after (s)"] = round(time.monotonic() - killed_at)
    FIGURES["kill: tries of the killed batch"] = [(t["try_number"], t["hostname"], t["state"]) for t in tries]
    api.delete_variable("newsflow_settings")
    cluster.revive(victim["hostname"])
    assert tries[0]["hostname"] == victim["hostname"] and tries[0]["state"] != "success"
    assert tries[-1]["hostname"] == survivor and tries[-1]["state"] == "success"
    loaded = api.xcom("news_backfill", run_id, "load")
    assert loaded["batches"] == loaded["planned"] >= 4
    assert [r["state"] for r in runs["news_backfill"]] == ["success"]
    after = store(db)
    assert after["articles"] == before["articles"] == reference["articles"]
    assert after["counts"]["articles"] == reference["counts"]["articles"]
    assert after["counts"]["versions"] == before["counts"]["versions"], "the same text is no new version"
    no_duplicates(db)


def test_a_postgres_restart_mid_run_is_survived(cluster, api, reference):
    db = cluster.data("/data/newsflow.duckdb")
    before = store(db)
    worker = cluster.plan["airflow-worker"]
    wait_until(lambda: all(cluster.health_check(worker, w).returncode == 0 for w in WORKERS), 180,
               "both workers healthy again")
    api.set_variable("newsflow_settings", SLOW)
    started = now()
    run_id = api.trigger("news_backfill", {"start": "2026-01-01", "end": "2026-03-31", "stage": "re-fetch"})
    wait_until(lambda: running_batch(api, "news_backfill", run_id), 300, "a running process batch")
    restarted_at = time.monotonic()
    cluster.restart_postgres(down_seconds=5)
    runs = api.settle(started, 900)
    FIGURES["postgres restart: run finished after (s)"] = round(time.monotonic() - restarted_at)
    FIGURES["postgres restart: services restarted by their policy"] = {
        p.instance: p.restarts for p in cluster.processes.values() if p.restarts}
    api.delete_variable("newsflow_settings")
    assert [r["state"] for r in runs["news_backfill"]] == ["success"]
    loaded = api.xcom("news_backfill", run_id, "load")
    assert loaded["batches"] == loaded["planned"]
    after = store(db)
    assert after["articles"] == before["articles"] == reference["articles"]
    assert after["counts"] == before["counts"]
    no_duplicates(db)


