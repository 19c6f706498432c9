"""Benchmark: what reads-during-loads costs. Loads synthetic articles (about 400 words each, drawn
from the bundled sample texts) in batches through `store.load_batch`, and after each step times
`publish.publish` (checkpoint + file copy + fts index rebuild + fsync + rename) and a search on the
snapshot. Not a test. Prints a table and writes bench/results/publish.json.

    .venv/bin/python bench/publish_bench.py [--steps 10000 30000 60000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import fts, publish, store  # noqa: E402
from pipeline.config import Settings  # noqa: E402

ARTICLES = ROOT / "pipeline" / "sample" / "site" / "articles"
BATCH = 5000


def vocabulary() -> list[str]:
    words: list[str] = []
    for page in sorted(ARTICLES.glob("*.html")):
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        words += re.findall(r"[A-Za-z][a-z]+", text)
    return words


def batch(first: int, n: int, words: list[str], rng: random.Random) -> dict[str, pa.Table]:
    day = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(first, first + n):
        text = " ".join(rng.choices(words, k=400))
        rows.append({
            "article_id": f"{i:016x}", "link_id": f"{i:016x}", "url": f"http://127.0.0.1/a/{i}",
            "link": f"http://127.0.0.1/a/{i}", "final_url": f"http://127.0.0.1/a/{i}", "feed_id": "bench",
            "source_domain": "127.0.0.1", "title": " ".join(rng.choices(words, k=8)), "authors": [],
            "published_at": day + timedelta(minutes=i), "date_source": "feed", "fetched_at": day,
            "http_status": 200, "content_type": "text/html", "size_bytes": len(text), "fetch_ms": 1.0,
            "language": "en", "site_name": "Bench", "description": None, "text": text, "word_count": 400,
            "content_hash": f"{i:064x}", "extraction_status": "ok", "extraction_error": None,
            "last_run_id": "bench"})
    empty = {name: store.SCHEMAS[name].empty_table() for name in store.BATCH_TABLES}
    return {**empty, "articles": pa.Table.from_pylist(rows, schema=store.SCHEMAS["articles"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10_000, 30_000, 60_000])
    args = parser.parse_args()
    words, rng = vocabulary(), random.Random(7)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bench.duckdb")
        loaded = 0
        for target in args.steps:
            started = time.perf_counter()
            while loaded < target:
                n = min(BATCH, target - loaded)
                with store.open_db(settings) as con:
                    store.load_batch(con, settings, batch(loaded, n, words, rng))
                loaded += n
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            snapshot = publish.publish(settings)
            publish_s = time.perf_counter() - started
            with publish.read(settings) as con:
                started = time.perf_counter()
                hits = fts.search(con, settings, "ceasefire monitoring sanctions", limit=10)
                search_s = time.perf_counter() - started
            results.append({"articles": loaded, "db_mb": round(settings.db.stat().st_size / 1e6, 1),
                            "snapshot_mb": round(snapshot.stat().st_size / 1e6, 1),
                            "load_s": round(load_s, 2), "publish_s": round(publish_s, 2),
                            "search_ms": round(search_s * 1000, 1), "hits": len(hits)})
            print(results[-1], flush=True)
    out = ROOT / "bench" / "results" / "publish.json"
    out.write_text(json.dumps({"when": datetime.now(UTC).isoformat(timespec="seconds"),
                               "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"{'articles':>9} {'db MB':>7} {'snap MB':>8} {'publish s':>10} {'search ms':>10}")
    for r in results:
        print(f"{r['articles']:>9,} {r['db_mb']:>7} {r['snapshot_mb']:>8} {r['publish_s']:>10} "
              f"{r['search_ms']:>10}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
