"""The DAGs import cleanly and run the chain under Airflow (dag.test(), real SQLite metadata):
news_ingest → (asset newsflow_entries) → news_process → (asset newsflow_articles) → news_report,
and news_backfill from its trigger form."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import counts, query

DAGS = Path(__file__).resolve().parent.parent / "dags"
CHAIN = ("news_ingest", "news_process", "news_report", "news_backfill")


@pytest.fixture(scope="module")
def bag(airflow_db):
    # as the dag processor parses it: the bundle's folder is importable (for newsflow_tasks.py)
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")


def test_every_dag_imports_without_errors_and_has_docs_tags_and_owner(bag):
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted(CHAIN)
    for dag in bag.dags.values():
        assert dag.doc_md and dag.tags
        assert all(t.owner == "newsflow" for t in dag.tasks)


def test_the_dags_form_an_asset_chain(bag):
    def uris(condition):
        return {a.uri for a in condition.objects}

    assert bag.dags["news_ingest"].timetable.expression == "0 6 * * *"
    assert uris(bag.dags["news_process"].timetable.asset_condition) == {"newsflow://duckdb/entries"}
    assert uris(bag.dags["news_report"].timetable.asset_condition) == {"newsflow://duckdb/articles"}
    outlets = {d: {o.uri for t in bag.dags[d].tasks for o in t.outlets} for d in CHAIN}
    assert outlets["news_ingest"] == {"newsflow://duckdb/entries"}
    assert outlets["news_process"] == outlets["news_backfill"] == {"newsflow://duckdb/articles"}
    for dag_id in ("news_ingest", "news_process", "news_backfill"):
        assert bag.dags[dag_id].max_active_runs == 1
        loads = [t for t in bag.dags[dag_id].tasks if t.task_id == "load"]
        assert all(t.pool == "newsflow_db" for t in loads)
    assert bag.dags["news_backfill"].get_task("process").pool == "newsflow_backfill"


@pytest.mark.parametrize("dag_file", [f"{d}.py" for d in CHAIN])
def test_a_dag_file_does_no_io_and_imports_fast(dag_file):
    # a fresh interpreter: Airflow's own import is paid once, the DAG file must add little to it;
    # the pipeline package (and duckdb, trafilatura) are imported inside tasks only
    code = ("import sys, time, airflow.sdk; sys.path.insert(0, %r); t = time.perf_counter(); "
            "import runpy; runpy.run_path(%r); print(time.perf_counter() - t); "
            "print(any(m.startswith(('pipeline', 'duckdb', 'trafilatura')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code % (str(DAGS), str(DAGS / dag_file))],
                         check=True, capture_output=True, text=True)
    took, heavy = out.stdout.strip().splitlines()[-2:]
    assert float(took) < 1.0
    assert heavy == "False"


@pytest.fixture
def newsflow_env(monkeypatch, settings, sample_feeds_file):
    monkeypatch.setenv("NEWSFLOW_DB", str(settings.db))
    monkeypatch.setenv("NEWSFLOW_FEEDS_FILE", str(sample_feeds_file))
    monkeypatch.setenv("NEWSFLOW_STAGING_DIR", str(settings.staging_dir))
    monkeypatch.setenv("NEWSFLOW_READ_TIMEOUT", "2")
    monkeypatch.setenv("NEWSFLOW_DEADLINE", "2")
    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "4")
    return settings


def test_the_asset_chain_loads_the_sample_under_dag_test(bag, newsflow_env):
    db = newsflow_env.db
    ingest = bag.dags["news_ingest"].test()
    assert ingest.state == "success"
    assert query(db, "SELECT count(*) FROM articles")[0][0] == 0  # ingest only polls
    process = bag.dags["news_process"].test()
    assert process.state == "success"
    assert query(db, "SELECT count(*) FROM current_classifications WHERE relevant")[0][0] == 7
    mapped = [ti for ti in process.get_task_instances() if ti.task_id == "process"]
    assert len(mapped) >= 4  # batches of 4 pages, never one task per page
    assert all(ti.state == "success" for ti in process.get_task_instances())
    runs = dict(query(db, "SELECT trigger, status FROM pipeline_runs"))
    assert runs == {"airflow:news_ingest": "success", "airflow:news_process": "success"}
    report = bag.dags["news_report"].test()
    assert report.state == "success"
    # a second pass finds nothing new and changes nothing
    before = counts(db)
    assert bag.dags["news_ingest"].test().state == "success"
    assert bag.dags["news_process"].test().state == "success"
    assert counts(db) == before
    assert not any(newsflow_env.staging_dir.rglob("*.parquet"))
