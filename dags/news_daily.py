"""
### news_daily — the whole chain once a day

Polls every enabled feed, fetches the pages of new entries, extracts their text, classifies them
against the seed topics and loads the results into DuckDB.

| task | what it does |
|---|---|
| `begin` | migrates the database, syncs feeds and topics, records the run in `pipeline_runs` |
| `poll` | polls the feeds; a failed feed is recorded in `feed_polls` and `errors`, the run goes on |
| `plan` | cuts the pages still to fetch into batches (`NEWSFLOW_BATCH_SIZE`) |
| `process` | one mapped task per batch: fetch, extract, classify; writes a staging batch, no DB |
| `load` | the single writer: loads every staged batch, each in one transaction |
| `cluster` | groups near-duplicate articles of the last `NEWSFLOW_CLUSTER_DAYS` into stories |
| `finish` | records counts, time per stage and the run's status |

Settings come from `NEWSFLOW_*` environment variables (`NEWSFLOW_DB`, `NEWSFLOW_FEEDS_FILE`, ...).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

DEFAULT_ARGS = {
    "owner": "newsflow",
    "retries": int(os.environ.get("NEWSFLOW_TASK_RETRIES", "2")),
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(hours=2),
}


@dag(
    dag_id="news_daily",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow", "ingest"],
    doc_md=__doc__,
)
def news_daily() -> None:
    @task
    def begin() -> str:
        from pipeline import run as chain
        from pipeline.config import Settings
        from pipeline.sources import load_feeds

        settings = Settings.from_env()
        run = f"airflow-{get_current_context()['run_id']}"
        chain.begin(settings, load_feeds(settings.feeds_file), run, "airflow:news_daily")
        return run

    @task
    def poll(run: str) -> dict[str, int]:
        from pipeline import run as chain
        from pipeline.config import Settings
        from pipeline.sources import load_feeds

        settings = Settings.from_env()
        return chain.poll_counts(*chain.poll_step(settings, load_feeds(settings.feeds_file), run))

    @task
    def plan(run: str, polled: dict[str, int]) -> list[dict[str, Any]]:
        from pipeline import run as chain
        from pipeline.config import Settings

        batches = chain.plan(Settings.from_env())
        return [{"run": run, "index": i, "tasks": chain.tasks_to_json(b)}
                for i, b in enumerate(batches)]

    @task(max_active_tis_per_dagrun=4)
    def process(batch: dict[str, Any]) -> str:
        from pipeline import run as chain
        from pipeline.config import Settings

        settings = Settings.from_env()
        result = chain.process_batch(settings, chain.tasks_from_json(batch["tasks"]),
                                     batch["run"])
        return str(chain.stage_batch(settings, batch["run"], batch["index"], result))

    @task(trigger_rule="all_done")
    def load(run: str, staged: list[str] | None) -> dict[str, Any]:
        from pipeline import run as chain
        from pipeline.config import Settings

        loaded = chain.load_staged(Settings.from_env(), run)
        return {"counts": dict(loaded.counts), "stage_seconds": loaded.stage_seconds}

    @task
    def cluster(loaded: dict[str, Any]) -> dict[str, int]:
        from pipeline import run as chain
        from pipeline.config import Settings

        settings = Settings.from_env()
        return chain.cluster_step(settings, since=chain.default_cluster_window(settings))

    @task(trigger_rule="all_done")
    def finish(run: str, polled: dict[str, int] | None, loaded: dict[str, Any] | None) -> None:
        from pipeline import run as chain
        from pipeline.config import Settings

        summary = chain.RunSummary(run)
        summary.counts.update(polled or {})
        summary.counts.update((loaded or {}).get("counts", {}))
        summary.split_topics()
        summary.stage_seconds = (loaded or {}).get("stage_seconds", {})
        summary.status = "success" if polled is not None and loaded is not None else "failed"
        chain.finish(Settings.from_env(), summary)
        if summary.status == "failed":
            raise RuntimeError(f"run {run} failed: see the failed tasks above")

    run = begin()
    polled = poll(run)
    staged = process.expand(batch=plan(run, polled))
    loaded = load(run, staged)
    clustered = cluster(loaded)
    clustered >> finish(run, polled, loaded)


news_daily()
