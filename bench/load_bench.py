"""Benchmark: rows per second into the DuckDB file, the real load path against row by row.

Articles with ~5 KB of text (with a classification, two subtopic scores and a MinHash signature
each, as a processed batch has them) are built as the pipeline's Arrow tables, then loaded with
`store.load_batch` (versions, articles, aliases, signatures, decisions, scores, errors: one
transaction per batch) into a fresh file, in batches of --batch rows. The baseline inserts the
same article rows with `executemany` into an identical `articles` table in another fresh file
(a sample of --baseline rows: it is slow). Table building is timed apart from loading. Not a test.

    .venv/bin/python bench/load_bench.py [--rows 20000] [--batch 5000] [--baseline 2000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import machine

from pipeline import dedup, store
from pipeline.config import Settings
from pipeline.models import Article, Classification
from pipeline.urls import article_id

VOCABULARY = ("war front drone strike city grain port talks sanctions energy minister army village river "
         "bridge night report officials said people border attack winter aid")
WORDS = VOCABULARY.split()


def articles(n: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        text = "\n".join(" ".join(rng.choices(WORDS, k=85)) for _ in range(10))  # ~5 KB
        url = f"https://site{i % 50}.example.org/2026/03/{i}"
        out.append(Article(article_id=article_id(url), link_id=article_id(url), url=url, link=url,
                           final_url=url, feed_id=None, source_domain=f"site{i % 50}.example.org",
                           title=f"Report {i}", authors=("A. Writer",),
                           published_at=now - timedelta(minutes=i), date_source="page", fetched_at=now,
                           http_status=200, content_type="text/html", size_bytes=60_000, fetch_ms=0.0,
                           language="en", site_name="Site", description=None, text=text,
                           word_count=len(text.split()), content_hash=f"{i:064x}", extraction_status="ok"))
    return out


def decisions(items: list[Article]) -> list[Classification]:
    return [Classification(article_id=a.article_id, classifier_version="bench", relevant=i % 3 == 0,
                           score=0.6, topic_scores={"frontline": 0.7, "sanctions": 0.2},
                           primary_topic="frontline", explanation={"terms": ["war"]})
            for i, a in enumerate(items)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    args = parser.parse_args()
    info = machine.header()
    rows = articles(args.rows)
    text_kb = sum(len(a.text or "") for a in rows) / len(rows) / 1000
    t0 = time.perf_counter()
    batches = []
    for i in range(0, len(rows), args.batch):
        part = rows[i:i + args.batch]
        signatures = dedup.signatures([a.text or "" for a in part])
        sigs = list(zip([a.article_id for a in part], signatures, strict=True))
        batches.append(store.batch_tables("bench", articles=part, classifications=decisions(part),
                                          problems=[], signatures=sigs))
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bulk.duckdb", staging_dir=Path(tmp) / "staging")
        with store.open_db(settings) as con:
            t0 = time.perf_counter()
            for tables in batches:
                store.load_batch(con, settings, tables)
            bulk = time.perf_counter() - t0
            loaded = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert loaded == len(rows), loaded
        base = Settings(db=Path(tmp) / "rows.duckdb", staging_dir=Path(tmp) / "staging")
        with store.open_db(base) as con:
            cols = [f for f in store.SCHEMAS["articles"].names if f != "link_id"]
            cols += ["first_seen_at", "updated_at"]
            sql = f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
            values = []
            for a in rows[:args.baseline]:
                row = {**asdict(a), "authors": list(a.authors), "last_run_id": "bench",
                       "first_seen_at": a.fetched_at, "updated_at": a.fetched_at}
                values.append([row[c] for c in cols])
            t0 = time.perf_counter()
            con.executemany(sql, values)
            single = time.perf_counter() - t0
    bulk_rate, single_rate = len(rows) / bulk, args.baseline / single
    print(f"{len(rows)} articles, {text_kb:.1f} KB of text each, batches of {args.batch}")
    print(f"{'path':<44} {'rows':>7} {'seconds':>8} {'rows/s':>9}")
    table = (("store.load_batch (Arrow, all batch tables)", len(rows), bulk, bulk_rate),
             ("executemany, row by row (articles only)", args.baseline, single, single_rate))
    for label, n, secs, rate in table:
        print(f"{label:<44} {n:>7} {secs:>8.2f} {rate:>9.0f}")
    print(f"ratio: {bulk_rate / single_rate:.0f}x; target >= 50,000 rows/s; building the Arrow tables "
          f"(with MinHash signatures) took {build:.1f}s more")
    machine.write("load", {"machine": info, "rows": len(rows), "batch": args.batch, "text_kb": text_kb,
                  "load_batch_s": bulk, "load_batch_rows_per_s": bulk_rate, "executemany_rows": args.baseline,
                  "executemany_s": single, "executemany_rows_per_s": single_rate,
                  "ratio": bulk_rate / single_rate, "build_tables_s": build})


if __name__ == "__main__":
    main()
