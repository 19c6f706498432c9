"""An operator's verdict on a running DAG run, kept in `pipeline_runs`.

A run's tasks record how it ended: `finish` its counts and status, a task that fails for good its
reason (`record_failure`, which Airflow also runs for a task whose worker was lost). When an
operator marks a running DAG run failed or success (UI or REST API), Airflow stops its tasks and
calls neither: the row stayed `running` for ever, and `newsflow status` showed a run that was
long over. The api-server then calls this listener, which gives a row still `running`
Airflow's status and a note of what happened. A row its tasks ended keeps what they wrote.

Only runs marked by hand are recorded here (Airflow's message for them, `MARKED`): a run the
scheduler ends has its reason from its own task, which may come after the scheduler's verdict
(a lost worker's task callback runs later, in the dag-processor), and the scheduler never opens
the DuckDB file. The write is `pipeline.store.mark_run`, in a thread, so the api-server's answer
never waits on the DuckDB lock. Settings are the tasks' own: the NEWSFLOW_* environment and the
`newsflow_settings` Variable as the run's `begin` read it and kept it in an XCom
(`newsflow_settings.pinned`; the Variable as it is now for a run that kept none), so the row is
marked in the database the run's tasks wrote, even after the Variable changed.
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
#: How Airflow's api-server words a run's state set by hand (tests/test_operator.py would fail
#: if a new Airflow worded it otherwise).
MARKED = "Dag Run's state was manually set"


def record(dag_id: str, run_id: str, status: str, msg: str | None) -> bool:
    """Give the run's row, if still `running`, the `status` it was marked with ('failed' or
    'success') and Airflow's message; returns whether it changed. Never raises: a listener's
    failure is only logged."""
    try:
        import newsflow_settings

        from pipeline import store

        held = newsflow_settings.pinned(dag_id, run_id)  # the settings the run's tasks used
        settings = newsflow_settings.of_run(held)
        if not settings.db.exists():
            return False
        note = f"marked {status} in Airflow while running: {msg or 'no reason given'}"
        with store.open_db(settings) as con:
            changed = store.mark_run(con, settings, f"{dag_id}:{run_id}", status, note[:2000])
        if changed:
            log.warning("newsflow: run %s:%s %s", dag_id, run_id, note)
        return changed
    except Exception:
        log.exception("newsflow: could not record the end of run %s:%s in pipeline_runs", dag_id, run_id)
        return False


def _later(dag_run: Any, status: str, msg: str | None) -> None:
    if dag_run.dag_id in NEWSFLOW_DAGS and (msg or "").startswith(MARKED):
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
