"""
### news_backfill — reprocess a date range, from the trigger form

Trigger it from the Airflow UI ("Trigger DAG" opens a form): pick the first and last day, the
sources (feed ids; empty means all), the stage to start from, and whether it is a dry run.

| stage | what it does |
|---|---|
| `re-fetch` | downloads the pages again; a changed text becomes a new version |
| `re-extract` | extracts again from the stored raw pages (WARC archive); fetches pages never archived |
| `re-classify` | classifies the stored texts again with the current classifier |

A dry run only counts the articles the backfill would touch (see the `plan` task's log and XCom):
it loads, clusters and announces nothing (`finish` ends skipped, so no `news_report` run follows).
Batches run in the `newsflow_backfill` pool and one backfill runs at a time (`max_active_runs=1`),
so a large backfill leaves room for the daily run; loads go through the one-slot `newsflow_db`
pool like every load. Rerunning a backfill rewrites the same rows: it never duplicates them.

| task | what it does |
|---|---|
| `begin` | records the run in `pipeline_runs` |
| `plan` | validates the form, selects the articles, cuts them into batches |
| `process` | one mapped task per batch (pool `newsflow_backfill`) → staging Parquet |
| `load` | the single writer: loads every staged batch |
| `cluster` | re-clusters the window (not on a dry run) |
| `finish` | records counts and status, updates `newsflow_articles` (not on a dry run) |
"""

from __future__ import annotations

import logging
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException
from newsflow_tasks import (
    ARTICLES,
    BACKFILL_POOL,
    DAG_DEFAULTS,
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
LAST_WEEK = pendulum.today("UTC").subtract(days=7).to_date_string()
TODAY = pendulum.today("UTC").to_date_string()


#: Days the form takes: 1900-2099 (a day like 9999-12-31 has no day after it to end the window
#: on, and no news). Refused when the run is triggered, as a malformed date is.
IN_RANGE = r"^(19|20)[0-9]{2}-"


@dag(
    dag_id="news_backfill",
    schedule=None,
    **DAG_DEFAULTS,
    tags=["newsflow", "backfill"],
    doc_md=__doc__,
    params={
        "start": Param(LAST_WEEK, type="string", format="date", pattern=IN_RANGE, title="First day",
                       description="Articles published on or after this day (UTC)."),
        "end": Param(TODAY, type="string", format="date", pattern=IN_RANGE, title="Last day",
                     description="... and on or before this day (UTC)."),
        "sources": Param([], type="array", items={"type": "string"}, title="Sources",
                         description="Feed ids to reprocess, one per line; empty means every source."),
        "stage": Param("re-extract", type="string", enum=["re-fetch", "re-extract", "re-classify"],
                       title="Stage", description="Where reprocessing starts."),
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Only count the articles the backfill would touch."),
    },
)
def news_backfill() -> None:
    @task
    @fail_fast
    def plan(run: str) -> list[dict[str, Any]]:
        from pipeline import backfill
        from pipeline.errors import ConfigError

        context = get_current_context()
        params = context["params"]
        form = list(context["dag"].params)  # the run's params also hold any key its conf had
        unknown = sorted(set(context["dag_run"].conf or {}) - set(form))
        if unknown:
            raise ConfigError(f"news_backfill params: unknown {', '.join(unknown)} (the form has "
                              f"{', '.join(form)})")
        if params["start"] and params["end"] and params["start"] > params["end"]:
            raise ConfigError(f"news_backfill params: the first day {params['start']} is after the "
                              f"last day {params['end']}")
        wanted = backfill.Backfill.parse(
            {"stage": params["stage"], "since": params["start"], "until": _day_after(params["end"]),
             "feed_ids": tuple(params.get("sources") or ()), "dry_run": params["dry_run"]},
            origin="news_backfill params")
        batches, articles = backfill.plan(settings(), wanted, run)
        log.info("%s%d articles from %s to %s (%s) in %d batches", "dry run: " if wanted.dry_run else "",
                 articles, params["start"], params["end"], wanted.stage, len(batches))
        get_current_context()["ti"].xcom_push(key="selected", value=articles)
        return planned([{**b, "run": run, "index": i} for i, b in enumerate(batches)])

    @task(outlets=[ARTICLES])
    def finish(run: str, loaded: dict[str, Any] | None, clustered: dict[str, int] | None) -> dict[str, Any]:
        context = get_current_context()
        selected = context["ti"].xcom_pull(task_ids="plan", key="selected")
        done = finish_run(run, {"cluster": clustered}, loaded, {"selected": selected or 0},
                          announce=None if context["params"]["dry_run"] else ARTICLES)
        if context["params"]["dry_run"]:  # skipped: no newsflow_articles event, so no report run
            raise AirflowSkipException(f"dry run: {selected or 0} articles would be reprocessed; "
                                       "nothing was loaded or announced")
        return done

    run = begin()
    batches = plan(run)
    loaded = load(run)
    process.override(pool=BACKFILL_POOL).expand(batch=batches) >> loaded
    clustered = cluster(loaded, since="{{ params.start }}", until="{{ macros.ds_add(params.end, 1) }}")
    finish.override(trigger_rule="all_done", on_failure_callback=None)(run, loaded, clustered)


def _day_after(day: str) -> str:
    from pipeline.errors import ConfigError

    try:
        return pendulum.parse(day).add(days=1).to_date_string()  # type: ignore[union-attr]
    except (OverflowError, ValueError):  # 9999-12-31: no day after it
        raise ConfigError(f"news_backfill params: end: {day} is past the last day that can be "
                          "counted to") from None


news_backfill()
