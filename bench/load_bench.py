"""Benchmark: rows per second into the DuckDB file, the real load path against row by row.

Articles with ~5.6 KB of text, as a processed batch has them (a classification, eight subtopic
scores and a MinHash signature each), are built as the pipeline's Arrow tables and loaded with
`store.load_batch` (versions, articles, aliases, signatures, decisions, scores, errors: one
transaction per batch, as the loader merges staged batches into `load_rows`) into a fresh file.
The texts are drawn word by word from the labelled set's vocabulary with its frequencies, so they
compress like real prose (zlib 2.4x, against 2.5x for text extracted from the shared corpus);
a text built from a couple of dozen words would flatter any compressing store.

Two references in the same run: the same article rows inserted row by row with `executemany`
(a sample of --baseline rows: it is slow), and DuckDB's ceiling for these rows on this machine,
a bare `INSERT ... SELECT` of the Arrow table into a table with no key, nothing else. Table
building is timed apart from loading; --profile prints the seconds of each load statement.
Not a test.

    .venv/bin/python bench/load_bench.py [--rows 20000] [--batch 5000] [--baseline 2000] [--profile]
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import machine

from pipeline import dedup, store
from pipeline.config import Settings
from pipeline.evaluate import load_items
from pipeline.models import Article, Classification
from pipeline.taxonomy import load_taxonomy
from pipeline.urls import article_id

TEXT_CHARS = 5600


class Prose:
    """Paragraphs of sentences whose words follow the labelled set's word frequencies."""

    def __init__(self, seed: int = 7) -> None:
        words: Counter[str] = Counter()
        for item in load_items():
            words.update(re.findall(r"\w+", f"{item['title']} {item['text']}"))
        self.vocab, self.weights = list(words), list(words.values())
        self.rng = random.Random(seed)

    def text(self, chars: int = TEXT_CHARS) -> str:
        paragraphs, size = [], 0
        while size < chars:
            sentences = [" ".join(self.rng.choices(self.vocab, self.weights, k=self.rng.randint(8, 28)))
                         .capitalize() + "." for _ in range(self.rng.randint(2, 5))]
            paragraphs.append(" ".join(sentences))
            size += len(paragraphs[-1]) + 1
        return "\n".join(paragraphs)


def articles(n: int, seed: int = 7) -> list[Article]:
    prose = Prose(seed)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        text = prose.text()
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
    subtopics = load_taxonomy().subtopic_ids
    out = []
    for i, a in enumerate(items):
        scores = {s: round((i * 7 + k * 13) % 100 / 100, 2) for k, s in enumerate(subtopics)}
        out.append(Classification(
            article_id=a.article_id, classifier_version="bench", relevant=i % 3 == 0, score=0.6,
            topic_scores=scores, primary_topic=max(scores, key=lambda s: scores[s]),
            explanation={"story_terms": ["ukraine", "kremlin"], "subtopic_terms": {subtopics[0]: ["talks"]},
                         "seed_similarity": 0.21, "evidence": 1.2, "lexical_score": 0.7,
                         "semantic_relevance": 0.8, "best_sentence": (a.text or "")[:200]}))
    return out


class Profile:
    """Seconds per load statement (wraps store._load for --profile)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.inner = store._load

    def __call__(self, con: duckdb.DuckDBPyConnection, settings: Settings, staged: dict,
                 statements: list[str]) -> None:
        for name, table in staged.items():
            con.register(f"staging_{name}", table)
        con.execute("BEGIN")
        for statement in statements:
            t0 = time.perf_counter()
            con.execute(store.sql(settings, f"load/{statement}"))
            self.seconds[statement] += time.perf_counter() - t0
        t0 = time.perf_counter()
        con.execute("COMMIT")
        self.seconds["COMMIT"] += time.perf_counter() - t0
        for name in staged:
            con.unregister(f"staging_{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=Settings().load_rows)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true", help="seconds per load statement")
    args = parser.parse_args()
    info = machine.header()
    rows = articles(args.rows)
    text_kb = sum(len(a.text or "") for a in rows) / len(rows) / 1000
    t0 = time.perf_counter()
    batches = []
    for i in range(0, len(rows), args.batch):
        part = rows[i:i + args.batch]
        signatures = dedup.signatures([a.text or "" for a in part])
        sigs = list(zip([a.article_id for a in part], [a.content_hash for a in part], signatures,
                        strict=True))
        batches.append(store.batch_tables("bench", articles=part, classifications=decisions(part),
                                          problems=[], signatures=sigs))
    build = time.perf_counter() - t0
    profile = Profile()
    if args.profile:
        store._load = profile  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bulk.duckdb", staging_dir=Path(tmp) / "staging")
        with store.open_db(settings) as con:
            t0 = time.perf_counter()
            for tables in batches:
                store.load_batch(con, settings, tables)
            bulk = time.perf_counter() - t0
            written = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                       for t in ("articles", "article_versions", "url_aliases", "article_signatures",
                                 "classifications", "article_topics")}
            con.execute("CHECKPOINT")
        file_mb = settings.db.stat().st_size / 1e6
        assert written["articles"] == len(rows), written
        store._load = profile.inner  # type: ignore[assignment]

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

        with store.connect(Path(tmp) / "bare.duckdb") as con:
            con.register("staging", batches[0]["articles"])
            con.execute("CREATE TABLE articles AS SELECT * FROM staging LIMIT 0")
            con.unregister("staging")
            t0 = time.perf_counter()
            for tables in batches:
                con.register("staging", tables["articles"])
                con.execute("BEGIN")
                con.execute("INSERT INTO articles SELECT * FROM staging")
                con.execute("COMMIT")
                con.unregister("staging")
            bare = time.perf_counter() - t0

    bulk_rate, single_rate, bare_rate = len(rows) / bulk, args.baseline / single, len(rows) / bare
    all_rows = sum(written.values())
    print(f"{len(rows)} articles, {text_kb:.1f} KB of text each, transactions of {args.batch} articles")
    print(f"{'path':<52} {'rows':>7} {'seconds':>8} {'rows/s':>9}")
    table = (("store.load_batch: articles", len(rows), bulk, bulk_rate),
             ("store.load_batch: rows of all six tables", all_rows, bulk, all_rows / bulk),
             ("executemany, row by row (articles only)", args.baseline, single, single_rate),
             ("DuckDB ceiling: bare INSERT of the article rows", len(rows), bare, bare_rate))
    for label, n, secs, rate in table:
        print(f"{label:<52} {n:>7} {secs:>8.2f} {rate:>9.0f}")
    print(f"ratio to row by row: {bulk_rate / single_rate:.0f}x; the pipeline's load runs at "
          f"{bulk_rate / bare_rate:.2f}x DuckDB's bare insert; target >= 50,000 rows/s; building the "
          f"Arrow tables (with MinHash signatures) took {build:.1f}s more")
    print("rows per table: " + ", ".join(f"{k} {v}" for k, v in written.items())
          + f"; database file {file_mb:.0f} MB")
    if args.profile:
        print("seconds per load statement: " + ", ".join(
            f"{k} {v:.2f}" for k, v in profile.seconds.most_common()))
    machine.write("load", {"machine": info, "rows": len(rows), "batch": args.batch, "text_kb": text_kb,
                  "load_batch_s": bulk, "load_batch_rows_per_s": bulk_rate,
                  "all_tables_rows": all_rows, "all_tables_rows_per_s": all_rows / bulk,
                  "rows_per_table": written, "file_mb": file_mb, "executemany_rows": args.baseline,
                  "executemany_s": single, "executemany_rows_per_s": single_rate,
                  "bare_insert_s": bare, "bare_insert_rows_per_s": bare_rate,
                  "ratio": bulk_rate / single_rate, "ratio_to_bare": bulk_rate / bare_rate,
                  "build_tables_s": build, "statement_seconds": dict(profile.seconds)})


if __name__ == "__main__":
    main()
