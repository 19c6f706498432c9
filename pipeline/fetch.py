"""Fetch stage: download article pages politely; record final URL, status, content type, size
and time, and archive every response.

Pages from many hosts are fetched at once, each host within its own limits
(`per_host_concurrency`, `per_host_delay`, robots.txt; see `pipeline.polite`). Non-HTML
content (PDF, images, ...) is refused with the reason `not_html`; the HTML is decoded once with
its real charset (`pipeline.charset`). Every failure becomes a `Page` whose `problem` says why,
so one bad page never stops a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pipeline import charset, net, polite
from pipeline.archive import Pointer
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
    """Fetch pages concurrently under the politeness limits; results in the order of `tasks`."""
    tasks = list(tasks)
    pages: dict[str, Page] = {}
    with net.make_client(settings, archive=True) as client:
        robots = polite.Robots(client, settings.user_agent) if settings.obey_robots else None
        for page in polite.polite_map(
            lambda t: fetch_page(client, t, settings, robots), tasks,
            key=lambda t: polite.host_of(t.link), workers=settings.concurrency,
            per_host=settings.per_host_concurrency, delay=settings.per_host_delay,
        ):
            pages[page.task.article_id] = page
            if on_done:
                on_done(page)
    return [pages[t.article_id] for t in tasks]


def fetch_page(client: net.Client, task: PageTask, settings: Settings,
               robots: polite.Robots | None = None) -> Page:
    fetched_at = datetime.now(UTC)

    def failed(error_class: str, message: str, status: int | None = None,
               retry_after: float | None = None) -> Page:
        return Page(task=task, fetched_at=fetched_at, final_url=None, http_status=status,
                    content_type=None, size_bytes=0, elapsed_ms=0.0, body=None,
                    problem=Problem("fetch", task.link, error_class, message, task.feed_id,
                                    retry_after))

    if robots is not None:
        refused = robots.check(task.link)
        if refused:
            return failed(*refused)
    try:
        resp = client.get(task.link, max_bytes=settings.max_page_bytes, deadline_s=settings.deadline)
    except net.FetchError as exc:
        return failed(exc.error_class, exc.message, exc.status, exc.retry_after)
    return page_from_response(task, fetched_at, resp.url, resp.status, resp.content_type,
                              resp.encoding, resp.body, resp.elapsed_ms, resp.warc)


def page_from_response(task: PageTask, fetched_at: datetime, url: str, status: int, ctype: str,
                       header_charset: str | None, body: bytes, elapsed_ms: float = 0.0,
                       warc: Pointer | None = None) -> Page:
    """A Page from a response (fetched now, or read back from the archive)."""
    pointer: dict[str, Any] = {"warc_file": warc.warc_file if warc else None,
                               "warc_offset": warc.offset if warc else None,
                               "warc_length": warc.length if warc else None}
    if status == 304 or not 200 <= status < 300:
        return Page(task=task, fetched_at=fetched_at, final_url=url, http_status=status,
                    content_type=ctype or None, size_bytes=len(body), elapsed_ms=elapsed_ms,
                    body=None, problem=Problem("fetch", task.link, "http_4xx" if status < 500 else
                                               "http_5xx", f"HTTP {status}", task.feed_id), **pointer)
    if not is_html(ctype, body):
        problem = Problem("fetch", task.link, "not_html",
                          f"content type {ctype or 'missing'} is not an HTML page", task.feed_id)
        return Page(task=task, fetched_at=fetched_at, final_url=url, http_status=status,
                    content_type=ctype or None, size_bytes=len(body), elapsed_ms=elapsed_ms,
                    body=None, problem=problem, **pointer)
    html, encoding = charset.decode_html(body, header_charset)
    return Page(task=task, fetched_at=fetched_at, final_url=url, http_status=status,
                content_type=ctype or None, size_bytes=len(body), elapsed_ms=elapsed_ms,
                body=body, encoding=encoding, html=html, **pointer)


def is_html(content_type: str, body: bytes) -> bool:
    """HTML by its declared type; a missing or generic type is judged by the first bytes."""
    if content_type in HTML_TYPES:
        return True
    if content_type in ("", "application/octet-stream", "text/plain"):
        head = body[:1024].lstrip().lower()
        return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head
    return False
