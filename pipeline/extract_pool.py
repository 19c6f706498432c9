"""The extract stage on every core: a pool of worker processes, each page within a time limit.

trafilatura is pure Python over lxml, so threads do not help; processes do. One pool lives as
long as the process that made it and serves all its batches (starting workers costs more than
extracting a small batch). Workers come from a fork server that has imported trafilatura once,
so they start in milliseconds and never inherit the parent's threads (Airflow's task runner,
the embedding model's OpenMP threads).

Where no pool can start the stage runs in-process, with the same results: in a daemonic process
(a Celery worker's task), when `extract_workers` is 1, for batches too small to be worth it, or
when a worker dies (the pool is dropped and the rest of the batch runs here).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat

from pipeline import extract
from pipeline.models import Article, Page, Problem

#: Batches with fewer pages than this run in-process: a pool round trip is not worth it.
POOL_MIN_PAGES = 8
#: Pages a worker takes at a time: small, because page costs vary a hundredfold.
CHUNK_PAGES = 4

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_unavailable: str | None = None  # why no pool can start in this process


def workers_for(setting: int) -> int:
    """The number of extract processes a setting asks for: 0 means one per CPU."""
    return setting if setting > 0 else (os.cpu_count() or 1)


def extract_pages(pages: Sequence[Page], *, workers: int, timeout: float) -> tuple[list[Article],
                                                                                   list[Problem]]:
    """`extract.extract_pages` over `workers` processes; the same articles in the same order."""
    todo = [p for p in pages if p.body is not None]
    results: list[tuple[Article, Problem | None]] | None = None
    if workers > 1 and len(todo) >= POOL_MIN_PAGES:
        pool = _get_pool(workers)
        if pool is not None:
            try:
                results = list(pool.map(_extract_one, todo, repeat(timeout), chunksize=CHUNK_PAGES))
            except BrokenProcessPool:
                shutdown()  # a worker died (killed, out of memory): redo the batch here
    if results is None:
        return extract.extract_pages(todo, timeout)
    return [a for a, _ in results], [p for _, p in results if p is not None]


def pool_unavailable() -> str | None:
    """Why this process extracts in-process (None when a pool can start or runs)."""
    return _unavailable


def shutdown() -> None:
    """Stop the pool (it starts again on the next batch that needs it)."""
    global _pool, _pool_workers
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool, _pool_workers = None, 0


def _extract_one(page: Page, timeout: float) -> tuple[Article, Problem | None]:
    return extract.extract_page(page, timeout)


def _get_pool(workers: int) -> ProcessPoolExecutor | None:
    global _pool, _pool_workers, _unavailable
    if _pool is not None and _pool_workers == workers:
        return _pool
    if _unavailable is not None:  # tried once in this process: do not pay for it every batch
        return None
    if multiprocessing.current_process().daemon:
        _unavailable = "daemonic process (cannot have children)"
        return None
    shutdown()
    with _lock:
        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pipeline.extract"])
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            pool.submit(int).result(timeout=120)  # start the server and a worker now
        except (OSError, ValueError, RuntimeError, AssertionError, TimeoutError, BrokenProcessPool) as exc:
            _unavailable = f"{type(exc).__name__}: {exc}"
            return None
        _pool, _pool_workers, _unavailable = pool, workers, None
        return pool
