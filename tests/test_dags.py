"""The DAGs import cleanly and run the same chain under Airflow (dag.test(), real SQLite metadata)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import counts, query

DAGS = Path(__file__).resolve().parent.parent / "dags"


def test_every_dag_imports_without_errors_and_has_docs_tags_and_owner(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS))
    assert bag.import_errors == {}
    assert "news_daily" in bag.dags
    for dag in bag.dags.values():
        assert dag.doc_md and dag.tags
        assert all(t.owner == "newsflow" for t in dag.tasks)


def test_a_dag_file_does_no_io_and_imports_fast():
    # a fresh interpreter: Airflow's own import is paid once, the DAG file must add little to it
    code = ("import time, airflow.sdk; t = time.perf_counter(); "
            "import runpy; runpy.run_path(%r); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code % str(DAGS / "news_daily.py")],
                         check=True, capture_output=True, text=True)
    assert float(out.stdout.strip().splitlines()[-1]) < 1.0
    # the pipeline package (and duckdb, trafilatura) are imported inside tasks only
    code = ("import sys, runpy; runpy.run_path(%r); "
            "print(any(m.startswith(('pipeline', 'duckdb', 'trafilatura')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code % str(DAGS / "news_daily.py")],
                         check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.fixture
def newsflow_env(monkeypatch, settings, sample_feeds_file):
    monkeypatch.setenv("NEWSFLOW_DB", str(settings.db))
    monkeypatch.setenv("NEWSFLOW_FEEDS_FILE", str(sample_feeds_file))
    monkeypatch.setenv("NEWSFLOW_STAGING_DIR", str(settings.staging_dir))
    monkeypatch.setenv("NEWSFLOW_READ_TIMEOUT", "2")
    monkeypatch.setenv("NEWSFLOW_DEADLINE", "2")
    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "4")
    return settings


def test_news_daily_runs_the_chain_in_batches_under_dag_test(airflow_db, newsflow_env):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(str(DAGS)).dags["news_daily"]
    started = time.time()
    dr = dag.test()
    assert dr.state == "success", f"run state {dr.state} after {time.time() - started:.0f}s"
    db = newsflow_env.db
    on_topic = query(db, "SELECT count(*) FROM current_classifications WHERE relevant")[0][0]
    assert on_topic == 7
    tis = {ti.task_id: ti for ti in dr.get_task_instances()}
    mapped = [ti for ti in dr.get_task_instances() if ti.task_id == "process"]
    assert len(mapped) >= 4  # batches of 4 pages, never one task per page
    assert all(ti.state == "success" for ti in tis.values())
    run = query(db, "SELECT trigger, status, on_topic FROM pipeline_runs")
    assert run == [("airflow:news_daily", "success", 7)]
    before = counts(db)
    assert dag.test().state == "success"
    assert counts(db) == before
    assert not any(newsflow_env.staging_dir.rglob("*.parquet"))
