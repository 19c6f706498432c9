"""
### news_report — publish, check and report after every load

Runs whenever the **`newsflow_articles`** asset is updated (by `news_process` or `news_backfill`).
**Late reports are noticed**: a Deadline Alert fires when a run is not done
`NEWSFLOW_REPORT_DEADLINE_HOURS` (3) hours after it was queued (an asset-triggered run has no data
interval; it is queued when the load that feeds it ends). Its notifier (`plugins/newsflow_deadline.py`)
logs the miss, records it in `pipeline_runs` (status `late`) and posts it to
`NEWSFLOW_REPORT_WEBHOOK_URL` when that is set.

The checks: no article without a source, no duplicate ids, topic scores in [0, 1]; a failed check
shows example rows.

| task | what it does |
|---|---|
| `publish` | carries what the loads wrote to the analysts' DuckLake and search index |
| `checks` | runs the data checks in `sql/checks/` on what readers see; fails naming each broken rule |
| `report` | writes the HTML report of the last `report_days` (30) days beside the database (`report.html`) |
| `compact` | merges the small files and index segments publishes leave, when enough have piled up |
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference, Param, dag, get_current_context, task
from newsflow_deadline import report_late  # plugins/: the triggerer runs it from there
from newsflow_tasks import ARTICLES, DAG_DEFAULTS, DB_POOL, DEFAULT_ARGS, settings

#: Settings.report_deadline_hours, read here from the environment as the DAG file imports no
#: pipeline code (the default must match config.py's: tests/test_deadline.py checks it).
DEADLINE_HOURS = float(os.environ.get("NEWSFLOW_REPORT_DEADLINE_HOURS") or 3.0)


@dag(
    dag_id="news_report",
    schedule=[ARTICLES],
    **{**DAG_DEFAULTS, "default_args": {**DEFAULT_ARGS, "retries": 1}},
    tags=["newsflow", "report"],
    doc_md=__doc__,
    deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                           interval=timedelta(hours=DEADLINE_HOURS), callback=AsyncCallback(report_late)),
    params={"report_days": Param(30, type="integer", minimum=1, title="Days in the report",
                                 description="The report covers this many days back (weekly bars past 62).")},
)
def news_report() -> None:
    @task(pool=DB_POOL)
    def publish() -> str:
        from pipeline import publish as to_readers

        return to_readers.publish(settings()).catalog

    @task(retries=0)
    def checks(published: str) -> dict[str, int]:
        from pipeline import checks as data_checks

        results = data_checks.run_checks(settings(), published=True)
        for result in results:
            print(result.describe())
        data_checks.assert_checks(results)
        return {r.name: r.failures for r in results}

    @task
    def report(published: str) -> str:
        from datetime import UTC, datetime, timedelta

        from pipeline import report as html

        cfg = settings()
        days = get_current_context()["params"]["report_days"]
        since = (datetime.now(UTC) - timedelta(days=days)).date()
        return str(html.write_report(cfg, cfg.db.parent / "report.html", since=since))

    @task(pool=DB_POOL)
    def compact(published: str) -> bool:
        from pipeline import publish as to_readers

        return to_readers.compact(settings())

    published = publish()
    checks(published) >> report(published) >> compact(published)


news_report()
