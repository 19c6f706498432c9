"""Benchmark: what one load costs readers' store at 100k, 300k and 1M articles, and what readers get.

The database grows through the real load path (`store.save_polls`, a feed entry for each article,
and `store.load_batch`: articles with about 5.6 KB of prose-like text, a decision and eight
subtopic scores each) and is published. At each size it
then measures, each in a process of its own so that its peak memory is its own:

- load + publish: a load of --load new articles (5,000) and the publish that makes them
  visible (DuckLake snapshot + search index), --repeat times (3), each in a fresh process: the
  median seconds (every run in `load_publish_runs_s`) and the highest peak RSS. One run alone
  swung by a second or more with what the machine did beside it (the index's merges after the
  publish that ends the growing, for one);
- a daily run (`daily_s`): the polls, which list the --load new articles and --seen stored ones
  again (a feed lists again most of what it listed the day before), the load and the publish,
  --repeat times: the median seconds and the articles the publish carried;
- search: three-word queries, top 10 with snippets, p95 over --queries of them;
- reports: `SELECT *` of every report_* view fetched as Arrow, the slowest first read
  (`report_max_s`), and each read a second time (`reports_again_s`);
- a reader process counting articles and decisions in a loop during ten loads and publishes:
  its errors, and whether every count it saw was a whole number of loads (no half load);
- compaction (`publish.compact`, outside the publish): seconds and peak RSS;
- disk: writer file + DuckLake (catalog and Parquet) + search index, against the raw text.

Texts keep the labelled set's capitals in mid-sentence (names such as Kyiv or NATO), so the
terms report has names to extract: about 95 terms an article, as many as the real pages of
../shared/corpora/html give (until 4 December 2026 every word but a sentence's first was
lower case, and the corpus had no names at all).

The last line printed is one JSON object: {"sizes": [{"articles", "load_publish_s",
"peak_rss_mb", "search_p95_ms", "report_max_s", "disk_mb", "text_mb", ...}, ...]}. Not a test.

    .venv/bin/python bench/store_bench.py [--sizes 100000 300000 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import machine  # noqa: E402

from pipeline import fts, publish, run, store  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.evaluate import load_items  # noqa: E402
from pipeline.models import Article, Classification, Entry, FeedPoll  # noqa: E402
from pipeline.taxonomy import load_taxonomy  # noqa: E402
from pipeline.urls import article_id  # noqa: E402

TEXT_WORDS = 900  # about 5.6 KB
SUMMARY = "What a feed says of its item: a sentence or two, here about a hundred and twenty characters long."

GROW = 5000
#: A report view still running after this long is stopped (and reported at this time).
REPORT_CAP_S = 60.0
#: DuckDB's memory limit in the reader that runs the report views.
READER_MEMORY = "4GB"
LANGUAGES = ("en", "de", "fr", "ru", "uk")


class Prose:
    """Texts whose words follow the labelled set's word frequencies (they compress like prose)."""

    def __init__(self, seed: int) -> None:
        words: Counter[str] = Counter()
        for item in load_items():
            words.update(re.findall(r"\w+", f"{item['title']} {item['text']}"))
        self.vocab = np.array(list(words), dtype=object)
        weights = np.array(list(words.values()), dtype=float)
        self.p = weights / weights.sum()
        self.rng = np.random.default_rng(seed)

    def texts(self, n: int, words: int) -> list[str]:
        picks = self.vocab[self.rng.choice(len(self.vocab), size=(n, words), p=self.p)]
        out = []
        for row in picks:
            # words keep their case (names stay capitalised, as report_new_terms expects of prose);
            # each sentence opens with a capital
            sentences = [_opening(" ".join(row[i:i + 18])) + "." for i in range(0, words, 18)]
            out.append("\n".join(" ".join(sentences[j:j + 4]) for j in range(0, len(sentences), 4)))
        return out


def _opening(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def batch(prose: Prose, first: int, n: int, subtopics: list[str]) -> dict[str, Any]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    texts, titles = prose.texts(n, TEXT_WORDS), prose.texts(n, 9)
    items, decisions = [], []
    for k in range(n):
        i = first + k
        url = f"https://site{i % 97}.example.org/a/{i}"
        # named as the pipeline names articles, by a hash of the URL: ids spread over the whole
        # table, so reading a load's articles by id cannot skip row groups by their min/max (until
        # 4 December 2026 the ids counted up, and every load's ids sat in the table's last rows)
        aid = article_id(url)
        published = start + timedelta(minutes=i)
        items.append(Article(
            article_id=aid, link_id=aid, url=url, link=url, final_url=url, feed_id=None,
            source_domain=f"site{i % 97}.example.org", title=titles[k].rstrip("."), authors=("A. Writer",),
            published_at=published, date_source="page", fetched_at=published, http_status=200,
            content_type="text/html", size_bytes=60_000, fetch_ms=0.0, language=LANGUAGES[i % 5],
            site_name=f"Site {i % 97}", description=None, text=texts[k], word_count=TEXT_WORDS,
            content_hash=f"{i:064x}", extraction_status="ok"))
        scores = {s: round((i * 7 + j * 13) % 100 / 100, 2) for j, s in enumerate(subtopics)}
        decisions.append(Classification(
            article_id=aid, classifier_version="bench", relevant=i % 3 == 0, score=0.6,
            topic_scores=scores, primary_topic=max(scores, key=lambda s: scores[s]),
            explanation={"story_terms": ["ukraine"], "evidence": 1.2}, peace=i % 7 == 0, peace_score=0.3))
    return store.batch_tables("bench", articles=items, classifications=decisions, problems=[])


def polls(tables: dict[str, Any], seen: list[tuple[str, str, str]], at: datetime) -> list[FeedPoll]:
    """The polls that listed a batch's articles, one feed a site, and saw `seen` (article id, URL,
    title) again: every poll of a real feed lists again most of what it listed the day before."""
    rows = tables["articles"].select(["article_id", "url", "title"]).to_pylist()
    items = [(r["article_id"], r["url"], r["title"]) for r in rows] + list(seen)
    feeds: dict[str, list[Entry]] = {}
    for aid, url, title in items:
        feed = "feed-" + url.split("//")[1].split(".")[0]
        feeds.setdefault(feed, []).append(Entry(feed, url, url, aid, title, SUMMARY, at))
    return [FeedPoll(f"{feed}-{at:%Y%m%d%H%M%S%f}", feed, f"https://{feed}.example.org/rss", at, "ok", 200,
                     "application/rss+xml", 80.0, tuple(entries)) for feed, entries in feeds.items()]


def grow(settings: Settings, prose: Prose, first: int, n: int, subtopics: list[str]) -> None:
    tables = batch(prose, first, n, subtopics)
    with store.open_db(settings) as con:
        at = tables["articles"]["fetched_at"][0].as_py()
        store.save_polls(con, settings, "bench", polls(tables, [], at))
        store.load_batch(con, settings, tables)


# -- measurements, each in its own process -----------------------------------------------------

def _peak_mb() -> float:
    return machine.peak_rss_mb()  # this process's own, not its parent's (see machine.peak_rss_mb)


def measure_load(settings: Settings, first: int, n: int, out: Any) -> None:
    prose, subtopics = Prose(first), load_taxonomy().subtopic_ids
    tables = batch(prose, first, n, subtopics)  # built before the clock starts
    started = time.perf_counter()
    with store.open_db(settings) as con:
        store.load_batch(con, settings, tables)
    loaded = time.perf_counter() - started
    publish.publish(settings)
    out.put({"load_s": loaded, "load_publish_s": time.perf_counter() - started, "peak_rss_mb": _peak_mb()})


def measure_daily(settings: Settings, first: int, n: int, seen: int, out: Any) -> None:
    """A daily run's steps: the polls, which list the n new articles and `seen` stored ones again,
    the load of the new ones, and the publish."""
    prose, subtopics = Prose(first), load_taxonomy().subtopic_ids
    tables = batch(prose, first, n, subtopics)
    with store.open_db(settings, read_only=True) as con:
        again = con.execute(f"SELECT article_id, url, title FROM articles USING SAMPLE {seen} ROWS "
                            f"(reservoir, {first})").fetchall()
    started = time.perf_counter()
    run.record_polls(settings, "daily", polls(tables, again, datetime.now(UTC)))  # the poll step's
    with store.open_db(settings) as con:
        store.load_batch(con, settings, tables)
    published = time.perf_counter()
    carried = publish.publish(settings).articles
    out.put({"daily_s": time.perf_counter() - started, "daily_publish_s": time.perf_counter() - published,
             "daily_carried": carried, "daily_peak_rss_mb": _peak_mb()})


def publish_all(settings: Settings, out: Any) -> None:
    out.put({"articles": publish.publish(settings).articles})


def measure_compact(settings: Settings, out: Any) -> None:
    started = time.perf_counter()
    publish.compact(settings, force=True)
    out.put({"compact_s": time.perf_counter() - started, "compact_peak_rss_mb": _peak_mb()})


def measure_reads(settings: Settings, queries: int, out: Any) -> None:
    prose = Prose(99)
    words = [w for w in prose.vocab[np.argsort(-prose.p)][50:2000] if len(w) > 3]
    rng = np.random.default_rng(5)
    times = []
    with publish.read(settings) as con:
        fts.search(con, settings, "warm up query", limit=10)
        for _ in range(queries):
            query = " ".join(rng.choice(words, 3))
            t0 = time.perf_counter()
            fts.search(con, settings, query, limit=10)
            times.append((time.perf_counter() - t0) * 1000)
        reports: dict[str, float] = {}
        again: dict[str, float] = {}
        # report_articles is a table in the DuckLake, the others views
        views = [r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'report_%' "
            "AND database_name = current_database() UNION ALL "
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'report_%' "
            "AND database_name = current_database() ORDER BY 1").fetchall()]
        con.execute(f"SET memory_limit = '{READER_MEMORY}'")
        for view in views + views:  # the first read of each (the target's figure), then a second
            # a view past the cap is stopped and counted as the cap (it failed the target anyway)
            timer = threading.Timer(REPORT_CAP_S, con.interrupt)
            timer.start()
            t0 = time.perf_counter()
            try:
                con.execute(f"SELECT * FROM {view}").fetch_arrow_table()  # as a notebook would
            except duckdb.Error as exc:
                print(f"{view}: stopped: {str(exc).splitlines()[0]}", flush=True)
            finally:
                timer.cancel()
            (again if view in reports else reports)[view] = round(time.perf_counter() - t0, 3)
    # first reads swing by a second or more between runs of the same reader on the same files
    # (docs/performance.md, 6 December 2026, fifth session): the second read shows the steady cost
    out.put({"search_p95_ms": float(np.percentile(times, 95)),
             "search_p50_ms": float(np.percentile(times, 50)), "reports_s": reports,
             "report_max_s": max(reports.values()), "reports_again_s": again,
             "reader_peak_rss_mb": _peak_mb()})


def reader_loop(settings: Settings, stop: Any, out: Any) -> None:
    seen, errors, reads = set(), [], 0
    with publish.read(settings) as con:
        while not stop.is_set():
            try:
                seen.add(con.execute("SELECT (SELECT count(*) FROM articles), "
                                     "(SELECT count(*) FROM classifications)").fetchone())
                reads += 1
            except Exception as exc:  # noqa: BLE001 - every failure is what we count
                errors.append(str(exc).splitlines()[0])
    out.put({"reads": reads, "errors": errors[:5], "error_count": len(errors), "seen": sorted(seen)})


def in_process(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get()
    proc.join()
    return result


def disk_mb(settings: Settings) -> dict[str, float]:
    def size(path: Path) -> int:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0
    from pipeline import lake
    parts = {"writer": size(settings.db) + size(settings.db.with_name(settings.db.name + ".wal")),
             "lake": size(lake.data_path(settings)) + size(lake.catalog_file(settings) or Path("/-")),
             "search": size(fts.index_path(settings))}
    return {k: round(v / 2**20, 1) for k, v in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--load", type=int, default=5000, help="articles in the measured load")
    parser.add_argument("--repeat", type=int, default=3, help="measured loads (the median is reported)")
    parser.add_argument("--seen", type=int, default=2000,
                        help="stored articles a daily run's polls list again (daily_s)")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--reader-loads", type=int, default=10)
    parser.add_argument("--dir", type=Path, help="where to build (default: a temporary folder); a database "
                        "already there is grown on, not rebuilt")
    args = parser.parse_args()
    info = machine.header()
    base = args.dir or Path(tempfile.mkdtemp(prefix="store_bench."))
    base.mkdir(parents=True, exist_ok=True)
    settings = Settings(db=base / "bench.duckdb")
    subtopics = load_taxonomy().subtopic_ids
    prose = Prose(7)
    results: list[dict[str, Any]] = []
    loaded = 0
    if settings.db.exists():  # --dir of an earlier run: grow on from what it holds
        with store.open_db(settings) as con:
            loaded = int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        print(f"{settings.db} holds {loaded:,} articles: growing on from there", flush=True)
    try:
        for size in sorted(args.sizes):
            started = time.perf_counter()
            while loaded < size:
                n = min(GROW, size - loaded)
                grow(settings, prose, loaded, n, subtopics)
                loaded += n
            grown = time.perf_counter() - started
            started = time.perf_counter()
            # in a process of its own, as a pipeline task publishes: the index's merges that its
            # commit starts end with it instead of running beside the measured loads
            in_process(publish_all, settings)
            print(f"{size:,} articles: grown in {grown:.0f} s, "
                  f"published in {time.perf_counter() - started:.0f} s", flush=True)
            at = loaded  # = size, unless --dir held more already
            row: dict[str, Any] = {"articles": at}
            runs = []
            for _ in range(args.repeat):
                runs.append(in_process(measure_load, settings, loaded, args.load))
                loaded += args.load
            row.update({"load_s": float(np.median([r["load_s"] for r in runs])),
                        "load_publish_s": float(np.median([r["load_publish_s"] for r in runs])),
                        "load_publish_runs_s": [round(r["load_publish_s"], 2) for r in runs],
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)})
            daily = []
            for _ in range(args.repeat):
                daily.append(in_process(measure_daily, settings, loaded, args.load, args.seen))
                loaded += args.load
            row.update({"daily_s": float(np.median([r["daily_s"] for r in daily])),
                        "daily_publish_s": float(np.median([r["daily_publish_s"] for r in daily])),
                        "daily_runs_s": [round(r["daily_s"], 2) for r in daily],
                        "daily_carried": daily[0]["daily_carried"],
                        "daily_peak_rss_mb": max(r["daily_peak_rss_mb"] for r in daily)})
            row.update(in_process(measure_reads, settings, args.queries))
            ctx = mp.get_context("spawn")
            stop, out = ctx.Event(), ctx.Queue()
            proc = ctx.Process(target=reader_loop, args=(settings, stop, out))
            proc.start()
            time.sleep(2)
            counts = []
            for _ in range(args.reader_loads):
                timed = in_process(measure_load, settings, loaded, args.load)
                counts.append(round(timed["load_publish_s"], 2))
                loaded += args.load
            stop.set()
            reader = out.get()
            proc.join()
            whole = all(a == c and (a - at) % args.load == 0 for a, c in reader["seen"])
            row.update({"reader_reads": reader["reads"], "reader_errors": reader["error_count"],
                        "reader_whole_loads": whole, "reader_counts_seen": len(reader["seen"]),
                        "loads_during_reads_s": counts})
            row.update(in_process(measure_compact, settings))
            with store.open_db(settings) as con:
                text = con.execute("SELECT sum(strlen(text)) FROM articles").fetchone()[0]
            parts = disk_mb(settings)
            row.update({"disk_mb": round(sum(parts.values()), 1), "disk_parts_mb": parts,
                        "text_mb": round(text / 2**20, 1)})
            row = {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}
            results.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)
    machine.table(results, ["articles", "load_publish_s", "daily_s", "peak_rss_mb", "search_p95_ms",
                            "report_max_s", "disk_mb", "text_mb", "reader_errors", "reader_whole_loads"])
    machine.write("store", {"machine": info, "sizes": results})
    print(json.dumps({"sizes": results}))


if __name__ == "__main__":
    os.environ.setdefault("NEWSFLOW_PROGRESS_SECONDS", "0")
    main()
