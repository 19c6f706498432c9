"""Poll stage: fetch each feed over HTTP and parse it with feedparser into `Entry` records.

A feed that fails is a `FeedPoll` with status `failed` and a reason; a malformed feed that still
yields entries keeps them (status `partial`, the parser's complaint recorded).
"""

from __future__ import annotations

import calendar
import contextlib
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
import lxml.etree
import lxml.html

from pipeline import feedparse, feedstate, net
from pipeline.config import Settings
from pipeline.models import Entry, FeedPoll, Problem
from pipeline.sources import FeedSource
from pipeline.urls import article_id, is_http_url, stable_id

#: Feeds bigger than this are refused (a large real feed is a few MB).
MAX_FEED_BYTES = 10_000_000


#: A DOCTYPE's internal subset: a feed that declares entities in it is refused before parsing
#: (billion laughs, external entities). feedparser's SAX parser has external entities off and
#: expat limits amplification, but nothing needs to expand a feed's own entities.
INTERNAL_DTD = re.compile(rb"<!DOCTYPE[^>\[]*\[(.*?)\]\s*>", re.I | re.S)


def poll_feeds(
    feeds: Iterable[FeedSource],
    settings: Settings,
    *,
    run_id: str,
    on_done: Callable[[FeedPoll], None] | None = None,
    states: Mapping[str, feedstate.FeedState] | None = None,
) -> list[FeedPoll]:
    """Poll the enabled feeds that are due, concurrently; never raises for a feed's failure.
    A feed not due (backing off, disabled, within its ttl) is a poll with status `skipped`."""
    enabled = [f for f in feeds if f.enabled]
    states = states or {}
    polls: list[FeedPoll] = []
    with net.make_client(settings, archive=True, feeds=True) as client:
        for result in net.parallel_map(
            lambda f: poll_feed(client, f, run_id=run_id, deadline_s=settings.deadline,
                                state=states.get(f.id), hints=settings.respect_feed_hints), enabled,
            settings.concurrency,
        ):
            polls.append(result)
            if on_done:
                on_done(result)
    polls.sort(key=lambda p: p.feed_id)
    return polls


def poll_feed(client: net.Client, feed: FeedSource, *, run_id: str, deadline_s: float,
              state: feedstate.FeedState | None = None, hints: bool = True) -> FeedPoll:
    polled_at = datetime.now(UTC)
    started = time.monotonic()
    poll_id = stable_id(run_id, feed.id, polled_at.isoformat())

    def failed(error_class: str, message: str, status: int | None = None,
               content_type: str | None = None, retry_after: float | None = None) -> FeedPoll:
        return FeedPoll(
            poll_id=poll_id, feed_id=feed.id, url=feed.url, polled_at=polled_at, status="failed",
            http_status=status, content_type=content_type,
            elapsed_ms=(time.monotonic() - started) * 1000,
            problem=Problem("poll", feed.url, error_class, message, feed.id, retry_after),
            retry_after=retry_after,
        )

    skip = feedstate.skip_reason(state, polled_at, hints=hints)
    if skip:
        return FeedPoll(poll_id=poll_id, feed_id=feed.id, url=feed.url, polled_at=polled_at,
                        status="skipped", http_status=None, content_type=None, elapsed_ms=0.0,
                        note=skip.note, skipped_for=skip.why)
    try:
        resp = client.get(feed.url, max_bytes=MAX_FEED_BYTES, deadline_s=deadline_s,
                          headers=feedstate.conditional_headers(state))
    except net.FetchError as exc:
        return failed(exc.error_class, exc.message, exc.status, retry_after=exc.retry_after)
    if resp.status == 304:  # unchanged since the validators we sent: nothing to parse
        return FeedPoll(poll_id=poll_id, feed_id=feed.id, url=feed.url, polled_at=polled_at,
                        status="not_modified", http_status=304, content_type=resp.content_type,
                        elapsed_ms=(time.monotonic() - started) * 1000)
    if declares_entities(resp.body):
        return failed("parse_error", "the feed declares XML entities in its DTD; refused "
                      "(entity expansion)", resp.status, resp.content_type)

    parsed = parse_feed(resp.body, resp.url, resp.headers)
    entries = tuple(_entries(feed, parsed, resp.url))
    elapsed = (time.monotonic() - started) * 1000
    bozo = bool(parsed.get("bozo"))
    if not entries and (bozo or not parsed.get("version")):  # nothing usable came out
        if _looks_like_html(resp):
            return failed("not_a_feed", f"got an HTML page ({resp.content_type or 'no content type'}), "
                          "not RSS or Atom", resp.status, resp.content_type)
        reason = f"malformed feed: {_bozo_reason(parsed)}" if bozo else "no RSS or Atom content found"
        return failed("parse_error", reason, resp.status, resp.content_type)
    status, problem = "ok", None
    if bozo:  # malformed, but it yielded entries: keep them and record the complaint
        status = "partial"
        problem = Problem("poll", feed.url, "parse_error",
                          f"malformed feed, kept {len(entries)} entries: {_bozo_reason(parsed)}", feed.id)
    return FeedPoll(
        poll_id=poll_id, feed_id=feed.id, url=feed.url, polled_at=polled_at, status=status,
        http_status=resp.status, content_type=resp.content_type, elapsed_ms=elapsed,
        entries=entries, problem=problem, etag=resp.headers.get("etag"),
        last_modified=resp.headers.get("last-modified"), ttl_minutes=feedstate.ttl_hint(resp.body),
    )


def declares_entities(body: bytes) -> bool:
    dtd = INTERNAL_DTD.search(body)
    return dtd is not None and b"<!entity" in dtd.group(1).lower()


def parse_feed(body: bytes, url: str, headers: httpx.Headers | dict[str, str] | None = None) -> Any:
    """A well-formed RSS/Atom/RDF feed through the lxml fast path (`pipeline.feedparse`), anything
    else through feedparser; both over bytes already fetched, neither touches the network. Neither
    sanitises HTML nor resolves URIs inside it: `_clean` strips the tags and keeps only text."""
    fast = feedparse.parse(body, url)
    if fast is not None:
        return fast
    response_headers = {"content-location": url}
    if headers is not None and headers.get("content-type"):
        response_headers["content-type"] = headers["content-type"]
    return feedparser.parse(body, response_headers=response_headers, sanitize_html=False,
                            resolve_relative_uris=False)


def _entries(feed: FeedSource, parsed: Any, base_url: str) -> Iterable[Entry]:
    seen: set[str] = set()
    for item in parsed.get("entries", []):
        link = _link(item)
        title = _clean(item.get("title"))
        guid = _clean(item.get("id")) or link or (stable_id(title) if title else None)
        if not guid or guid in seen:
            continue
        seen.add(guid)
        yield Entry(
            feed_id=feed.id,
            guid=guid[:2000],
            link=link,
            article_id=article_id(link) if link else None,
            title=title,
            summary=_clean(item.get("summary")),
            published_at=_entry_time(item),
            authors=_authors(item),
        )


def _link(item: Any) -> str | None:
    candidates = [item.get("link")]
    candidates += [lk.get("href") for lk in item.get("links", []) if lk.get("rel") == "alternate"]
    for link in candidates:
        if link and is_http_url(link.strip()):
            return str(link).strip()
    return None


def _entry_time(item: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = item.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _authors(item: Any) -> tuple[str, ...]:
    names = [a.get("name") for a in item.get("authors", []) if isinstance(a, dict)]
    if not any(names) and item.get("author"):
        names = [item.get("author")]
    return tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def _clean(value: Any) -> str | None:
    """Feed text fields come sanitised by feedparser; strip tags that remain and whitespace."""
    if not value:
        return None
    text = str(value)
    if "<" in text:
        with contextlib.suppress(ValueError, lxml.etree.ParserError):
            text = lxml.html.fromstring(text).text_content()
    text = " ".join(text.split())
    return text or None


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "unknown parser error"
    if hasattr(exc, "getLineNumber") and hasattr(exc, "getMessage"):  # SAX: say where
        return f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    return f"{type(exc).__name__}: {exc}"[:500]


def _looks_like_html(resp: net.Response) -> bool:
    if "html" in resp.content_type and "xml" not in resp.content_type:
        return True
    head = resp.body[:2048].lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")
