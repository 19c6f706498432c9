"""Handing freed memory back to the system, for the long runs.

glibc's malloc keeps what a process frees for its own reuse and returns it to the system only
from the top of the heap. Python objects larger than 512 bytes (page texts, batches) and the
search index's writer (tantivy's indexing arenas, 128 MB, in its own threads' heaps) allocate
there, so after a publish the process kept 250-280 MB it no longer used, and the next load's
DuckDB and Arrow memory (their own allocators) came on top of it (docs/performance.md).
`malloc_trim(0)` gives the free pages of every heap back. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def give_back() -> bool:
    """Return the free memory malloc holds to the system; whether it could (glibc)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
