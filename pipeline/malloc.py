"""glibc's malloc told to keep few arenas in a long run's process.

glibc gives each thread that allocates its own arena (heap), up to eight per core, and what a
thread frees stays in its arena for that thread to reuse. A long run's process has many threads
that allocate in turns: DuckDB's, the search index's writer and mergers, the feeder of the worker
pool, the progress display. Each arena keeps the high-water mark of whichever publish last used
it, so what the process holds between publishes climbed through a 100k backfill (medians 288 →
427 MB of anonymous memory, docs/performance.md) while what Python held stayed flat. With two
arenas the freed memory is shared by every thread and reused, as `MALLOC_ARENA_MAX=2` does for
a whole process.

`mallopt(M_ARENA_MAX)` only bounds arenas made after it, so it is called when a long run starts,
before DuckDB and the pool start their threads. Elsewhere (musl, macOS) there is nothing to
set, and a long run runs as before.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # glibc's malloc.h


def cap_arenas(arenas: int) -> bool:
    """Let glibc's malloc make at most `arenas` arenas in this process from now on (0: leave
    glibc's default). Returns whether the cap was set."""
    if arenas <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
