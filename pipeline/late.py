"""A late run, noticed: what news_report's Deadline Alert does when a report is not done in time.

`record_miss` takes the alert's context (the DAG run as Airflow's REST API shows it, and the
deadline), logs the miss, records it in `pipeline_runs` (status `late`, the reason in `error`)
and, when `report_webhook_url` is set, POSTs the message there as JSON (`{"text": ...}` plus the
fields). A webhook that fails is logged and noted in the recorded reason; it never raises, since
nothing would catch it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from pipeline import store
from pipeline.config import Settings

log = logging.getLogger(__name__)

#: Seconds the webhook may take to answer.
WEBHOOK_TIMEOUT = 10.0


def describe(context: dict[str, Any]) -> dict[str, Any]:
    """The miss as plain fields, from the Deadline Alert's context."""
    run = context.get("dag_run") or {}
    deadline = context.get("deadline") or {}
    dag_id, run_id = run.get("dag_id", "?"), run.get("dag_run_id") or run.get("run_id", "?")
    due = deadline.get("deadline_time")
    due_text = due.isoformat() if isinstance(due, datetime) else str(due)
    queued = run.get("queued_at") or run.get("run_after")
    return {"dag_id": dag_id, "run_id": run_id, "deadline": due_text, "queued_at": queued,
            "state": run.get("state"),
            "text": f"newsflow: {dag_id} run {run_id} is not done by its deadline {due_text} "
                    f"(queued {queued}, state {run.get('state')})"}


def record_miss(settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """Log the miss, record it in pipeline_runs, post it to the webhook; returns what was sent."""
    miss = describe(context)
    log.warning("%s", miss["text"])
    reason = miss["text"]
    if settings.report_webhook_url:
        try:
            resp = httpx.post(settings.report_webhook_url, json=miss, timeout=WEBHOOK_TIMEOUT)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            log.error("late-report webhook %s failed: %s", settings.report_webhook_url, exc)
            reason += f"; webhook {settings.report_webhook_url} failed: {type(exc).__name__}: {exc}"
    started = _moment(miss["queued_at"]) or datetime.now(UTC)
    with store.open_db(settings) as con:
        con.execute(store.sql(settings, "load/late_run"), {
            "run_id": f"{miss['dag_id']}:{miss['run_id']}", "trigger": f"airflow:{miss['dag_id']}",
            "started_at": started, "error": reason[:2000]})
    return miss


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
