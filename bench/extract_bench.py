"""Benchmark: the pipeline's extract stage against a bare trafilatura loop, same pages, same run.

Pages of the shared real-world corpus (default 600), the same trafilatura options (metadata on).
Measured: a plain loop over trafilatura.bare_extraction; the extract stage in one process (with
its decoding, metadata fallbacks, language identification, hashing and time limit); the extract
stage over a pool of --workers processes as `run.pages_to_batch` runs it (batches of 200, pool
started before timing as in a long run). Each is run --rounds times interleaved, the best kept.
Also per-page p50/p99 and the slowest pages (from the single-process stage). Not a test.

    .venv/bin/python bench/extract_bench.py [--pages 600] [--workers 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import machine
import trafilatura
from corpus import corpus_pages

from pipeline import extract, extract_pool, workers
from pipeline.models import Page, PageTask
from pipeline.urls import article_id

BATCH = 200


def to_pages(items: list[tuple[str, bytes]]) -> list[Page]:
    pages = []
    for name, body in items:
        url = f"https://corpus.example.org/{name}"
        task = PageTask(article_id=article_id(url), url=url, link=url, feed_id=None)
        pages.append(Page(task=task, fetched_at=datetime.now(UTC), final_url=url, http_status=200,
                          content_type="text/html", size_bytes=len(body), elapsed_ms=0.0, body=body))
    return pages


def bare(pages: list[Page]) -> float:
    start = time.perf_counter()
    for p in pages:
        trafilatura.bare_extraction(p.body, url=p.final_url, with_metadata=True, include_comments=False,
                                    include_tables=True, deduplicate=False)
    return time.perf_counter() - start


def stage(pages: list[Page], processes: int, timeout: float) -> float:
    start = time.perf_counter()
    for i in range(0, len(pages), BATCH):
        extract_pool.extract_pages(pages[i:i + BATCH], processes=processes, timeout=timeout)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    pages = to_pages(corpus_pages(args.pages))
    mb = sum(p.size_bytes for p in pages) / 1e6
    info = machine.header()
    stage(pages[:16], args.workers, args.timeout)  # start the pool, warm imports
    best = {"bare trafilatura": float("inf"), "extract stage, 1 process": float("inf"),
            f"extract stage, {args.workers} processes": float("inf")}
    for _ in range(args.rounds):
        for label, run in zip(best, (lambda: bare(pages), lambda: stage(pages, 1, args.timeout),
                                     lambda: stage(pages, args.workers, args.timeout)), strict=True):
            best[label] = min(best[label], run())
    per_page = []
    for p in pages:
        t0 = time.perf_counter()
        article, problem = extract.extract_page(p, args.timeout)
        status = problem.error_class if problem else "ok"
        per_page.append((time.perf_counter() - t0, p.task.link, p.size_bytes, status))
    workers.shutdown()
    rates = {k: len(pages) / v for k, v in best.items()}
    labels = list(best)
    single_ratio = rates[labels[1]] / rates[labels[0]]
    pool_speedup = rates[labels[2]] / rates[labels[1]]
    ms = sorted(t * 1000 for t, *_ in per_page)
    slowest = sorted(per_page, reverse=True)[:5]
    print(f"{len(pages)} corpus pages, {mb:.1f} MB, best of {args.rounds} interleaved rounds")
    print(f"{'':<28} {'seconds':>8} {'pages/s':>8}")
    for k, v in best.items():
        print(f"{k:<28} {v:>8.1f} {rates[k]:>8.1f}")
    print(f"extract stage / bare trafilatura, one core: {1 / single_ratio:.2f}x the time per page "
          "(target <= 1.2)")
    print(f"{args.workers} processes / 1 process: {pool_speedup:.2f}x (target >= 1.8)")
    print(f"per page (stage, one process): p50 {statistics.median(ms):.0f} ms, "
          f"p99 {ms[int(len(ms) * 0.99) - 1]:.0f} ms, max {ms[-1]:.0f} ms; time limit {args.timeout:g}s")
    for secs, link, size, status in slowest:
        print(f"  slow: {secs * 1000:7.0f} ms {size / 1000:6.0f} KB {status:<16} {link}")
    machine.write("extract", {"machine": info, "pages": len(pages), "megabytes": round(mb, 1),
                     "seconds": best, "pages_per_s": rates, "stage_vs_bare": single_ratio,
                     "stage_time_vs_bare": 1 / single_ratio,
                     "pool_speedup": pool_speedup, "p50_ms": statistics.median(ms),
                     "p99_ms": ms[int(len(ms) * 0.99) - 1], "max_ms": ms[-1],
                     "slowest": [{"ms": s * 1000, "url": u, "bytes": b, "status": st}
                                 for s, u, b, st in slowest]})


if __name__ == "__main__":
    main()
