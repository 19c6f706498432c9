"""What a scheduled ingest run does for its data interval.

A live run (its interval ends about now) polls the feeds. A run for a past interval (Airflow's own
backfill over a date range, or a catch-up run) does not poll, since feeds show only what is new:
it queues the articles published in its interval for reprocessing, which the next processing run
works off from the stored pages. So a backfill is keyed on its interval: rerunning it queues the
same request again, never a duplicate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline import backfill, run
from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.sources import load_feeds

#: An interval that ended longer ago than this is history: its run reprocesses instead of polling.
#: (A daily run may start hours late; a whole missed day is history.)
LIVE_GRACE = timedelta(hours=36)


def is_past(end: datetime | None, now: datetime | None = None) -> bool:
    return end is not None and end < (now or datetime.now(UTC)) - LIVE_GRACE


def ingest(settings: Settings, run_id: str, start: datetime | None, end: datetime | None, *,
           backfill_run: bool = False) -> dict[str, Any]:
    """Poll the feeds, or queue the interval's reprocessing; returns what was found (JSON)."""
    if backfill_run or is_past(end):
        request = backfill.Backfill(stage=settings.backfill_stage, since=start, until=end)
        request_id = backfill.request(settings, request, requested_by=run_id)
        _, articles = backfill.plan(settings, request.model_copy(update={"dry_run": True}), run_id)
        return {"mode": "reprocess", "stage": request.stage, "request": request_id,
                "since": start.isoformat() if start else None,
                "until": end.isoformat() if end else None, "articles_queued": articles}
    polls, new = run.poll_step(settings, load_feeds(settings.feeds_file), run_id)
    pending = sum(len(b) for b in run.plan(settings))
    backing_off, disabled = run.unpolled_after_failures(polls)
    return {"mode": "poll", **run.poll_counts(polls, new), "pages_pending": pending,
            "batches": math.ceil(pending / settings.batch_size),
            "failed_feeds": sorted(p.feed_id for p in polls if p.status == "failed"),
            # not polled because they failed before: still broken as far as anyone knows
            "backing_off_feeds": backing_off, "disabled_feeds": disabled}


#: Keys of an asset event's `extra` (or a run's conf) that ask for reprocessing.
REQUEST_KEYS = ("since", "until", "stage", "sources")


#: The `source` of the feed watcher's event payloads (plugins/newsflow_watcher.py).
WATCHER = "newsflow_watcher"


def watched_feeds(asks: list[dict[str, Any]]) -> list[str]:
    """The feeds the feed watcher's events say have new entries. A watcher event's extra is
    `{"from_trigger": true, "payload": {"source": "newsflow_watcher", "feeds": {id: count}}}`."""
    feeds: set[str] = set()
    for ask in asks:
        payload = ask.get("payload")
        if isinstance(payload, dict) and payload.get("source") == WATCHER:
            feeds.update(str(f) for f in payload.get("feeds") or {})
    return sorted(feeds)


def every_watched_feed(settings: Settings) -> dict[str, Any]:
    """What a processing run asks when it cannot read the watcher events held for it (Airflow 3.3.2
    cannot list an asset's events while a run one of them started is queued, apache/airflow#71360):
    a watcher event naming every enabled feed, so no held feed waits for the next daily poll. Each
    poll is a conditional GET; a feed with nothing new costs a 304."""
    feeds = {f.id: 0 for f in load_feeds(settings.feeds_file) if f.enabled}
    return {"payload": {"source": WATCHER, "feeds": feeds}}


def plan_processing(settings: Settings, run_id: str, asks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plan a processing run: poll the feeds the watcher saw change, queue the reprocessing that
    events or conf ask for, then cut the pages still to fetch and every queued request into
    batches (plain JSON, for task mapping)."""
    changed = watched_feeds(asks)
    if changed:
        feeds = [f for f in load_feeds(settings.feeds_file) if f.id in changed]
        run.poll_step(settings, feeds, run_id, changed=changed)
    for ask in asks:
        misnamed = sorted(set(ask) & {"start", "end"})
        if misnamed and not any(k in ask for k in REQUEST_KEYS):
            raise ConfigError(f"reprocessing request: {', '.join(misnamed)}: news_process asks with "
                              "since/until (news_backfill's form says start/end)")
        if "request" in ask or not any(k in ask for k in REQUEST_KEYS):
            continue  # our own ingest's event (its request is queued already), or counts only
        wanted = backfill.Backfill.parse(
            {"stage": ask.get("stage", settings.backfill_stage), "since": ask.get("since"),
             "until": ask.get("until"), "feed_ids": ask.get("sources")},
            origin="reprocessing request")
        backfill.request(settings, wanted, requested_by=run_id)
    batches = [{"stage": "fetch", "tasks": run.tasks_to_json(b)} for b in run.plan(settings)]
    batches += backfill.plan_requests(settings, run_id)
    return [{**b, "run": run_id, "index": i} for i, b in enumerate(batches)]


def cluster_since(settings: Settings, reaches_back: datetime | None) -> datetime:
    """The window a processing run re-clusters: the recent days, and any reprocessed window."""
    recent = run.default_cluster_window(settings)
    return min(recent, reaches_back) if reaches_back else recent


def settle(active: Callable[[], int], max_wait: float, pause: float = 10.0) -> float:
    """Wait while `active()` (running or queued news_ingest runs) is not 0, at most `max_wait`
    seconds; returns the seconds waited. A processing run started by the first of a backfill's
    ingest runs so takes the whole backfill's queue, and the events of the others, which arrive
    while it runs, start one more run together instead of one each."""
    started = time.monotonic()
    while active() and time.monotonic() - started < max_wait:
        time.sleep(min(pause, max(0.0, max_wait - (time.monotonic() - started))))
    return time.monotonic() - started
