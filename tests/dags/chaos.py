"""Test DAGs: the real news_process tasks, with a process step whose worker dies on some batches.

`chaos_retried`: batch 0's worker dies *after* writing its staging output and batch 1's *before*,
on their first try only; Airflow retries them. `chaos_broken`: batch 0's worker dies on every try.
The tests check that every batch lands exactly once, and that a failure for good is recorded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task
from newsflow_tasks import DAG_DEFAULTS, DEFAULT_ARGS, begin, finish_run, load, planned, process, settings


def chain(dag_id: str, retries: int) -> None:
    @dag(dag_id=dag_id, schedule=None, tags=["test"], doc_md="a worker that dies",
         **{**DAG_DEFAULTS, "default_args": {**DEFAULT_ARGS, "retries": retries,
                                             "retry_delay": timedelta(seconds=0),
                                             "retry_exponential_backoff": False}})
    def flow() -> None:
        @task
        def plan(run: str) -> list[dict[str, Any]]:
            from pipeline import intervals

            return planned(intervals.plan_processing(settings(), run, []))

        @task
        def process_dying(batch: dict[str, Any]) -> str:
            first_try = get_current_context()["ti"].try_number == 1
            if batch["index"] == 1 and (first_try or retries == 0):
                raise RuntimeError("worker lost before writing its batch")
            path: str = process.function(batch)
            if batch["index"] == 0 and (first_try or retries == 0):
                raise RuntimeError("worker lost after writing its batch")
            return path

        @task(trigger_rule="all_done", on_failure_callback=None)
        def finish(run: str, loaded: dict[str, Any] | None) -> dict[str, Any]:
            return finish_run(run, {}, loaded)

        run = begin()
        loaded = load(run)
        process_dying.expand(batch=plan(run)) >> loaded
        finish(run, loaded)

    flow()


chain("chaos_retried", retries=1)
chain("chaos_broken", retries=0)
