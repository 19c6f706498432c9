"""Fetch stage: download article pages; record final URL, status, content type, size and time.

Non-HTML content (PDF, images, ...) is refused with the reason `not_html`; every failure becomes
a `Page` whose `problem` says why, so one bad page never stops a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import httpx

from pipeline import net
from pipeline.config import Settings
from pipeline.models import Page, PageTask, Problem

#: Content types that carry an HTML page. Others are refused before extraction.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def fetch_pages(
    tasks: Iterable[PageTask],
    settings: Settings,
    *,
    on_done: Callable[[Page], None] | None = None,
) -> list[Page]:
    """Fetch pages concurrently; results in the order of `tasks`."""
    tasks = list(tasks)
    pages: dict[str, Page] = {}
    with net.make_client(settings) as client:
        for page in net.parallel_map(
            lambda t: fetch_page(client, t, settings), tasks, settings.concurrency
        ):
            pages[page.task.article_id] = page
            if on_done:
                on_done(page)
    return [pages[t.article_id] for t in tasks]


def fetch_page(client: httpx.Client, task: PageTask, settings: Settings) -> Page:
    fetched_at = datetime.now(UTC)
    try:
        resp = net.get(client, task.link, max_bytes=settings.max_page_bytes,
                       deadline_s=settings.deadline)
    except net.FetchError as exc:
        return Page(task=task, fetched_at=fetched_at, final_url=None, http_status=exc.status,
                    content_type=None, size_bytes=0, elapsed_ms=0.0, body=None,
                    problem=Problem("fetch", task.link, exc.error_class, exc.message, task.feed_id))
    ctype = resp.content_type
    problem = None
    body: bytes | None = resp.body
    if not is_html(ctype, resp.body):
        problem = Problem("fetch", task.link, "not_html",
                          f"content type {ctype or 'missing'} is not an HTML page", task.feed_id)
        body = None
    return Page(task=task, fetched_at=fetched_at, final_url=resp.url, http_status=resp.status,
                content_type=ctype or None, size_bytes=len(resp.body), elapsed_ms=resp.elapsed_ms,
                body=body, encoding=resp.encoding, problem=problem)


def is_html(content_type: str, body: bytes) -> bool:
    """HTML by its declared type; a missing or generic type is judged by the first bytes."""
    if content_type in HTML_TYPES:
        return True
    if content_type in ("", "application/octet-stream", "text/plain"):
        head = body[:1024].lstrip().lower()
        return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head
    return False
