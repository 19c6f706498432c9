"""The extract stage on every core (`pipeline.workers`), each page within a time limit."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

from pipeline import extract, workers
from pipeline.models import Article, Page, Problem

#: Batches with fewer pages than this run in-process: a pool round trip is not worth it.
POOL_MIN_PAGES = 8
#: Pages a worker takes at a time: small, because page costs vary a hundredfold.
CHUNK_PAGES = 4


def extract_pages(pages: Sequence[Page], *, processes: int, timeout: float) -> tuple[list[Article],
                                                                                    list[Problem]]:
    """`extract.extract_pages` over `processes` processes: the same articles in the same order."""
    todo = [p for p in pages if p.body is not None]
    results = None
    if len(todo) >= POOL_MIN_PAGES:
        results = workers.parallel_map(_extract_one, todo, list(repeat(timeout, len(todo))),
                                       workers=processes, chunksize=CHUNK_PAGES)
    if results is None:
        return extract.extract_pages(todo, timeout)
    return [a for a, _ in results], [p for _, p in results if p is not None]


def _extract_one(page: Page, timeout: float) -> tuple[Article, Problem | None]:
    return extract.extract_page(page, timeout)
