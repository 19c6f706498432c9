"""The extract stage over a process pool: same results as in-process, a time limit per page, and
an in-process fallback where no pool can start."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import extract, extract_pool, workers
from pipeline.models import Page, PageTask
from pipeline.timelimit import TimeLimitExceeded, time_limit
from pipeline.urls import article_id

ARTICLES = Path(__file__).resolve().parent.parent / "pipeline" / "sample" / "site" / "articles"


def page(name: str, body: bytes) -> Page:
    url = f"https://news.example.org/{name}"
    task = PageTask(article_id=article_id(url), url=url, link=url, feed_id="f")
    return Page(task=task, fetched_at=datetime(2026, 3, 1, tzinfo=UTC), final_url=url, http_status=200,
                content_type="text/html", size_bytes=len(body), elapsed_ms=1.0, body=body)


def sample_pages() -> list[Page]:
    return [page(f"{p.stem}-{i}", p.read_bytes()) for i in range(2) for p in sorted(ARTICLES.glob("*.html"))]


def slow_page() -> Page:
    """Tens of thousands of paragraphs: seconds of extraction, where a normal page takes ms."""
    paragraphs = "".join(f"<p>Paragraph {i} of a page with far too much text in it, said the editor.</p>"
                         for i in range(60_000))
    return page("slow", f"<html><body><article>{paragraphs}</article></body></html>".encode())


pytestmark = pytest.mark.usefixtures("stop_worker_pool")


def test_the_pool_gives_the_same_articles_in_the_same_order_as_one_process():
    pages = sample_pages()
    alone, alone_problems = extract.extract_pages(pages)
    pooled, pooled_problems = extract_pool.extract_pages(pages, processes=2, timeout=60)
    assert workers.unavailable() is None
    assert pooled == alone
    assert pooled_problems == alone_problems


def test_pages_that_failed_to_fetch_are_passed_over():
    pages = sample_pages()
    failed = [Page(task=p.task, fetched_at=p.fetched_at, final_url=None, http_status=500, content_type=None,
                   size_bytes=0, elapsed_ms=1.0, body=None) for p in pages[:3]]
    articles, _ = extract_pool.extract_pages([*failed, *pages], processes=2, timeout=60)
    assert len(articles) == len(pages)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_page_over_the_time_limit_is_an_extract_timeout_and_the_batch_goes_on(processes):
    pages = sample_pages()
    batch = [*pages[:6], slow_page(), *pages[6:]]
    articles, problems = extract_pool.extract_pages(batch, processes=processes, timeout=1.0)
    assert len(articles) == len(batch)
    slow = articles[6]
    assert slow.extraction_status == "empty" and slow.text is None
    assert [(p.target, p.error_class) for p in problems if p.error_class != "empty_extraction"] == [
        (slow.link, "extract_timeout")]
    assert "longer than 1s" in (slow.extraction_error or "")
    assert sum(a.extraction_status == "ok" for a in articles) == sum(
        a.extraction_status == "ok" for a in extract.extract_pages(pages)[0])


def test_the_time_limit_interrupts_and_then_disarms():
    with pytest.raises(TimeLimitExceeded), time_limit(0.05):
        while True:
            time.sleep(0.001)
    time.sleep(0.1)  # no alarm left armed


def test_the_time_limit_holds_when_the_work_swallows_its_interruption():
    # as Python does when the alarm rings inside a weakref callback, or a library's `except:`
    swallowed = 0
    with pytest.raises(TimeLimitExceeded), time_limit(0.05):
        while True:
            try:
                time.sleep(0.001)
            except TimeLimitExceeded:
                swallowed += 1
                if swallowed == 3:
                    break  # the work finishes late, having lost three interruptions
    assert swallowed == 3
    time.sleep(0.2)  # no alarm left armed


def test_work_catching_exception_does_not_catch_the_time_limit():
    with pytest.raises(TimeLimitExceeded), time_limit(0.05):
        while True:
            try:
                time.sleep(0.001)
            except Exception:  # noqa: BLE001, S112 - what a broad library handler does
                continue


def _extract_in_daemon(queue: multiprocessing.Queue) -> None:
    articles, _ = extract_pool.extract_pages(sample_pages(), processes=2, timeout=60)
    queue.put((len(articles), workers.unavailable()))


def test_a_daemonic_process_extracts_in_process():
    ctx = multiprocessing.get_context("forkserver")
    queue = ctx.Queue()
    proc = ctx.Process(target=_extract_in_daemon, args=(queue,), daemon=True)
    proc.start()
    count, why = queue.get(timeout=120)
    proc.join(30)
    assert count == len(sample_pages())
    assert why is not None and "daemonic" in why
