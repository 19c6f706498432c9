"""The notifier of news_report's Deadline Alert: a report not done in time is logged, recorded in
`pipeline_runs` (status `late`) and, when `report_webhook_url` is set, posted to that webhook.

Airflow runs an `AsyncCallback` in the triggerer, which imports it from here (the plugins folder);
the work is `pipeline.late.record_miss`, in a thread so the triggerer's loop never blocks on the
DuckDB lock or the webhook. Settings come from the triggerer's NEWSFLOW_* environment.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def report_late(context: dict[str, Any], **_: Any) -> str:
    """AsyncCallback: `context` holds the late DAG run (as the REST API shows it) and the deadline.
    Returns the message: Airflow stores it as the callback's output, a text column (a dict there
    stops the triggerer)."""
    from pipeline import late
    from pipeline.config import Settings

    miss = await asyncio.to_thread(late.record_miss, Settings.from_env(), context)
    return str(miss["text"])
