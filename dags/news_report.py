"""
### news_report — checks and reports after every load

Runs whenever the **`newsflow_articles`** asset is updated (by `news_process` or `news_backfill`).
It runs the data checks in `sql/checks/` and fails loudly, naming every rule broken with example
rows: no article without a source, no duplicate ids, topic scores within [0, 1].

| task | what it does |
|---|---|
| `checks` | runs every data check; fails the run if one fails |
"""

from __future__ import annotations

from airflow.sdk import dag, task
from newsflow_tasks import ARTICLES, DAG_DEFAULTS, DEFAULT_ARGS, settings


@dag(
    dag_id="news_report",
    schedule=[ARTICLES],
    **{**DAG_DEFAULTS, "default_args": {**DEFAULT_ARGS, "retries": 0, "on_failure_callback": None}},
    tags=["newsflow", "report"],
    doc_md=__doc__,
)
def news_report() -> None:
    @task
    def checks() -> dict[str, int]:
        from pipeline import checks as data_checks

        results = data_checks.run_checks(settings())
        for result in results:
            print(result.describe())
        data_checks.assert_checks(results)
        return {r.name: r.failures for r in results}

    checks()


news_report()
