"""Benchmark: feed entries parsed per second, the pipeline's parser against feedparser's defaults.

A few hundred generated feeds of realistic size (RSS 2.0, Atom, RDF in turn; 20-100 items with HTML
descriptions and content, namespaces, dates; see bench/feedgen.py), one in twenty malformed (a bare
`&`) so the feedparser fallback is paid for too. Each parser turns every feed into the pipeline's
Entry records (`poll._entries`), so both sides do the same job; the run also checks they give the
same entries. Prints a table and writes bench/results/feed.json. Not a test.

    .venv/bin/python bench/feed_bench.py [--feeds 300] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import feedgen  # noqa: E402
import machine  # noqa: E402

from pipeline import feedparse, poll  # noqa: E402
from pipeline.sources import FeedSource  # noqa: E402

MALFORMED_EVERY = 20


def corpus(count: int) -> list[tuple[str, bytes]]:
    feeds = feedgen.feeds(count)
    for k in range(0, count, MALFORMED_EVERY):  # "News & analysis": not XML, feedparser copes
        url, body = feeds[k]
        feeds[k] = (url, body.replace(b"&amp; friends", b"& friends", 1).replace(b"&#8212;", b"&", 1))
    return feeds


def run(parse: Callable[[bytes, str], Any], feeds: list[tuple[str, bytes]], repeat: int) -> tuple[float, int]:
    """Best of `repeat`: seconds to parse every feed into Entry records, and how many entries."""
    source = FeedSource(id="bench", url="https://bench.example/feed")
    best, entries = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        entries = sum(len(list(poll._entries(source, parse(body, url), url))) for url, body in feeds)
        best = min(best, time.perf_counter() - start)
    return best, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    m = machine.header()
    feeds = corpus(args.feeds)
    size = sum(len(b) for _, b in feeds)
    fast_share = sum(feedparse.parse(b, u) is not None for u, b in feeds) / len(feeds)

    def defaults(body: bytes, url: str) -> Any:
        return feedparser.parse(body, response_headers={"content-location": url})

    def no_sanitising(body: bytes, url: str) -> Any:
        return feedparser.parse(body, response_headers={"content-location": url}, sanitize_html=False,
                                resolve_relative_uris=False)

    source = FeedSource(id="bench", url="https://bench.example/feed")
    differ = sum(list(poll._entries(source, defaults(b, u), u))
                 != list(poll._entries(source, poll.parse_feed(b, u), u)) for u, b in feeds)
    rows = []
    base = None
    parsers = (("feedparser defaults", defaults),
               ("feedparser, no sanitising/URI resolution", no_sanitising),
               ("pipeline (poll.parse_feed)", poll.parse_feed))
    for name, parse in parsers:
        secs, entries = run(parse, feeds, args.repeat)
        rate = entries / secs
        base = base or rate
        rows.append({"parser": name, "feeds": len(feeds), "entries": entries, "seconds": round(secs, 2),
                     "entries_per_s": round(rate), "vs_defaults": f"{rate / base:.2f}x"})
    print(f"{len(feeds)} feeds, {size / len(feeds) / 1000:.0f} KB on average, {fast_share:.0%} on the lxml "
          f"fast path; feeds whose entries differ from feedparser's: {differ}")
    machine.table(rows, ["parser", "feeds", "entries", "seconds", "entries_per_s", "vs_defaults"])
    machine.write("feed", {"machine": m, "feeds": len(feeds), "avg_kb": round(size / len(feeds) / 1000),
                           "fast_path_share": fast_share, "differing_feeds": differ, "rows": rows})


if __name__ == "__main__":
    main()
