"""The notifier of news_report's Deadline Alert: a report not done in time is logged, recorded in
`pipeline_runs` (status `late`) and, when `report_webhook_url` is set, posted to that webhook.

Airflow runs an `AsyncCallback` in the triggerer, which imports it from here (the plugins folder);
the work is `pipeline.late.record_miss`, in a thread so the triggerer's loop never blocks on the
DuckDB lock or the webhook. Settings are the tasks' own: the NEWSFLOW_* environment and the
`newsflow_settings` Variable (`newsflow_settings`, read through the triggerer's supervisor).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def report_late(context: dict[str, Any], **_: Any) -> str:
    """AsyncCallback: `context` holds the late DAG run (as the REST API shows it) and the deadline.
    Returns the message: Airflow stores it as the callback's output, a text column (a dict there
    stops the triggerer)."""
    from newsflow_settings import settings_or_env

    from pipeline import late

    def record() -> dict[str, Any]:
        return late.record_miss(settings_or_env(log, "late-report notifier"), context)

    miss = await asyncio.to_thread(record)
    return str(miss["text"])
