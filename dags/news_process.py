"""
### news_process — fetch, extract, classify and load what ingest found

Runs whenever the **`newsflow_entries`** asset is updated: by `news_ingest`, by the **feed
watcher** in the triggerer when feeds show new entries (this run then polls those feeds), or by an
outside system posting an asset event through Airflow's REST API (see the README). One run at a
time: events that arrive during a run start one run together after it. A run waits (at most
`process_settle_max`) while news_ingest runs are active, so a backfill of N days is worked off by
one or two runs, not N. It processes every page
still to fetch and every queued reprocessing request, in batches of `batch_size` pages mapped over
parallel tasks (never one task per article), then loads them with a single writer and updates the
**`newsflow_articles`** asset, which starts `news_report`.

An event's `extra` (or a manual run's conf) may ask for reprocessing as well:
`{"since": "2026-03-01", "until": "2026-03-04", "stage": "re-extract", "sources": ["bbc-world"]}`.

| task | what it does |
|---|---|
| `begin` | records the run in `pipeline_runs` |
| `plan` | waits out ingest runs; polls the feeds the watcher saw change; cuts pages and requests in batches |
| `process` | one mapped task per batch: fetch (or read stored pages), extract, classify → staging Parquet |
| `load` | the single writer (pool `newsflow_db`): loads every staged batch, each in one transaction |
| `cluster` | groups near-duplicates into stories over the recent window |
| `finish` | closes the requests, records counts and status, updates `newsflow_articles` |
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import dag, get_current_context, task
from newsflow_tasks import (
    ARTICLES,
    DAG_DEFAULTS,
    ENTRIES,
    begin,
    cluster,
    fail_fast,
    finish_run,
    load,
    planned,
    process,
    settings,
)

log = logging.getLogger(__name__)


@dag(
    dag_id="news_process",
    schedule=[ENTRIES],
    **DAG_DEFAULTS,
    tags=["newsflow", "process"],
    doc_md=__doc__,
)
def news_process() -> None:
    @task(inlets=[ENTRIES])
    @fail_fast
    def plan(run: str) -> list[dict[str, Any]]:
        from pipeline import intervals

        cfg, context = settings(), get_current_context()
        ingesting = lambda: context["ti"].get_dr_count("news_ingest", states=["queued", "running"])  # noqa: E731
        waited = intervals.settle(ingesting, cfg.process_settle_max)
        if waited > 1:
            log.info("waited %.0f s for running news_ingest runs (a backfill) to finish", waited)
        events = context.get("triggering_asset_events") or {}
        asks = [dict(e.extra or {}) for evs in events.values() for e in evs]
        # watcher events held while the previous run was active but after this run's trigger time
        # are not in its triggering events (Airflow keeps the first queued time): take their feeds
        since = context["dag_run"].run_after.isoformat()
        try:
            held = [dict(e.extra or {}) for e in context["inlet_events"][ENTRIES].after(since)]
        except Exception as exc:  # e.g. apache/airflow#71360: a run they started is still queued
            log.warning("could not read the newsflow_entries events since %s (%s); polling every "
                        "watched feed instead", since, exc)
            held = [intervals.every_watched_feed(cfg)]
        asks += [extra for extra in held if intervals.watched_feeds([extra])]
        return planned(intervals.plan_processing(cfg, run, [*asks, context["dag_run"].conf or {}]))

    @task(outlets=[ARTICLES])
    def finish(run: str, loaded: dict[str, Any] | None, clustered: dict[str, int] | None) -> dict[str, Any]:
        from pipeline import backfill

        if loaded is not None and loaded["batches"] == loaded["planned"]:
            backfill.close(settings(), run)
        return finish_run(run, {"cluster": clustered}, loaded,
                          {"stories": (clustered or {}).get("stories", 0)}, announce=ARTICLES)

    run = begin()
    batches = plan(run)
    loaded = load(run)
    process.expand(batch=batches) >> loaded
    clustered = cluster(loaded)
    finish.override(trigger_rule="all_done", on_failure_callback=None)(run, loaded, clustered)


news_process()
