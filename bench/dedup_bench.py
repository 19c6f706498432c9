"""Benchmark: near-duplicate clustering of synthetic news texts at 10k, 30k and 100k documents.

Prints time (signatures, clustering) and peak memory per size, each size in a fresh process so
peak RSS is its own, and writes the figures to bench/results/dedup.json. Not a test.

    .venv/bin/python bench/dedup_bench.py [--sizes 10000,30000,100000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import machine

WORDS = 250  # words per document: a news lead plus a few paragraphs
COPY_SHARE = 0.2  # share of documents that are edited copies of an earlier one


def corpus(n: int, seed: int = 7) -> list[str]:
    """Synthetic articles over a Zipf-like vocabulary; a fifth are lightly edited copies."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(30_000)]
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(vocab))]
    docs: list[str] = []
    for _ in range(n):
        if docs and rng.random() < COPY_SHARE:
            words = rng.choice(docs).split()
            for _ in range(8):  # a light edit: eight words changed
                words[rng.randrange(len(words))] = rng.choice(vocab)
            docs.append(" ".join(words))
        else:
            docs.append(" ".join(rng.choices(vocab, weights=weights, k=WORDS)))
    return docs


def run_one(n: int) -> dict[str, float]:
    from pipeline import dedup

    docs = corpus(n)
    ids = [f"a{i}" for i in range(n)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    published = [start + timedelta(minutes=i) for i in range(n)]
    t0 = time.perf_counter()
    sigs = dedup.signatures(docs)
    t1 = time.perf_counter()
    members = dedup.cluster(ids, published, sigs)
    t2 = time.perf_counter()
    stories = sum(m.is_representative for m in members)
    peak_mb = machine.peak_rss_mb()
    return {"docs": n, "signatures_s": round(t1 - t0, 2), "cluster_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "docs_per_s": round(n / (t2 - t0)),
            "stories": stories, "peak_rss_mb": round(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    rows = []
    for n in map(int, args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True,
                             capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'docs':>8} {'signatures s':>13} {'cluster s':>10} {'total s':>8} {'docs/s':>7} "
          f"{'stories':>8} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['docs']:>8} {r['signatures_s']:>13} {r['cluster_s']:>10} {r['total_s']:>8} "
              f"{r['docs_per_s']:>7} {r['stories']:>8} {r['peak_rss_mb']:>12}")
    base = rows[0]
    for r in rows[1:]:
        print(f"{base['docs']} -> {r['docs']}: x{r['docs'] / base['docs']:.0f} docs, "
              f"x{r['total_s'] / base['total_s']:.1f} time, "
              f"x{r['peak_rss_mb'] / base['peak_rss_mb']:.1f} peak memory")
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "dedup.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
