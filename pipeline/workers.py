"""Worker processes for the CPU-bound stages: extracting pages and embedding texts.

trafilatura is pure Python over lxml and the embedding model runs best single-threaded (its
OpenMP threads spin and stall when the machine is shared), so the way to use every core is one
process per core. One pool lives as long as the process that made it and serves all its batches
(starting workers costs more than a small batch). Workers come from a fork server that has
imported trafilatura once, so they start in milliseconds and never inherit the parent's threads
(Airflow's task runner, the embedding model's OpenMP threads).

`parallel_map` returns None where no pool can run, and the caller does the work in-process with
the same results: in a daemonic process (a Celery worker's task), inside a worker itself (pools
do not nest), when one worker is asked for, or after a worker died (the pool is dropped; the next
batch starts a new one). `stream` feeds a pool from an iterator with a bounded number of items in
flight, so the process that reads the input keeps every worker busy without reading ahead of them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_unavailable: str | None = None  # why no pool can start in this process
_in_worker = False  # set in the pool's own workers


def _mark_worker() -> None:
    global _in_worker
    _in_worker = True


def count(setting: int) -> int:
    """The number of worker processes a setting asks for: 0 means one per CPU."""
    return setting if setting > 0 else (os.cpu_count() or 1)


def parallel_map(fn: Callable[..., R], items: Sequence[Any], *extra: Sequence[Any], workers: int,
                 chunksize: int = 1) -> list[R] | None:
    """`fn` over `items` (zipped with `extra`) in `workers` processes, results in order; None
    when no pool can run here."""
    if workers <= 1 or not items:
        return None
    pool = _get_pool(workers)
    if pool is None:
        return None
    try:
        return list(pool.map(fn, items, *extra, chunksize=chunksize))
    except BrokenProcessPool:
        shutdown()  # a worker died (killed, out of memory): the caller redoes the batch here
        return None


def stream(fn: Callable[[T], R], items: Iterable[T], *, workers: int, ahead: int) -> Iterator[R]:
    """`fn` over `items` in order, with at most `ahead` items submitted and not yet returned.
    Where no pool can run, or after a worker died, the remaining items are done in-process."""
    pool = _get_pool(workers) if workers > 1 else None
    pending: deque[tuple[T, Future[R] | None]] = deque()

    def result(item: T, future: Future[R] | None) -> R:
        nonlocal pool
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                shutdown()
                pool = None
        return fn(item)

    for item in items:
        future = None
        if pool is not None:
            try:
                future = pool.submit(fn, item)
            except (BrokenProcessPool, RuntimeError):
                shutdown()
                pool = None
        pending.append((item, future))
        while pending and (len(pending) >= max(1, ahead) or pending[0][1] is None):
            yield result(*pending.popleft())
    while pending:
        yield result(*pending.popleft())


def unavailable() -> str | None:
    """Why this process works in-process (None when a pool can start or runs)."""
    return _unavailable


def shutdown() -> None:
    """Stop the pool (it starts again on the next batch that needs it)."""
    global _pool, _pool_workers
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool, _pool_workers = None, 0


def _get_pool(workers: int) -> ProcessPoolExecutor | None:
    global _pool, _pool_workers, _unavailable
    if _pool is not None and _pool_workers == workers:
        return _pool
    if _unavailable is not None:  # tried once in this process: do not pay for it every batch
        return None
    if _in_worker:
        _unavailable = "a pool worker (pools do not nest)"
        return None
    if multiprocessing.current_process().daemon:
        _unavailable = "daemonic process (cannot have children)"
        return None
    shutdown()
    with _lock:
        try:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pipeline.extract"])
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_mark_worker)
            pool.submit(int).result(timeout=120)  # start the server and a worker now
        except (OSError, ValueError, RuntimeError, AssertionError, TimeoutError, BrokenProcessPool) as exc:
            _unavailable = f"{type(exc).__name__}: {exc}"
            return None
        _pool, _pool_workers, _unavailable = pool, workers, None
        return pool
