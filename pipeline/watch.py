"""The feed watcher's rounds, without Airflow: which feeds are due, poll them, what is new.

The watcher (`plugins/newsflow_watcher.py`, an Airflow `BaseEventTrigger` in the triggerer) keeps
one JSON object per feed in Airflow's asset state store and calls these functions:

- `due`: the feeds whose `next_poll_at` has passed (a feed never seen is due);
- `poll_round`: polls them with the pipeline's own `poll.poll_feed` (the address guard, size and
  time limits, conditional GET with ETag / Last-Modified) under the pipeline's politeness
  (`polite.polite_map`: per-host concurrency and delay), then works out each feed's next state
  with `feedstate.next_state` (backoff after failures, Retry-After, `<ttl>`, `sy:updatePeriod`),
  never sooner than `watch_min_interval`;
- an entry is new when its id is not among the ids the watcher remembers for its feed. The first
  poll of a feed only remembers what it shows (what was there before the watcher is the daily
  ingest's), so starting the watcher starts no run. A failing feed backs off as in the pipeline
  but is never disabled by the watcher: it is polled at least every `feed_backoff_max`.

Nothing here writes to DuckDB: the processing run the watcher's event starts polls and records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline import feedstate, net, polite, poll
from pipeline.config import Settings
from pipeline.models import FeedPoll
from pipeline.sources import FeedSource
from pipeline.urls import stable_id

#: Entry ids remembered per feed: a feed shows tens of entries, so this covers many rounds of them.
SEEN_PER_FEED = 2000
#: Where a feed's state lives in the asset state store.
KEY_PREFIX = "feed/"


@dataclass(frozen=True)
class Round:
    """What one round found: the feeds' next states, new entries per feed, and the failures."""

    states: dict[str, dict[str, Any]]
    new: dict[str, int]
    problems: list[str] = field(default_factory=list)

    def payload(self, at: datetime) -> dict[str, Any]:
        """The asset event's payload: which feeds have how many new entries."""
        return {"source": "newsflow_watcher", "feeds": dict(sorted(self.new.items())),
                "entries": sum(self.new.values()), "polled_at": at.isoformat()}


def key(feed_id: str) -> str:
    return KEY_PREFIX + feed_id


def due(feeds: Sequence[FeedSource], states: Mapping[str, dict[str, Any] | None],
        now: datetime) -> list[FeedSource]:
    """The enabled feeds to poll now."""
    return [f for f in feeds if f.enabled and _is_due(states.get(f.id), now)]


def next_check(feeds: Sequence[FeedSource], states: Mapping[str, dict[str, Any] | None],
               now: datetime, ceiling: float) -> float:
    """Seconds until the next feed is due, at most `ceiling`."""
    waits = [(_when(states.get(f.id)) - now).total_seconds() for f in feeds if f.enabled]
    return max(0.0, min([ceiling, *waits]))


def poll_round(settings: Settings, feeds: Sequence[FeedSource],
               states: Mapping[str, dict[str, Any] | None], now: datetime | None = None) -> Round:
    """Poll `feeds` (blocking: the watcher runs this in a thread) and return what is new."""
    now = now or datetime.now(UTC)
    with net.make_client(settings) as client:
        polls = list(polite.polite_map(
            lambda f: poll.poll_feed(client, f, run_id="watcher", deadline_s=settings.deadline,
                                     state=_conditional(states.get(f.id), f.id)),
            feeds, key=lambda f: polite.host_of(f.url), workers=settings.concurrency,
            per_host=settings.per_host_concurrency, delay=settings.per_host_delay))
    return judge(settings, polls, states, now)


def judge(settings: Settings, polls: Sequence[FeedPoll], states: Mapping[str, dict[str, Any] | None],
          now: datetime) -> Round:
    """Each feed's next state and its new entries, from its poll and its previous state."""
    result = Round(states={}, new={})
    for p in sorted(polls, key=lambda p: p.feed_id):
        before = states.get(p.feed_id)
        row = feedstate.next_state(_feed_state(before, p.feed_id), p, settings)
        floor = now + timedelta(seconds=settings.watch_min_interval)
        wanted = row["next_poll_at"]
        seen = list((before or {}).get("seen", []))
        watched = bool((before or {}).get("watched"))  # False: the feed's first good answer
        if p.status == "failed" and p.problem is not None:
            result.problems.append(f"feed {p.feed_id} ({p.url}): {p.problem.error_class}: "
                                   f"{p.problem.message}")
        elif p.entries:
            ids = [stable_id(p.feed_id, e.guid) for e in p.entries]
            known = set(seen)
            fresh = [i for i in dict.fromkeys(ids) if i not in known]
            if fresh and watched:
                result.new[p.feed_id] = len(fresh)
            seen = (fresh + seen)[:SEEN_PER_FEED]
        result.states[p.feed_id] = {
            "etag": row["etag"], "last_modified": row["last_modified"],
            "failures": row["consecutive_failures"], "ttl_minutes": row["ttl_minutes"],
            "last_status": p.status, "polled_at": now.isoformat(),
            "next_poll_at": max(wanted, floor).isoformat() if wanted else floor.isoformat(),
            "watched": watched or p.status != "failed", "seen": seen,
        }
    return result


def _when(state: dict[str, Any] | None) -> datetime:
    if not state or not state.get("next_poll_at"):
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(state["next_poll_at"])


def _is_due(state: dict[str, Any] | None, now: datetime) -> bool:
    # a feed failing for long is not disabled here: it waits feed_backoff_max between polls
    return _when(state) <= now


def _feed_state(state: dict[str, Any] | None, feed_id: str) -> feedstate.FeedState | None:
    if state is None:
        return None
    return feedstate.FeedState(feed_id, etag=state.get("etag"), last_modified=state.get("last_modified"),
                               consecutive_failures=int(state.get("failures") or 0),
                               ttl_minutes=state.get("ttl_minutes"))


def _conditional(state: dict[str, Any] | None, feed_id: str) -> feedstate.FeedState | None:
    """The state `poll_feed` sends validators from (the round polls only due feeds: no skip)."""
    known = _feed_state(state, feed_id)
    return dataclasses.replace(known, consecutive_failures=0) if known else None
