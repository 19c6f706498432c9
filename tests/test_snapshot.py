"""Reads during loads (pipeline/publish.py, lake.py): a reader process queries the analysts'
DuckLake in a loop while loads run and publish; it never meets a lock and never sees half a load.
A publish carries only what the loads since the last one wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline import fts, lake, publish, run, store
from pipeline.config import Settings
from pipeline.models import Entry, FeedPoll, Problem
from tests.conftest import forget_migrations

BATCHES = 5
PER_BATCH = 3000

# Keeps one read-only connection to the DuckLake and counts, again and again, articles and
# article versions in one query (two tables one load writes together), until the stop file
# appears; then it searches once, as an analyst would after the loads. The ready file tells the
# test its first count is in (a busy machine can take seconds to start it).
READER = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from pipeline import fts, publish
from pipeline.config import Settings
db, stop, out, ready = sys.argv[1:5]
settings = Settings(db=db)
seen, errors = [], []
with publish.read(settings) as con:
    while not os.path.exists(stop):
        try:
            seen.append(con.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_versions)"
            ).fetchone())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        if not os.path.exists(ready):
            open(ready, "w").close()
        time.sleep(0.01)
    hits = [h.article_id for h in fts.search(con, settings, "drones sanctions", limit=3)]
json.dump({"seen": seen, "errors": errors, "hits": hits}, open(out, "w"))
"""


def synthetic_batch(first: int, n: int) -> dict[str, pa.Table]:
    """n made-up articles, ids first..first+n-1, in the shape `store.load_batch` takes."""
    day = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [{
        "article_id": f"{i:016x}", "link_id": f"{i:016x}", "url": f"http://127.0.0.1/a/{i}",
        "link": f"http://127.0.0.1/a/{i}", "final_url": f"http://127.0.0.1/a/{i}",
        "feed_id": "synthetic", "source_domain": "127.0.0.1", "title": f"Article {i}",
        "authors": [], "published_at": day + timedelta(minutes=i), "date_source": "feed",
        "fetched_at": day, "http_status": 200, "content_type": "text/html", "size_bytes": 2000,
        "fetch_ms": 5.0, "language": "en", "site_name": "Synthetic", "description": None,
        "text": f"Body of article {i}. " + "Words about drones and sanctions in Kherson. " * 20,
        "word_count": 120, "content_hash": f"{i:064x}", "extraction_status": "ok",
        "extraction_error": None, "last_run_id": "load"} for i in range(first, first + n)]
    empty = {name: store.SCHEMAS[name].empty_table() for name in store.BATCH_TABLES}
    return {**empty, "articles": pa.Table.from_pylist(rows, schema=store.SCHEMAS["articles"])}


@contextmanager
def reader_looping(settings: Settings, tmp_path: Path) -> Iterator[dict]:
    """Run READER in a process of its own for the block; the dict it yields gets what the reader
    saw ("seen", "errors", "hits") once the block is over and the reader has stopped."""
    stop, out, ready = tmp_path / "stop", tmp_path / "reader.json", tmp_path / "ready"
    reader = subprocess.Popen([sys.executable, "-c", READER, *map(str, (settings.db, stop, out, ready))],
                              cwd=Path(__file__).resolve().parent.parent)
    result: dict = {}
    try:
        waited = time.monotonic()
        while not ready.exists():  # its first count is in: the block starts from there
            assert reader.poll() is None and time.monotonic() - waited < 120, "the reader did not start"
            time.sleep(0.05)
        yield result
        time.sleep(0.5)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    result.update(json.loads(out.read_text()))


def test_a_reader_sees_only_whole_loads_and_no_lock_errors(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings):
        pass
    assert publish.publish(settings).whole  # the first publish builds the DuckLake
    with reader_looping(settings, tmp_path) as result:
        totals = [0]
        for b in range(BATCHES):
            with store.open_db(settings) as con:
                store.load_batch(con, settings, synthetic_batch(b * PER_BATCH, PER_BATCH))
            done = publish.publish(settings)
            assert (done.whole, done.articles) == (False, PER_BATCH)  # only what the load wrote
            totals.append((b + 1) * PER_BATCH)
    assert result["errors"] == []
    seen = [tuple(s) for s in result["seen"]]
    # every answer is one committed load's total, articles and their versions alike ...
    assert {s[0] for s in seen} <= set(totals)
    assert all(a == v for a, v in seen)
    # ... and they only ever step forward, from the empty DuckLake to the last load
    articles = [s[0] for s in seen]
    assert articles == sorted(articles)
    assert articles[0] == 0 and articles[-1] == totals[-1]
    assert len(set(articles)) >= 3, f"the reader saw too few loads to tell: {sorted(set(articles))}"
    assert len(result["hits"]) == 3  # the search index kept up with the loads


def test_a_publish_carries_what_changed_and_a_second_one_nothing(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 50))
    assert publish.publish(settings).articles == 50
    assert publish.publish(settings).articles == 0
    # a new text for one article replaces its row and its search document, nothing else
    changed = synthetic_batch(7, 1)
    text = changed["articles"].column("text").to_pylist()[0].replace("drones", "icebreakers")
    arts = changed["articles"]
    arts = arts.set_column(arts.schema.get_field_index("text"), "text", pa.array([text], pa.large_string()))
    arts = arts.set_column(arts.schema.get_field_index("content_hash"), "content_hash", pa.array(["f" * 64]))
    arts = arts.set_column(arts.schema.get_field_index("fetched_at"), "fetched_at",
                           pa.array([datetime(2026, 3, 2, tzinfo=UTC)], store.TS))
    with store.open_db(settings) as con:
        store.load_batch(con, settings, {**changed, "articles": arts})
    assert publish.publish(settings).articles == 1
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (50, 50)
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (51,)
        assert [h.article_id for h in fts.search(con, settings, "icebreakers")] == [f"{7:016x}"]
        assert len(fts.search(con, settings, "drones", limit=100)) == 49


def test_a_publish_leaves_its_few_rows_in_the_log_for_the_next_load_to_checkpoint(tmp_path: Path,
                                                                                 monkeypatch):
    """A checkpoint costs the whole store's metadata however little changed: a publish, which
    writes the writer a few rows, leaves them in DuckDB's write-ahead log, which every later
    connection reads and the next load's checkpoint writes into the file."""
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    wal = tmp_path / "news.duckdb.wal"
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 20))
    assert not wal.exists()  # the load checkpointed
    assert publish.publish(settings).articles == 20
    assert wal.exists()  # the keys it carried are drained in the log
    with store.open_db(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM publish_pending").fetchone() == (0,)
    assert publish.publish(settings).articles == 0  # nothing carried twice
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(20, 5))
    assert not wal.exists()
    assert publish.publish(settings).articles == 5
    assert lake_rows(settings)["articles"] == (25, 25)
    # a publish whose log is not small (a migration ran in it, say) checkpoints as usual
    monkeypatch.setattr(store, "DEFERRED_WAL_BYTES", 0)
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(25, 5))
    assert publish.publish(settings).articles == 5 and not wal.exists()
    assert lake_rows(settings)["articles"] == (30, 30)


def test_a_poll_leaves_its_rows_in_the_log_for_the_next_load_to_checkpoint(settings, sample_feeds):
    """A poll writes a few rows (its entries, polls and feed states) and, like a publish, leaves
    them in the write-ahead log: a checkpoint costs the whole store's metadata (0.7-0.9 s at 1M
    articles), and the next load's checkpoint writes them into the file."""
    wal = settings.db.with_name(settings.db.name + ".wal")
    run.begin(settings, sample_feeds, "daily", "test")
    with store.open_db(settings) as con:
        con.execute("CHECKPOINT")
    assert not wal.exists()
    polls, new = run.poll_step(settings, sample_feeds, "daily")
    assert new > 0 and wal.exists()  # left in the log ...
    with store.open_db(settings, read_only=True) as con:  # ... which every reader of the file reads
        assert con.execute("SELECT count(*) FROM entries").fetchone() == (new,)
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 5))
    assert not wal.exists()  # the load checkpointed them
    with store.open_db(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM entries").fetchone() == (new,)


def test_a_new_representative_carries_the_cluster_rows_alone(tmp_path: Path, monkeypatch):
    """Re-clustering moves published copies to a new representative: the publish replaces their
    story_clusters rows and leaves their texts, decisions and search documents alone."""
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    ids = [f"{i:016x}" for i in range(6)]

    def members(representative: str) -> list[dict]:
        return [{"article_id": a, "cluster_id": representative, "is_representative": a == representative,
                 "similarity": 1.0 if a == representative else 0.9} for a in ids]
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 6))
        assert store.save_clusters(con, settings, members(ids[5])) == 6
    publish.publish(settings)
    with store.open_db(settings) as con:
        assert store.save_clusters(con, settings, members(ids[5])) == 0  # unchanged: nothing noted
        assert con.execute("SELECT count(*) FROM publish_pending").fetchone() == (0,)
        assert store.save_clusters(con, settings, members(ids[0])) == 6  # an earlier copy turns up
        assert con.execute("SELECT DISTINCT kind FROM publish_pending").fetchall() == [("cluster",)]
    statements: list[str] = []
    sql = store.sql
    monkeypatch.setattr(store, "sql", lambda s, name: statements.append(name) or sql(s, name))
    assert publish.publish(settings).articles == 0  # no article, no search document carried
    assert "publish/cluster_rows" in statements
    assert "publish/article_delete" not in statements
    with publish.read(settings) as con:
        assert con.execute("SELECT DISTINCT cluster_id FROM story_clusters").fetchall() == [(ids[0],)]
        assert con.execute("SELECT count(*) FROM story_clusters WHERE is_representative").fetchone() == (1,)
        rows = con.execute("SELECT count(*), count(DISTINCT article_id) FROM story_clusters").fetchone()
        assert rows == (6, 6)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (6,)
    with store.open_db(settings) as con, publish.read(settings) as lake_con:
        mine = con.execute("SELECT article_id, cluster_id, is_representative FROM story_clusters ORDER BY 1")
        assert lake_con.execute("SELECT article_id, cluster_id, is_representative FROM story_clusters "
                                "ORDER BY 1").fetchall() == mine.fetchall()


def _poll(seen_at: datetime, entries: list[tuple[str, str]]) -> FeedPoll:
    """A poll of one feed that lists (guid, article number) items, as the poll stage records it."""
    items = tuple(Entry("synthetic", guid, f"http://127.0.0.1/a/{n}", f"{n:016x}", f"Article {n}",
                        None, seen_at) for guid, n in entries)
    return FeedPoll(f"poll-{seen_at:%d%H%M}", "synthetic", "http://127.0.0.1/feed.xml", seen_at, "ok",
                    200, "application/rss+xml", 10.0, items)


FAILING_FEED = "http://127.0.0.1/failing.xml"


def _failed_poll(at: datetime, ok: bool = False) -> FeedPoll:
    """A poll of a second feed: failed (HTTP 500), or, with `ok`, answered at last."""
    problem = None if ok else Problem("poll", FAILING_FEED, "http_5xx", "HTTP 500 Internal Server Error",
                                      "failing")
    return FeedPoll(f"failing-{at:%d%H%M}", "failing", FAILING_FEED, at, "ok" if ok else "failed",
                    200 if ok else 500, "application/rss+xml", 10.0, problem=problem)


def test_a_poll_that_sees_its_items_again_carries_their_entries_alone(tmp_path: Path, monkeypatch):
    """Every poll sees again the items its feeds still list: the publish after it replaces those
    entries' rows (their last_seen_at moved) and leaves the articles they link to, their texts,
    decisions and search documents, alone. An entry whose link now names another article keeps
    one row, under the new article. A feed that failed and answers at last carries its error's
    row, closed, and no other row of the ledger."""
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    first, again = datetime(2026, 3, 1, 6, tzinfo=UTC), datetime(2026, 3, 2, 6, tzinfo=UTC)
    with store.open_db(settings) as con:
        store.save_polls(con, settings, "poll-1", [_poll(first, [(f"g{i}", i) for i in range(6)]),
                                                   _failed_poll(first)])
        store.load_batch(con, settings, synthetic_batch(0, 7))
    assert publish.publish(settings).articles == 7
    with publish.read(settings) as con:
        assert con.execute("SELECT target, resolved_at FROM errors").fetchall() == [(FAILING_FEED, None)]
    with store.open_db(settings) as con:  # the same items, and g5 now links to article 6
        store.save_polls(con, settings, "poll-2",
                         [_poll(again, [(f"g{i}", i) for i in range(5)] + [("g5", 6)]),
                          _failed_poll(again, ok=True)])
        kinds = con.execute("SELECT kind, count(*) FROM publish_pending GROUP BY ALL ORDER BY 1").fetchall()
        assert kinds == [("entry", 6), ("error", 1), ("poll", 2)]
    statements: list[str] = []
    sql = store.sql
    monkeypatch.setattr(store, "sql", lambda s, name: statements.append(name) or sql(s, name))
    assert publish.publish(settings).articles == 0  # no article, no search document carried
    assert "publish/entry_rows" in statements
    assert not {"publish/article_rows", "publish/article_delete", "publish/search_docs"} & set(statements)
    with publish.read(settings) as con:
        rows = con.execute("SELECT guid, article_id, first_seen_at, last_seen_at FROM entries "
                           "ORDER BY guid").fetchall()
        assert [(g, a) for g, a, _, _ in rows] == [(f"g{i}", f"{6 if i == 5 else i:016x}")
                                                   for i in range(6)]
        assert {(f, s) for _, _, f, s in rows} == {(first, again)}
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (7,)
        closed = con.execute("SELECT target, resolved_at IS NOT NULL FROM errors").fetchall()
        assert closed == [(FAILING_FEED, True)]
    assert publish.publish(settings).articles == 0  # nothing noted since: nothing carried


def test_migration_022_carries_what_an_older_version_left_by_the_new_keys(tmp_path: Path):
    """Before migration 022 a poll noted the articles its entries link to, and every publish copied
    the error ledger whole: keys still waiting from such a poll are carried as their entries, and
    the ledger once whole, so no entry or error is left out of the DuckLake."""
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    day = datetime(2026, 3, 1, 6, tzinfo=UTC)
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 3))
    publish.publish(settings)
    with store.open_db(settings) as con:  # an older poll: entries noted under their articles, no error key
        store.save_polls(con, settings, "poll-1", [_poll(day, [(f"g{i}", i) for i in range(3)]),
                                                   _failed_poll(day)])
        con.execute("DELETE FROM publish_pending WHERE kind IN ('entry', 'error')")
        con.execute("INSERT INTO publish_pending (kind, key) SELECT 'article', article_id FROM entries")
        forget_migrations(con, 22, only=True)
    with store.open_db(settings) as con:
        kinds = con.execute("SELECT kind, count(*) FROM publish_pending WHERE kind IN ('entry', 'error') "
                            "GROUP BY ALL ORDER BY 1").fetchall()
        assert kinds == [("entry", 3), ("error", 1)]
    publish.publish(settings)
    with publish.read(settings) as con:
        assert con.execute("SELECT guid FROM entries ORDER BY 1").fetchall() == [("g0",), ("g1",), ("g2",)]
        assert con.execute("SELECT stage, target FROM errors").fetchall() == [("poll", FAILING_FEED)]


def lake_rows(settings: Settings) -> dict[str, tuple[int, int]]:
    """Rows and distinct articles of the DuckLake's article-keyed tables."""
    with publish.read(settings) as con:
        return {t: con.execute(f"SELECT count(*), count(DISTINCT article_id) FROM {t}").fetchone()
                for t in ("articles", "article_versions", "article_terms")}


def test_new_articles_are_only_added_and_a_reload_of_published_ones_replaces_them(tmp_path: Path,
                                                                                  monkeypatch):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    deletes: list[str] = []
    sql = store.sql
    monkeypatch.setattr(store, "sql", lambda s, name: deletes.append(name) or sql(s, name)
                        if name == "publish/article_delete" else sql(s, name))
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 20))
    publish.publish(settings)  # the first: built whole
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(20, 10))
    assert publish.publish(settings).articles == 10
    assert deletes == []  # nothing published had them: nothing to delete
    with store.open_db(settings) as con:  # the same articles again, and new ones
        store.load_batch(con, settings, synthetic_batch(25, 10))
    assert publish.publish(settings).articles == 10
    assert deletes  # 25-29 were published: their rows are replaced
    assert lake_rows(settings)["articles"] == (35, 35)
    assert lake_rows(settings)["article_versions"] == (35, 35)


def test_a_publish_cut_short_after_its_snapshot_is_done_again_without_duplicates(tmp_path: Path, monkeypatch):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 5))
    publish.publish(settings)
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(5, 5))

    def cut(*args, **kwargs):
        raise RuntimeError("the machine went down")
    with monkeypatch.context() as m:
        m.setattr(fts, "update", cut)  # after the DuckLake's snapshot, before the keys are drained
        with pytest.raises(RuntimeError):
            publish.publish(settings)
    assert lake_rows(settings)["articles"] == (10, 10)  # the snapshot was committed
    with store.open_db(settings) as con:  # and a load comes before the next publish
        store.load_batch(con, settings, synthetic_batch(10, 5))
    assert publish.publish(settings).articles == 10
    rows = lake_rows(settings)
    assert rows["articles"] == (15, 15) and rows["article_versions"] == (15, 15)
    assert rows["article_terms"] == (15, 15)  # "Kherson"
    with publish.read(settings) as con:
        assert len(fts.search(con, settings, "drones", limit=100)) == 15


def test_an_analysts_correction_reaches_readers_with_the_next_publish(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 3))
    publish.publish(settings)
    with store.open_db(settings) as con:
        assert store.save_label(con, settings, f"{1:016x}", relevant=True, peace=True, by="ana")
    assert publish.publish(settings).articles == 1
    with publish.read(settings) as con:
        assert con.execute("SELECT article_id, labelled_by FROM labels").fetchall() == [(f"{1:016x}", "ana")]


def test_a_migration_rebuilds_the_ducklake_whole(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 10))
    publish.publish(settings)
    with store.open_db(settings) as con:  # as a new migration would leave it
        con.execute("INSERT INTO schema_migrations VALUES ('999', '999_test', now())")
        con.execute("CREATE VIEW test_view AS SELECT count(*) AS n FROM articles")
    done = publish.publish(settings)
    assert done.whole and done.articles == 10
    with publish.read(settings) as con:
        assert con.execute("SELECT n FROM test_view").fetchone() == (10,)


def test_a_migration_that_leaves_the_ducklake_as_it_was_does_not_rebuild_it(tmp_path: Path):
    # migrations 018 to 020 only change how the writer stores its tables (their first line says the
    # DuckLake is unchanged): a store published before them carries on with the next publish, not a
    # rebuild of everything
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    newest = max(int(path.name[:3]) for path in store.migration_files(settings.sql_dir))
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 10))
    publish.publish(settings)
    with store.open_db(settings) as con:  # the DuckLake as a publish before 018 to 020 left it
        lake.attach(con, settings, read_only=False)
        con.execute(f"DELETE FROM {lake.WRITER_ALIAS}.schema_migrations WHERE version BETWEEN 18 AND 20")
    with store.open_db(settings) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (newest,)
        store.load_batch(con, settings, synthetic_batch(10, 5))
    done = publish.publish(settings)
    assert not done.whole and done.articles == 5
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (15,)
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (newest,)


def test_a_migration_of_views_alone_recreates_them_with_the_next_load_and_copies_no_table(tmp_path: Path):
    # migration 023 changes report_articles (its word count in place of its text) and no table: a
    # store published before it carries on with the next publish, the views recreated in the
    # snapshot that publish makes, instead of copying every table and rebuilding the index
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 10))
    publish.publish(settings)
    with store.open_db(settings) as con:  # the DuckLake as a publish before 023 left it
        lake.attach(con, settings, read_only=False)
        con.execute(f"USE {lake.WRITER_ALIAS}")
        con.execute("DELETE FROM schema_migrations WHERE version = 23")
        con.execute("DROP TABLE report_articles")  # a view there until 6 December 2026
        con.execute("CREATE VIEW report_articles AS SELECT article_id, title, text FROM articles")
        con.execute("USE news")
    with publish.read(settings) as con:
        assert "text" in {c[0] for c in con.execute("DESCRIBE report_articles").fetchall()}
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(10, 5))
    done = publish.publish(settings)
    assert not done.whole and done.articles == 5
    with publish.read(settings) as con:
        columns = [c[0] for c in con.execute("DESCRIBE report_articles").fetchall()]
        assert "text" not in columns and "word_count" in columns
        assert con.execute("SELECT count(*), count(word_count) FROM report_articles").fetchone() == (15, 15)
        assert con.execute("SELECT sum(articles) FROM report_source_volume").fetchone() == (15,)
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] >= 23
    assert not publish.publish(settings).whole  # and the next publish finds the DuckLake current


def test_a_reader_looping_through_the_rebuild_after_a_migration_sees_whole_loads(tmp_path: Path):
    # the first publish after a migration drops and recreates every table and view of the
    # DuckLake; a reader that keeps querying meanwhile sees the old snapshot or the new one
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, PER_BATCH))
    publish.publish(settings)
    with reader_looping(settings, tmp_path) as result:
        with store.open_db(settings) as con:  # a migration, and a load after it
            con.execute("INSERT INTO schema_migrations VALUES ('999', '999_test', now())")
            con.execute("CREATE VIEW test_view AS SELECT count(*) AS n FROM articles")
            store.load_batch(con, settings, synthetic_batch(PER_BATCH, PER_BATCH))
        assert publish.publish(settings).whole
        with store.open_db(settings) as con:
            store.load_batch(con, settings, synthetic_batch(2 * PER_BATCH, PER_BATCH))
        assert not publish.publish(settings).whole
    assert result["errors"] == []
    seen = [tuple(s) for s in result["seen"]]
    assert {s[0] for s in seen} <= {PER_BATCH, 2 * PER_BATCH, 3 * PER_BATCH}
    assert all(a == v for a, v in seen)
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert seen[-1][0] == 3 * PER_BATCH


def test_compacting_merges_what_publishes_left_and_readers_see_the_same(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    for b in range(10):
        with store.open_db(settings) as con:
            store.load_batch(con, settings, synthetic_batch(b * 20, 20))
        publish.publish(settings)
    assert not publish.compact(settings)  # too little piled up to bother
    before = fts.segments(settings)
    # each publish added a segment; tantivy merges eight of a size at once, in the background of
    # the publish that reached eight (it may or may not have finished when that writer was dropped)
    assert before > 1
    files = "SELECT count(*) FROM ducklake_list_files('newsflow', 'articles')"
    with publish.read(settings) as con:
        hits = sorted(h.article_id for h in fts.search(con, settings, "drones", limit=500))
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (200,)
        assert con.execute(files).fetchone() == (10,)  # one Parquet file per publish
    assert publish.compact(settings, force=True)
    assert fts.segments(settings) <= before
    assert len(hits) == 200
    with publish.read(settings) as con:
        assert sorted(h.article_id for h in fts.search(con, settings, "drones", limit=500)) == hits
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (200,)
        assert con.execute(files).fetchone() == (1,)  # merged into one


def test_where_readers_read_is_a_setting(tmp_path: Path):
    readers = tmp_path / "r"
    settings = Settings(db=tmp_path / "w" / "news.duckdb", lake_catalog=str(readers / "catalog.sqlite"),
                        lake_data=readers / "files", search_index=readers / "search")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 5))
    publish.publish(settings)
    assert publish.where(settings) == tmp_path / "r" / "catalog.sqlite"
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["catalog.sqlite", "files", "search"]
    assert any((tmp_path / "r" / "files").rglob("*.parquet"))
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*) FROM report_feed_activity").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM report_articles").fetchone() == (5,)
    assert lake.catalog(settings) == f"ducklake:sqlite:{tmp_path / 'r' / 'catalog.sqlite'}"
    assert fts.index_path(settings) == tmp_path / "r" / "search"


def test_the_search_documents_agree_with_report_articles(sample_db, tmp_path: Path):
    """The publish reads search documents with its own query (the view is slow at scale); it
    must give what report_articles gives, an analyst's correction included."""
    settings = sample_db.with_(db=tmp_path / "copy.duckdb")
    shutil.copyfile(sample_db.db, settings.db)
    with store.open_db(settings) as con:
        off = con.execute("SELECT article_id FROM report_articles WHERE NOT on_topic LIMIT 1").fetchone()[0]
        assert store.save_label(con, settings, off, relevant=True, peace=False, by="ana")
        # half of them fresh (read from where they start), half published before (read by id)
        con.execute("CREATE TEMP TABLE publishing AS SELECT 'article' AS kind, article_id AS key, "
                    "hash(article_id) % 2 = 0 AS fresh FROM articles")
        docs = search_docs(con, settings)
        view = con.execute("SELECT r.article_id, r.title, a.text, r.language, r.published, r.on_topic, "
                           "r.primary_topic, r.source, r.final_url "
                           "FROM report_articles r JOIN articles a USING (article_id)").fetchall()
        # only the articles loaded last, all fresh: their decisions and scores are read from where
        # they start, not by id
        con.execute("CREATE OR REPLACE TEMP TABLE publishing AS SELECT 'article' AS kind, article_id AS key, "
                    "true AS fresh FROM articles WHERE rowid >= (SELECT count(*) // 2 FROM articles)")
        last = {key for (key,) in con.execute("SELECT key FROM publishing").fetchall()}
        bounds = [store.fresh_rows(con, settings, t) for t in ("classifications", "article_topics")]
        recent = search_docs(con, settings)
    assert sorted(docs) == sorted(view)
    assert len(docs) >= 10 and (off, True) in {(d[0], d[5]) for d in docs}
    assert all(bound.startswith("rowid >= ") for bound in bounds)
    assert len(recent) >= 5 and sorted(recent) == sorted(v for v in view if v[0] in last)
    assert any(d[6] for d in recent)  # their primary subtopics were found


def search_docs(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[tuple]:
    """What the publish reads for the search index, for the articles in `publishing`: their
    report rows first (`lake.carry_report`), then their texts joined to them."""
    lake.carry_report(con, settings, {})
    with fts.streamed(con):
        return con.execute(fts.documents(con, settings, False, {})).fetchall()


def test_a_whole_rebuild_of_the_index_streams_the_texts_past_the_report_rows(sample_db, tmp_path: Path):
    """Rebuilding the index reads every text: the join to the report rows must hold those rows
    and let the texts stream by, or a million articles' texts would sit in memory at once."""
    settings = sample_db.with_(db=tmp_path / "copy.duckdb")
    shutil.copyfile(sample_db.db, settings.db)
    with store.open_db(settings) as con:
        con.execute("CREATE TEMP TABLE publishing (kind VARCHAR, key VARCHAR, fresh BOOLEAN)")
        with fts.streamed(con):
            plan = json.loads(con.execute("EXPLAIN (FORMAT json) " + fts.documents(
                con, settings, True, {})).fetchone()[1])
        assert len(con.execute(fts.documents(con, settings, True, {})).fetchall()) >= 10

    def joins(node: dict) -> Iterator[dict]:
        if node.get("name") == "HASH_JOIN":
            yield node
        for child in node.get("children", []):
            yield from joins(child)

    def reads_texts(node: dict) -> bool:
        return '"text"' in json.dumps(node.get("extra_info", {}).get("Projections", [])) or any(
            reads_texts(child) for child in node.get("children", []))

    texts_join = next(j for j in joins(plan[0]) if reads_texts(j))
    streamed, held = texts_join["children"]
    assert reads_texts(streamed) and not reads_texts(held)


def test_a_publish_reads_new_articles_from_where_the_load_appended_them(settings):
    """Article ids are hashes, spread over every row group: a read by id alone scans (and caches)
    every text. A load appends the rows of new articles, so the publish reads those from there."""
    from tests.test_story_clusters import REPORTS, article, load

    load(settings, *(article(f"a-{i}", REPORTS[i], 0) for i in range(6)))
    publish.publish(settings)
    load(settings, article("a-0", REPORTS[0] + " Updated at noon.", 0, fetched_hours=1),
         *(article(f"b-{i}", REPORTS[6 + i], 1) for i in range(3)))
    with store.open_db(settings) as con:
        con.execute("CREATE TEMP TABLE publishing AS SELECT kind, key, bool_or(fresh) AS fresh "
                    "FROM publish_pending GROUP BY ALL")
        start = store.fresh_rows(con, settings, "articles")  # past the six rows published before
        assert start.startswith("rowid >= ") and int(start.split()[-1]) >= 6
        assert store.fresh_rows(con, settings, "labels") == "false"
    publish.publish(settings)
    with publish.read(settings) as con:
        texts = dict(con.execute("SELECT title, text FROM articles").fetchall())
        topics = con.execute("SELECT count(*) FROM article_terms").fetchone()
    assert len(texts) == 9 and texts["a-0"].endswith("Updated at noon.") and topics == (9,)
    with publish.read(settings) as con:
        assert "a-0" in {h.title for h in fts.search(con, settings, "updated at noon")}


def test_where_fresh_rows_start_is_found_from_the_end_of_each_table(settings):
    """The publish looks for the first row of its fresh articles in the last rows of each table,
    farther back until those rows hold one of an article it does not carry: that row was there
    before anything the loads since appended. What it finds is what a read of every stored id
    finds, whatever the first window; an old article a load rewrote (DuckDB may move its row to
    the end) is carried, so it proves nothing."""
    from tests.test_story_clusters import REPORTS, article, load

    def text(i: int) -> str:
        return f"{REPORTS[i % len(REPORTS)]} Item {i}."

    load(settings, *(article(f"a-{i}", text(i), 0) for i in range(20)))
    publish.publish(settings)
    load(settings, article("a-0", text(0) + " Updated at noon.", 0, fetched_hours=1),
         *(article(f"b-{i}", text(100 + i), 1) for i in range(6)))
    load(settings, article("a-1", text(1) + " Updated at one.", 0, fetched_hours=2),
         article("b-6", text(106), 1))
    tables = ("articles", "article_versions", "url_aliases", "article_signatures", "article_terms")
    with store.open_db(settings) as con:
        con.execute("CREATE TEMP TABLE publishing AS SELECT kind, key, bool_or(fresh) AS fresh "
                    "FROM publish_pending GROUP BY ALL")
        assert con.execute("SELECT count(*) FILTER (WHERE fresh), count(*) FROM publishing "
                           "WHERE kind = 'article'").fetchone() == (7, 9)
        for table in tables:
            (first, last_untouched) = con.execute(
                f"SELECT min(rowid) FILTER (WHERE article_id IN (SELECT key FROM publishing WHERE fresh)), "
                f"max(rowid) FILTER (WHERE article_id NOT IN (SELECT key FROM publishing)) FROM {table}"
            ).fetchone()
            assert first is not None and first > last_untouched, table  # what the search relies on:
            # the first fresh row lies after every row of an article no load touched
            for window in (1, 4, store.FRESH_WINDOW):
                assert store.fresh_rows(con, settings, table, window) == f"rowid >= {first}", (table, window)
        # every row carried: no row tells where the loads began, so the whole table is read
        con.execute("INSERT INTO publishing SELECT 'article', article_id, true FROM articles "
                    "WHERE article_id NOT IN (SELECT key FROM publishing)")
        con.execute("UPDATE publishing SET fresh = true")
        (first,) = con.execute("SELECT min(rowid) FROM articles").fetchone()
        assert store.fresh_rows(con, settings, "articles", 1) == f"rowid >= {first}"
        assert store.fresh_rows(con, settings, "labels", 1) == "false"
    publish.publish(settings)
    with publish.read(settings) as con:
        titles = {t for (t,) in con.execute("SELECT title FROM articles").fetchall()}
        terms = con.execute("SELECT count(*) FROM article_terms").fetchone()
    assert titles == {f"a-{i}" for i in range(20)} | {f"b-{i}" for i in range(7)} and terms == (27,)


def test_the_published_report_articles_table_keeps_the_rows_of_the_writers_view(sample_db, tmp_path: Path,
                                                                               monkeypatch):
    """The DuckLake holds report_articles as a table (the view joins four tables: 3-4 s to read at
    a million articles). Each publish writes the rows of what it carries, and builds it whole when
    a change reaches articles it does not carry, a renamed feed. A newer classifier version that
    decides some articles changes only theirs (migration 027)."""
    settings = sample_db.with_(db=tmp_path / "copy.duckdb")
    shutil.copyfile(sample_db.db, settings.db)
    built, sql = [], store.sql
    monkeypatch.setattr(store, "sql", lambda s, name: built.append(name) or sql(s, name))

    def published(*, whole: bool) -> list[tuple]:
        built.clear()
        publish.publish(settings)
        assert ("publish/report_rows" not in built) == whole
        with store.open_db(settings) as con:
            view = con.execute("SELECT * FROM report_articles ORDER BY article_id").fetchall()
        with publish.read(settings) as con:
            kind = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'report_articles' "
                               "AND database_name = 'newsflow'").fetchone()
            table = con.execute("SELECT * FROM report_articles ORDER BY article_id").fetchall()
            sources = con.execute("SELECT sum(articles), sum(on_topic) FROM report_source_volume").fetchone()
        assert kind == (1,) and table == view
        assert sources == (len(view), sum(r[11] for r in view))
        return view

    first = published(whole=True)
    with store.open_db(settings) as con:  # two corrections, each way
        on, off = (con.execute(f"SELECT article_id FROM report_articles WHERE {w} LIMIT 1").fetchone()[0]
                   for w in ("on_topic", "NOT on_topic"))
        assert store.save_label(con, settings, on, relevant=False, peace=None, by="ana")
        assert store.save_label(con, settings, off, relevant=True, peace=False, by="ana")
    corrected = {r[0]: r[11] for r in published(whole=False)}
    assert (corrected[on], corrected[off]) == (False, True)
    with store.open_db(settings) as con:  # new articles, then some of them again
        store.load_batch(con, settings, synthetic_batch(0, 6))
    assert len(published(whole=False)) == len(first) + 6
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(3, 6))
    before = published(whole=False)
    assert len(before) == len(first) + 9
    with store.open_db(settings) as con:  # a newer classifier decides two articles, as a load writes it
        con.execute("UPDATE classifications SET is_current = false WHERE article_id IN (?, ?)", [on, off])
        con.execute("""INSERT INTO classifications BY NAME
            SELECT * REPLACE ('test-v2' AS classifier_version, now() AS classified_at, score / 2 AS score,
                              true AS is_current)
            FROM classifications WHERE article_id IN (?, ?)""", [on, off])
        con.execute("INSERT INTO publish_pending (kind, key) VALUES ('article', ?), ('article', ?)",
                    [on, off])
    newer = published(whole=False)  # the rest keep their decisions: only the two are carried
    assert {r[0]: r[11] for r in newer if r[0] in (on, off)} == {on: False, off: True}  # corrections win
    assert {r[0]: r[12] / 2 for r in before if r[0] in (on, off)} == {
        r[0]: r[12] for r in newer if r[0] in (on, off)}
    assert [r for r in newer if r[0] not in (on, off)] == [r for r in before if r[0] not in (on, off)]
    with store.open_db(settings) as con:  # a renamed feed: its articles' source
        feed = con.execute("SELECT feed_id FROM report_articles WHERE feed_id <> 'synthetic' "
                           "LIMIT 1").fetchone()[0]
        con.execute("UPDATE articles SET site_name = NULL WHERE feed_id = ?", [feed])
        con.execute("INSERT INTO publish_pending (kind, key) SELECT 'article', article_id FROM articles "
                    "WHERE feed_id = ?", [feed])
    published(whole=False)
    with store.open_db(settings) as con:
        con.execute("UPDATE feeds SET name = 'Renamed' WHERE feed_id = ?", [feed])
    renamed = published(whole=True)
    assert {r[6] for r in renamed if r[4] == feed} == {"Renamed"}


def test_a_ducklake_that_holds_report_articles_as_a_view_gets_the_table_with_the_next_publish(tmp_path: Path):
    # published before 6 December 2026, the DuckLake held the writer's view itself
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(0, 10))
    publish.publish(settings)
    with store.open_db(settings) as con:
        (view,) = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'report_articles' "
                              "AND database_name = current_database()").fetchone()
        lake.attach(con, settings, read_only=False)
        con.execute(f"USE {lake.WRITER_ALIAS}")
        con.execute("DROP TABLE report_articles")
        con.execute(view)
        con.execute("USE news")
    with store.open_db(settings) as con:
        store.load_batch(con, settings, synthetic_batch(10, 5))
    done = publish.publish(settings)
    assert not done.whole and done.articles == 5
    with publish.read(settings) as con:
        kind = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'report_articles' "
                           "AND database_name = 'newsflow'").fetchone()
        assert kind == (1,)
        assert con.execute("SELECT count(*) FROM report_articles").fetchone() == (15,)
        assert con.execute("SELECT sum(articles) FROM report_source_volume").fetchone() == (15,)
