"""Per-feed state between polls: conditional requests, health, backoff and the feed's own hints.

Pure functions over a `FeedState` (read from `feed_state`) and a `FeedPoll`:

- a feed is polled with If-None-Match / If-Modified-Since from its last good answer; a 304 is a
  poll with status `not_modified` and costs no parsing;
- a failing feed waits `feed_backoff * 2^(failures-1)` seconds (at most `feed_backoff_max`), or
  longer when the server sent Retry-After; it is skipped (status `skipped`) until then;
- after `feed_disable_after` failures in a row it is disabled (visible in `feed_health`) until
  `newsflow enable-feed ID`;
- a feed's `<ttl>` or `sy:updatePeriod` / `sy:updateFrequency` sets the earliest next poll.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.config import Settings
from pipeline.models import FeedPoll

#: sy:updatePeriod in minutes (RSS 1.0 syndication module); the frequency divides it.
UPDATE_PERIODS = {"hourly": 60, "daily": 1440, "weekly": 10_080, "monthly": 43_200, "yearly": 525_600}
TTL = re.compile(rb"<ttl>\s*(\d{1,7})\s*</ttl>", re.I)
UPDATE_PERIOD = re.compile(rb"<sy:updatePeriod>\s*([A-Za-z]+)\s*<", re.I)
UPDATE_FREQUENCY = re.compile(rb"<sy:updateFrequency>\s*(\d{1,6})\s*<", re.I)
#: A ttl above this is treated as a week: a typo should not silence a feed for months.
MAX_TTL_MINUTES = 10_080


@dataclass(frozen=True, slots=True)
class FeedState:
    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    ttl_minutes: int | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    last_success_at: datetime | None = None


def conditional_headers(state: FeedState | None) -> dict[str, str]:
    if state is None:
        return {}
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


#: Why a feed is not polled now (`Skip.why`): it failed and waits out its backoff, it was
#: disabled after failures (until `newsflow enable-feed`), or its own update hint asks for time.
BACKING_OFF, DISABLED, HINT = "backing_off", "disabled", "hint"


@dataclass(frozen=True, slots=True)
class Skip:
    """A feed not polled now: `why` (one of the three above) and the note the poll records."""

    why: str
    note: str


def skip_reason(state: FeedState | None, now: datetime, *, hints: bool = True) -> Skip | None:
    """Why the feed is not polled now, or None when it is due. Without `hints`
    (`Settings.respect_feed_hints` off), a wait the feed's own hint set earlier is not kept."""
    if state is None:
        return None
    if state.disabled_at is not None:
        return Skip(DISABLED, f"disabled since {state.disabled_at:%Y-%m-%d %H:%M} ({state.disabled_reason})")
    if state.next_poll_at is not None and state.next_poll_at > now:
        why, words = ((BACKING_OFF, "backing off after failures") if state.consecutive_failures
                      else (HINT, "feed's update hint"))
        if why == HINT and not hints:
            return None
        return Skip(why, f"not due until {state.next_poll_at:%Y-%m-%d %H:%M:%S} UTC ({words})")
    return None


def ttl_hint(body: bytes) -> int | None:
    """Minutes the feed says it stays unchanged: RSS `<ttl>`, else sy:updatePeriod/Frequency.
    Read from the channel's head (both parsers of `pipeline.poll` keep only the entries)."""
    head = body[:65_536]
    ttl = TTL.search(head)
    if ttl and int(ttl.group(1)) > 0:
        return min(int(ttl.group(1)), MAX_TTL_MINUTES)
    period = UPDATE_PERIOD.search(head)
    minutes = UPDATE_PERIODS.get(period.group(1).decode().lower()) if period else None
    if minutes is None:
        return None
    freq = UPDATE_FREQUENCY.search(head)
    return max(1, min(minutes // max(int(freq.group(1)) if freq else 1, 1), MAX_TTL_MINUTES))


def next_state(prev: FeedState | None, poll: FeedPoll, settings: Settings) -> dict[str, Any]:
    """The `feed_state` row after a real poll (a skipped poll changes nothing: not called)."""
    prev = prev or FeedState(poll.feed_id)
    now = poll.polled_at
    row: dict[str, Any] = {
        "feed_id": poll.feed_id, "etag": prev.etag, "last_modified": prev.last_modified,
        "consecutive_failures": prev.consecutive_failures, "last_status": poll.status,
        "last_polled_at": now, "last_success_at": prev.last_success_at,
        "next_poll_at": prev.next_poll_at, "ttl_minutes": prev.ttl_minutes,
        "retry_after_until": None, "disabled_at": prev.disabled_at,
        "disabled_reason": prev.disabled_reason,
    }
    if poll.status == "failed":
        failures = prev.consecutive_failures + 1
        wait = min(settings.feed_backoff * 2 ** (failures - 1), settings.feed_backoff_max)
        if poll.retry_after is not None:
            wait = max(wait, poll.retry_after)
            row["retry_after_until"] = now + timedelta(seconds=poll.retry_after)
        row.update(consecutive_failures=failures, next_poll_at=now + timedelta(seconds=wait))
        if failures >= settings.feed_disable_after and prev.disabled_at is None:
            reason = poll.problem.message if poll.problem else "failed"
            row.update(disabled_at=now, disabled_reason=f"{failures} failures in a row, last: {reason}"[:500])
        return row
    # ok, partial or not_modified: healthy again
    ttl = poll.ttl_minutes if poll.status != "not_modified" else prev.ttl_minutes
    row.update(consecutive_failures=0, last_success_at=now, ttl_minutes=ttl, disabled_at=None,
               disabled_reason=None,
               next_poll_at=now + timedelta(minutes=ttl) if ttl and settings.respect_feed_hints else None)
    if poll.status != "not_modified":
        row.update(etag=poll.etag, last_modified=poll.last_modified)
    return row
