"""Extract -> classify -> sign on worker processes: the same results as in one process, in input
order, with a bounded number of pages in flight, and in-process once a worker has died."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pipeline import stages, workers
from pipeline.classify import LexicalClassifier, default_classifier
from tests.test_extract_pool import sample_pages

pytestmark = pytest.mark.usefixtures("stop_worker_pool")


def test_workers_give_the_same_articles_decisions_and_signatures_as_one_process():
    pages = sample_pages()
    lexical = default_classifier("lexical")
    alone = stages.work(pages, lexical, timeout=60)
    pooled = stages.run(pages, lexical, processes=2, timeout=60)
    assert workers.unavailable() is None
    assert pooled.articles == alone.articles
    assert pooled.decisions == alone.decisions
    assert pooled.signatures == alone.signatures
    assert pooled.pages == alone.pages and len(pooled.pages) == len(pages)
    assert set(pooled.seconds) == {"extract", "classify", "dedup"}


def test_a_classifier_the_workers_cannot_rebuild_classifies_in_this_process():
    pages = sample_pages()
    own = LexicalClassifier()  # not the packaged instance: workers could not make this one
    pooled = stages.run(pages, own, processes=2, timeout=60)
    assert [d.article_id for d in pooled.decisions] == [
        a.article_id for a in pooled.articles if a.extraction_status == "ok"]
    assert pooled.decisions == stages.work(pages, own, timeout=60).decisions


def square(n: int) -> int:
    return n * n


def test_a_stream_keeps_order_and_reads_no_further_ahead_than_asked():
    read = []

    def numbers() -> Iterator[int]:
        for n in range(40):
            read.append(n)
            yield n

    out = []
    for value in workers.stream(square, numbers(), workers=2, ahead=5):
        out.append(value)
        assert len(read) - len(out) <= 5  # items taken from the input and not yet returned
    assert out == [n * n for n in range(40)]


def die_in_a_worker(n: int) -> int:
    """Kills the worker process that gets item 7 (as the OOM killer would); in-process it works."""
    if n == 7 and workers._in_worker:
        os._exit(1)
    return n + 1


def test_items_a_dead_worker_held_are_done_in_process_and_the_stream_goes_on():
    assert list(workers.stream(die_in_a_worker, range(20), workers=2, ahead=4)) == list(range(1, 21))
