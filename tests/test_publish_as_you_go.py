"""Long runs publish as they go (`chain.AsYouGo`, NEWSFLOW_PUBLISH_ROWS): an ingest-warc or a
backfill publishes every N loaded articles, so no publish grows with the run and readers see it
progress, one whole snapshot at a time; the end state is the one a single publish would give."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from pipeline import backfill, extract, fts, publish, store, warc_ingest
from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.lake import reader as lake_reader
from pipeline.models import Article
from pipeline.urls import article_id
from tests.conftest import query
from tests.test_snapshot import lake_rows
from tests.test_warc_ingest import PAGES, SITE, response, write_warc

pytestmark = pytest.mark.usefixtures("stop_worker_pool")

ARTICLES = len(PAGES)  # the sample WARC file's pages: one crawled twice, a PDF and a 404 besides


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    path = tmp_path / "CC-NEWS-20260301-00001.warc.gz"
    write_warc(path)
    return path


def small(settings: Settings, name: str, rows: int = 2) -> Settings:
    """A database of its own, publishing every `rows` articles, in batches of two pages."""
    folder = settings.db.parent / name
    return settings.with_(db=folder / "news.duckdb", staging_dir=folder / "staging",
                          classifier="lexical", publish_rows=rows, batch_size=2)


def watched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every publish, as (articles in the writer, articles readers then see)."""
    seen: list[tuple[int, int]] = []
    real = publish.publish

    def publish_and_look(settings: Settings, **kwargs: bool) -> publish.Published:
        done = real(settings, **kwargs)
        with publish.read(settings) as con:
            readers = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        seen.append((query(settings.db, "SELECT count(*) FROM articles")[0][0], readers))
        return done
    monkeypatch.setattr(publish, "publish", publish_and_look)
    return seen


def published(settings: Settings) -> dict[str, list[tuple]]:
    """What readers see, article by article (no load or publish times)."""
    with publish.read(settings) as con:
        return {
            "articles": con.execute("SELECT article_id, content_hash, extraction_status FROM articles "
                                    "ORDER BY 1").fetchall(),
            "classifications": con.execute("SELECT article_id, relevant, score FROM classifications "
                                           "ORDER BY 1").fetchall(),
            "article_topics": con.execute("SELECT article_id, topic_id, score FROM article_topics "
                                          "ORDER BY 1, 2").fetchall(),
            "story_clusters": con.execute("SELECT article_id, cluster_id, similarity, is_representative "
                                          "FROM story_clusters ORDER BY 1").fetchall(),
            "stories": con.execute("SELECT count(*) FROM stories").fetchall(),
        }


def test_an_ingest_publishes_every_n_articles_and_readers_see_whole_growing_counts(
        warc, settings, monkeypatch):
    seen = watched(monkeypatch)
    summary = warc_ingest.ingest(small(settings, "n2"), [warc])
    assert summary.status == "success"
    assert len(seen) >= 3 and summary.counts["publishes"] == len(seen)
    # each snapshot holds every article loaded before it, never part of a load
    assert all(readers == writer for writer, readers in seen)
    counts = [readers for _, readers in seen]
    assert counts == sorted(counts) and counts[0] < ARTICLES and counts[-1] == ARTICLES


def test_the_end_state_is_the_one_a_single_publish_gives(warc, settings):
    warc_ingest.ingest(small(settings, "n2"), [warc])
    once = small(settings, "once", rows=10_000)
    assert warc_ingest.ingest(once, [warc]).counts["publishes"] == 1
    assert published(small(settings, "n2")) == published(once)
    assert query(small(settings, "n2").db, "SELECT article_id, cluster_id, similarity FROM story_clusters "
                                           "ORDER BY 1") == \
        query(once.db, "SELECT article_id, cluster_id, similarity FROM story_clusters ORDER BY 1")


def test_a_rerun_adds_nothing(warc, settings):
    chunked = small(settings, "n2")
    warc_ingest.ingest(chunked, [warc])
    before, rows = published(chunked), lake_rows(chunked)
    assert warc_ingest.ingest(chunked, [warc]).counts["publishes"] >= 2
    assert published(chunked) == before and lake_rows(chunked) == rows
    assert rows["articles"] == (ARTICLES, ARTICLES)


def test_a_failed_publish_is_recorded_and_the_next_one_carries_its_articles(warc, settings, monkeypatch):
    real, calls = publish.publish, []

    def first_fails(settings: Settings, **kwargs: bool) -> publish.Published:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("news.duckdb: cannot publish: disk full")
        return real(settings, **kwargs)
    monkeypatch.setattr(publish, "publish", first_fails)
    chunked = small(settings, "n2")
    summary = warc_ingest.ingest(chunked, [warc])
    assert summary.status == "success" and summary.counts["publishes_failed"] == 1
    assert query(chunked.db, "SELECT stage, error_class FROM errors WHERE stage = 'publish'") == \
        [("publish", "publish_failed")]
    assert lake_rows(chunked)["articles"] == (ARTICLES, ARTICLES)
    monkeypatch.setattr(publish, "publish", real)
    once = small(settings, "once", rows=10_000)
    warc_ingest.ingest(once, [warc])
    assert published(chunked) == published(once)


def test_a_backfill_publishes_as_it_goes_and_ends_where_one_publish_would(warc, settings, monkeypatch):
    chunked, once = small(settings, "n2"), small(settings, "once", rows=10_000)
    for s in (chunked, once):
        warc_ingest.ingest(s, [warc])
    seen = watched(monkeypatch)
    summary = backfill.run(chunked, [], backfill.Backfill(stage="re-classify"))
    assert summary.counts["reclassified"] == ARTICLES - 1  # empty.html has no text
    assert summary.counts["publishes"] == len(seen) >= 3
    assert all(readers == ARTICLES for _, readers in seen)
    backfill.run(once, [], backfill.Backfill(stage="re-classify"))
    assert published(chunked) == published(once)


def test_long_runs_hold_duckdb_to_the_backfill_memory_limit_and_one_thread(warc, settings, monkeypatch):
    """DuckDB keeps every block a load reads, up to its memory limit, so an ingest-warc or a
    backfill (hours of loads into a growing store, beside extraction workers on every CPU) opens
    the store with the lower NEWSFLOW_BACKFILL_DUCKDB_MEMORY and NEWSFLOW_BACKFILL_DUCKDB_THREADS;
    other runs keep NEWSFLOW_DUCKDB_MEMORY and DuckDB's threads."""
    limits: list[tuple[str, int]] = []
    real = store.migrate

    def migrate_and_look(con, sql_dir):
        limits.append(con.execute("SELECT current_setting('memory_limit'), "
                                  "current_setting('threads')").fetchone())
        return real(con, sql_dir)
    monkeypatch.setattr(store, "migrate", migrate_and_look)
    capped = small(settings, "capped").with_(duckdb_memory="1GiB", backfill_duckdb_memory="64MiB")
    warc_ingest.ingest(capped, [warc])
    backfill.run(capped, [], backfill.Backfill(stage="re-classify"))
    assert len(limits) > 3 and set(limits) == {("64.0 MiB", 1)}
    with store.open_db(capped):
        assert limits[-1] == ("1.0 GiB", os.cpu_count())


def test_a_long_run_keeps_its_search_index_merged_and_leaves_no_abandoned_merge(tmp_path, settings):
    """Each commit of the search index can start a merge of its small segments, which a publish
    does not wait for (`compact` merges, later). A writer dropped before its merge ends throws the
    merge away, so a backfill, which publishes hundreds of times and never compacts, piled up one
    or two segments a publish and, past the eighth, began merging all of them again at every
    publish, for nothing: reading them mapped the whole index into the process. Long runs wait
    for their merges (`Settings.long_run`): the index stays a few segments, every file in it
    belongs to one of them."""
    path = tmp_path / "many.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        # three editions of each sample page: a load is four pages (`stages.CHUNK_PAGES`)
        pages = sorted(p for p in (SITE / "articles").glob("*.html") if p.name != "empty.html") * 3
        for k, page in enumerate(pages):
            html = re.sub(rb"<title>", f"<title>Edition {k}: ".encode(), page.read_bytes(), count=1)
            response(writer, f"https://news.example.org/2026/03/{k}/{page.stem}", html)
    run = small(settings, "merged", rows=1)
    summary = warc_ingest.ingest(run, [path])
    assert summary.status == "success" and summary.counts["publishes"] >= 12
    folder = fts.index_path(run)
    live = {seg["segment_id"].replace("-", "") for seg in
            json.loads((folder / "meta.json").read_text(encoding="utf-8"))["segments"]}
    assert len(live) <= 8 < summary.counts["publishes"]
    segment_files = {f.name.split(".")[0] for f in folder.iterdir() if re.match(r"[0-9a-f]{32}\.", f.name)}
    assert segment_files == live
    # one document per article: nothing lost or doubled by the merges
    assert fts.open_index(run).searcher().num_docs == query(run.db, "SELECT count(*) FROM articles")[0][0]


def unique_articles(n: int, words: int) -> list[Article]:
    """`n` articles whose texts are all different prose of `words` words (a real archive's texts
    are: the sample pages repeated would be stored once, in a Parquet dictionary)."""
    rng = random.Random(7)
    vocabulary = [f"{a}{b}" for a in ("ker", "mos", "dal", "vin", "tor", "pel", "sun", "gra")
                  for b in ("an", "ode", "ist", "ura", "en", "ik", "ova", "esh", "ul", "ey")]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for k in range(n):
        text = " ".join(rng.choice(vocabulary) for _ in range(words)) + "."
        url = f"https://site{k % 13}.example.org/2026/03/{k}"
        out.append(Article(
            article_id=article_id(url), link_id=article_id(url), url=url, link=url, final_url=url,
            feed_id=None, source_domain=f"site{k % 13}.example.org", title=f"Report {k}", authors=(),
            published_at=start + timedelta(minutes=k), date_source="page",
            fetched_at=start + timedelta(minutes=k), http_status=200, content_type="text/html",
            size_bytes=30_000, fetch_ms=1.0, language="en", site_name=None, description=None,
            text=text, word_count=words, content_hash=extract.content_hash(text), extraction_status="ok"))
    return out


def test_a_long_run_publishes_unique_texts_within_its_memory_limit(settings):
    """A DuckLake row group is held in memory while its Parquet file is written. With row groups
    of 8,192 rows and two DuckDB threads, a publish of 10,000 real-sized (5 KB) unique texts ran
    out of memory under a backfill's 128 MB, so every publish of a real archive failed. Row groups
    are capped in bytes and long runs use one DuckDB thread."""
    run = small(settings, "unique").long_run()
    articles = unique_articles(8200, 900)
    with store.open_db(run) as con:
        for part in (articles[:4100], articles[4100:]):
            store.load_batch(con, run, store.batch_tables("test", articles=part, classifications=[],
                                                          problems=[]))
    assert run.backfill_duckdb_memory == run.duckdb_memory == "128MB"
    assert publish.publish(run).articles == 8200
    with lake_reader(run) as con:
        assert con.execute("SELECT count(*), count(DISTINCT text) FROM articles").fetchall() == [(8200, 8200)]


def test_duckdb_gives_back_the_memory_it_keeps_and_keeps_its_limit(settings):
    """Before a long run waits for the search index's merges (which map the index's files into the
    process), DuckDB gives back the blocks and buffers the publish left it: they would otherwise
    stay until the connection closes, under the merge's peak."""
    held_mb = "SELECT coalesce(sum(memory_usage_bytes), 0) / 2 ^ 20 FROM duckdb_memory()"
    run = settings.with_(duckdb_memory="1GiB")
    with store.open_db(run) as con:
        con.execute("CREATE TABLE big AS SELECT i, concat_ws(' ', md5(i::VARCHAR), md5((i + 1)::VARCHAR), "
                    "md5((i + 2)::VARCHAR), md5((i + 3)::VARCHAR)) AS s FROM range(400000) r(i)")
        con.execute("CHECKPOINT")
        assert con.execute("SELECT count(*) FROM big WHERE s LIKE '%ab%'").fetchone()[0] > 0
        before = con.execute(held_mb).fetchone()[0]
        store.give_back_memory(con, run)
        assert before > 8 and con.execute(held_mb).fetchone()[0] < 1
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "1.0 GiB"


ARENAS_AFTER_INGEST = """
import ctypes, sys
from pipeline.cli import app
libc = ctypes.CDLL(None)
libc.malloc_stats()  # glibc: one "Arena N:" block per arena, on stderr
print("-- the run --", file=sys.stderr, flush=True)
app(sys.argv[1:], standalone_mode=False)
sys.stderr.flush()
libc.malloc_stats()
"""


def arenas_before_and_after_ingest(warc: Path, folder: Path, cap: str) -> tuple[int, int]:
    """How many malloc arenas a `newsflow` process has when its command starts (the imports'
    threads made some) and after an ingest-warc."""
    env = {**os.environ, "NEWSFLOW_BACKFILL_MALLOC_ARENAS": cap, "NEWSFLOW_CLASSIFIER": "lexical",
           "NEWSFLOW_STAGING_DIR": str(folder / "staging"), "NEWSFLOW_PUBLISH_ROWS": "2",
           "NEWSFLOW_BATCH_SIZE": "2", "MALLOC_ARENA_MAX": ""}
    done = subprocess.run([sys.executable, "-c", ARENAS_AFTER_INGEST, "ingest-warc", str(warc),
                           "--db", str(folder / "news.duckdb")],
                          env=env, capture_output=True, text=True, timeout=300, check=True)
    before, after = done.stderr.split("-- the run --")
    return tuple(len(re.findall(r"^Arena \d+:", part, re.M)) for part in (before, after))


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="glibc's malloc arenas")
def test_a_long_run_makes_no_more_malloc_arenas(warc, tmp_path):
    """glibc gives each allocating thread an arena of its own (up to eight per CPU), and what a
    thread frees stays in its arena: a long run's threads (DuckDB's, the search index's, the
    pool's feeder) each kept their own high-water mark, and the backfill's process grew publish
    after publish. `ingest-warc` and `backfill` cap the arenas at NEWSFLOW_BACKFILL_MALLOC_ARENAS
    (2) as they start, so their threads share the arenas there are (the imports' threads may have
    made one or two already); 0 leaves glibc's default."""
    before, after = arenas_before_and_after_ingest(warc, tmp_path / "default", "0")
    assert after > max(before, 2)
    before, after = arenas_before_and_after_ingest(warc, tmp_path / "capped", "2")
    assert after <= max(before, 2)
