"""
### news_ingest — poll the feeds, announce what is new

Scheduled daily (06:00 UTC; set `NEWSFLOW_INGEST_SCHEDULE` to another cron, e.g. `0 * * * *` for
hourly). Polls every enabled feed; a failed feed is recorded in `feed_polls` and `errors` and the
run goes on. It ends by updating the **`newsflow_entries`** asset; the event's `extra` carries what
the poll found (feeds ok/failed, entries seen/new, pages pending and the batches they make), and
that event starts **news_process**.

**Manual runs** (the UI's Trigger, `airflow dags trigger`, the REST API), which Airflow 3 starts
with no logical date and so no data interval, poll now.

**Backfills.** A run for a past data interval (Airflow's own backfill of this DAG over a date range,
or a catch-up run) does not poll: it queues the articles published in its interval for
reprocessing (`reprocess_requests`, stage from `NEWSFLOW_BACKFILL_STAGE`, default `re-extract`,
which reads the stored raw pages instead of fetching), and `news_process` works the queue off.

| task | what it does |
|---|---|
| `begin` | migrates the database, syncs feeds and topics, records the run in `pipeline_runs` |
| `ingest` | polls the feeds — or, for a past interval, queues its reprocessing |
| `announce` | records the run's counts; updates `newsflow_entries` with them |
"""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from newsflow_tasks import DAG_DEFAULTS, ENTRIES, begin, fail_fast, finish_run, settings


@dag(
    dag_id="news_ingest",
    schedule=CronDataIntervalTimetable(os.environ.get("NEWSFLOW_INGEST_SCHEDULE", "0 6 * * *"),
                                       timezone="UTC"),
    **DAG_DEFAULTS,
    tags=["newsflow", "ingest"],
    doc_md=__doc__,
)
def news_ingest() -> None:
    @task
    @fail_fast
    def ingest(run: str) -> dict[str, Any]:
        from pipeline import intervals
        from pipeline.errors import ConfigError

        context = get_current_context()
        asked = sorted(context["dag_run"].conf or {})
        if asked:  # it has nothing to take them: a mistaken run, said so, not a plain poll
            raise ConfigError(f"news_ingest takes no conf (got {', '.join(asked)}): to reprocess a window, "
                              "trigger news_process with since/until, or news_backfill's form")
        # a manual run triggered with no logical date (Airflow 3's default) has no data
        # interval: it polls now, like a live scheduled run
        return intervals.ingest(settings(), run, context.get("data_interval_start"),
                                context.get("data_interval_end"),
                                backfill_run=context["dag_run"].run_type == "backfill")

    @task(outlets=[ENTRIES])
    def announce(run: str, found: dict[str, Any]) -> dict[str, Any]:
        finish_run(run, {"ingest": found}, None)
        get_current_context()["outlet_events"][ENTRIES].extra = {"run": run, **found}
        return found

    run = begin()
    announce(run, ingest(run))


news_ingest()
