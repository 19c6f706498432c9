"""Long runs give the memory they freed back to the system (`pipeline.heap`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline import heap


def anonymous_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no RssAnon in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, /proc")
def test_memory_freed_between_live_objects_goes_back_to_the_system():
    """150 MB of page-sized objects freed, one in 500 kept (as a run keeps a few objects of each
    batch): malloc cannot shrink its heap from the top, so the process keeps the freed pages
    until they are given back."""
    blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(150_000)]
    kept = [*blocks[::500], blocks[-1]]
    del blocks
    held = anonymous_mb()
    assert heap.give_back()
    assert anonymous_mb() < held - 100
    assert len(kept) == 301
