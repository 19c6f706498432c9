"""Airflow's verdict on a run, kept in `pipeline_runs` when the run's own tasks cannot record it.

A run's tasks record how it ended: `finish` its counts and status, a task that fails for good its
reason (`record_failure`). When an operator marks a running DAG run failed or success (UI or REST
API), Airflow stops its tasks and calls neither: the row stayed `running` for ever, and `newsflow
status` showed a run that was long over. This listener hears every newsflow DAG run that ends
(the api-server calls it for a run marked by hand, the scheduler for one it ends itself) and gives
a row still `running` Airflow's status and a note of what happened. A row its tasks ended keeps
what they wrote.

The write is `pipeline.store.mark_run`, in a thread: neither the api-server's request nor the
scheduler's loop waits on the DuckDB lock. Settings come from the component's NEWSFLOW_*
environment, as for the watcher and the deadline notifier.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)

#: The DAGs whose runs have a `pipeline_runs` row (tests/test_dags.py checks it against dags/).
NEWSFLOW_DAGS = frozenset({"news_ingest", "news_process", "news_backfill", "news_report"})


def record(dag_id: str, run_id: str, status: str, msg: str | None) -> bool:
    """Give the run's row, if still `running`, Airflow's `status` ('failed' or 'success') and
    why; returns whether it changed. Never raises: a listener's failure is only logged."""
    try:
        from pipeline import store
        from pipeline.config import Settings

        settings = Settings.from_env()
        if not settings.db.exists():
            return False
        note = f"ended in Airflow ({status}) while running: {msg or 'no reason given'}"
        with store.open_db(settings) as con:
            changed = store.mark_run(con, settings, f"{dag_id}:{run_id}", status, note[:2000])
        if changed:
            log.warning("newsflow: run %s:%s %s", dag_id, run_id, note)
        return changed
    except Exception:
        log.exception("newsflow: could not record the end of run %s:%s in pipeline_runs", dag_id, run_id)
        return False


def _later(dag_run: Any, status: str, msg: str | None) -> None:
    if dag_run.dag_id in NEWSFLOW_DAGS:
        threading.Thread(target=record, args=(dag_run.dag_id, dag_run.run_id, status, msg),
                         name=f"newsflow-mark-{dag_run.run_id}", daemon=True).start()


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:
    _later(dag_run, "failed", msg)


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:
    _later(dag_run, "success", msg)


class NewsflowRunsPlugin(AirflowPlugin):
    name = "newsflow_runs"
    listeners = [sys.modules[__name__]]
