"""The records that flow between stages. Plain frozen dataclasses: cheap, typed, picklable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """A per-item failure: where, what class of failure, and why in words."""

    stage: str  # poll | fetch | extract
    target: str  # the feed URL or the page URL
    error_class: str  # http_4xx, http_5xx, timeout, not_html, parse_error, empty_extraction, ...
    message: str
    feed_id: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait (Retry-After)


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed as the feed describes it."""

    feed_id: str
    guid: str
    link: str | None
    article_id: str | None
    title: str | None
    summary: str | None
    published_at: datetime | None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedPoll:
    """The outcome of polling one feed once."""

    poll_id: str
    feed_id: str
    url: str
    polled_at: datetime
    status: str  # ok | partial | not_modified (304) | failed | skipped (not due, or disabled)
    http_status: int | None
    content_type: str | None
    elapsed_ms: float
    entries: tuple[Entry, ...] = ()
    problem: Problem | None = None
    etag: str | None = None  # validators of this answer, sent back by the next poll
    last_modified: str | None = None
    ttl_minutes: int | None = None  # the feed's own update hint
    retry_after: float | None = None  # seconds a 429/503 asked us to wait
    note: str | None = None  # why a poll was skipped, in words
    skipped_for: str | None = None  # ... as one of feedstate's BACKING_OFF, DISABLED, HINT


@dataclass(frozen=True, slots=True)
class PageTask:
    """An article page to fetch, with what its feed entry said about it (the fallbacks)."""

    article_id: str
    url: str  # normalised
    link: str  # as the feed gave it
    feed_id: str | None
    title: str | None = None
    published_at: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None  # the feed's configured language
    warc_file: str | None = None  # an archived response of this page, for re-extraction
    warc_offset: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page (or the failure to fetch it)."""

    task: PageTask
    fetched_at: datetime
    final_url: str | None
    http_status: int | None
    content_type: str | None
    size_bytes: int
    elapsed_ms: float
    body: bytes | None  # None when the fetch failed or the content was refused
    encoding: str | None = None  # the encoding `html` was decoded with (pipeline.charset)
    problem: Problem | None = None
    html: str | None = None  # the body decoded once, with its real encoding
    warc_file: str | None = None  # the response's record in the raw archive (pipeline.archive)
    warc_offset: int | None = None
    warc_length: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An extracted article: one row of `articles`."""

    article_id: str  # id of `url`: the page's canonical URL when it names one on the same site
    link_id: str  # id of the link the feed gave (an alias when the canonical URL differs)
    url: str
    link: str
    final_url: str | None
    feed_id: str | None
    source_domain: str
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    date_source: str | None
    fetched_at: datetime
    http_status: int | None
    content_type: str | None
    size_bytes: int
    fetch_ms: float
    language: str | None
    site_name: str | None
    description: str | None
    text: str | None
    word_count: int
    content_hash: str | None
    extraction_status: str  # ok | empty
    extraction_error: str | None = None
    warc_file: str | None = None  # where the raw response is archived (relative to archive_dir)
    warc_offset: int | None = None
    warc_length: int | None = None
    published_zone: str | None = None  # the UTC offset the date was written in, e.g. "+02:00"


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's decision on one article."""

    article_id: str
    classifier_version: str
    relevant: bool
    score: float
    topic_scores: dict[str, float]
    primary_topic: str | None
    explanation: dict[str, Any] = field(default_factory=dict)
    peace: bool = False  # relevant, and mainly about negotiating an end to the war
    peace_score: float = 0.0  # in [0, 1]; 0.5 is the decision line
