"""The ledgers every poll, run, correction and reprocessing request writes a few rows to
(feed_polls, feed_state, errors, pipeline_runs, on_topic_weeks, labels, reprocess_requests): one
row per key, and as many row groups as their rows need, however many sessions wrote them
(migration 024)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline import store
from pipeline.models import Entry, FeedPoll, Problem
from tests.conftest import duplicate_ids, query, unkeyed_by_migrations
from tests.test_load import fetched, load

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
FAILING = "http://127.0.0.1/failing.xml"
LEDGERS = {"feed_polls": "poll_id", "feed_state": "feed_id", "errors": "stage, target",
           "pipeline_runs": "run_id", "on_topic_weeks": "week", "labels": "article_id, labelled_at",
           "reprocess_requests": "request_id"}


def polls(at: datetime, n: int) -> list[FeedPoll]:
    """One feed answering with two items (one of them new each time), one failing with HTTP 500."""
    items = tuple(Entry("answering", guid, f"http://127.0.0.1/a/{guid}", f"{k:016x}", f"Item {guid}",
                        None, at) for k, guid in enumerate((f"g{n}", "g-always")))
    problem = Problem("poll", FAILING, "http_5xx", "HTTP 500 Internal Server Error", "failing")
    return [FeedPoll(f"answering-{n}", "answering", "http://127.0.0.1/feed.xml", at, "ok", 200,
                     "application/rss+xml", 10.0, items),
            FeedPoll(f"failing-{n}", "failing", FAILING, at, "failed", 500, "text/html", 5.0,
                     problem=problem)]


def row_groups(db, table: str) -> int:
    return query(db, f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')")[0][0]


def test_runs_in_sessions_of_their_own_keep_each_ledger_in_one_row_group(settings):
    """A scheduled deployment opens the database once per task: each poll and run is a session of
    its own, some checkpointed at their end, some left in the write-ahead log (as a poll task
    leaves them, store.defer_checkpoint). With a primary key, DuckDB 1.4 began a row group at every
    such session: a year of hourly polls would have left 8,760 of them."""
    for n in range(24):
        at = T0 + timedelta(hours=n)
        with store.open_db(settings) as con:
            store.start_run(con, settings, f"run-{n}", "cli")
            store.save_polls(con, settings, f"run-{n}", polls(at, n))
            store.finish_run(con, settings, f"run-{n}", "success", {"feeds_ok": 1, "feeds_failed": 1},
                             {"poll": 0.1})
            if n % 2:
                store.defer_checkpoint(con, settings.db)
    with store.open_db(settings) as con:
        con.execute("CHECKPOINT")
    assert {t: row_groups(settings.db, t) for t in ("feed_polls", "feed_state", "errors", "pipeline_runs")} \
        == {"feed_polls": 1, "feed_state": 1, "errors": 1, "pipeline_runs": 1}
    assert query(settings.db, "SELECT count(*) FROM feed_polls") == [(48,)]
    state = "SELECT feed_id, consecutive_failures, last_status FROM feed_state ORDER BY 1"
    assert query(settings.db, state) == [("answering", 0, "ok"), ("failing", 24, "failed")]
    assert query(settings.db, "SELECT target, attempts, first_seen_at < last_seen_at FROM errors") \
        == [(FAILING, 24, True)]
    assert query(settings.db, "SELECT count(*), count(*) FILTER (status = 'success') FROM pipeline_runs") \
        == [(24, 24)]
    assert query(settings.db, "SELECT count(*) FROM entries") == [(25,)]
    assert duplicate_ids(settings.db) == []


def test_corrections_and_requests_one_a_session_keep_one_row_group(settings):
    """An analyst corrects articles one `newsflow label` at a time; ops ask for reprocessing from
    the UI, a request at a time, and ask again for the same window."""
    story = fetched("Ships left Odesa at dawn under escort. " * 12, 0)
    load(settings, story)
    for n in range(12):
        with store.open_db(settings) as con:
            assert store.save_label(con, settings, story.article_id, relevant=n % 2 == 0, peace=None,
                                    by="analyst")
            store.add_request(con, settings, request_id=f"request-{n % 6}", requested_by="ops",
                              stage="re-classify", since=T0, until=None, feed_ids=["answering"])
            if n % 2:
                store.defer_checkpoint(con, settings.db)
    with store.open_db(settings) as con:
        con.execute("CHECKPOINT")
    assert {t: row_groups(settings.db, t) for t in ("labels", "reprocess_requests")} \
        == {"labels": 1, "reprocess_requests": 1}
    assert query(settings.db, "SELECT count(*) FROM labels") == [(12,)]
    assert query(settings.db, "SELECT relevant FROM current_labels") == [(False,)]  # the newest wins
    assert query(settings.db, "SELECT count(*), count(*) FILTER (status = 'open') FROM reprocess_requests") \
        == [(6, 6)]
    assert duplicate_ids(settings.db) == []


def test_a_run_retried_failed_and_late_keeps_one_row_with_its_first_reason(settings):
    with store.open_db(settings) as con:
        store.start_run(con, settings, "run-1", "airflow:news_daily")
        store.fail_run(con, settings, "run-1", "airflow:news_daily", "fetch task: out of memory")
        store.start_run(con, settings, "run-1", "airflow:news_daily")  # the retry starts over
        store.fail_run(con, settings, "run-2", "airflow:news_daily", "poll task: killed")  # never started
        store.fail_run(con, settings, "run-2", "airflow:news_daily", "a later failure")
        store.save_polls(con, settings, "run-1", polls(T0, 0))
        store.save_polls(con, settings, "run-1", polls(T0, 0))  # the same polls loaded again
    runs = "SELECT run_id, status, finished_at IS NULL, error FROM pipeline_runs ORDER BY 1"
    assert query(settings.db, runs) == [("run-1", "running", True, None),
                                        ("run-2", "failed", False, "poll task: killed")]
    assert query(settings.db, "SELECT count(*) FROM feed_polls") == [(2,)]
    assert duplicate_ids(settings.db) == []


def test_migration_024_keeps_every_row_and_drops_the_ledgers_keys(settings):
    for n in range(3):
        with store.open_db(settings) as con:
            store.start_run(con, settings, f"run-{n}", "cli")
            store.save_polls(con, settings, f"run-{n}", polls(T0 + timedelta(hours=n), n))
            con.execute("INSERT INTO on_topic_weeks VALUES (DATE '2026-03-02' + 7 * $n, $n)", {"n": n})
    kept = {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in LEDGERS}
    described = ("SELECT table_name, column_name, data_type, is_nullable, column_default "
                 f"FROM duckdb_columns() WHERE table_name IN {tuple(LEDGERS)} "
                 "ORDER BY table_name, column_index")
    columns = query(settings.db, described)
    # 024 rebuilds reprocess_requests and labels, which 028 and 029 gave a column each
    assert unkeyed_by_migrations(settings, LEDGERS, (24,), undo=(28, 29))
    assert {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in LEDGERS} == kept
    assert query(settings.db, described) == columns  # names, types, NOT NULL and defaults
    with store.open_db(settings) as con:  # polls go on
        store.save_polls(con, settings, "run-3", polls(T0 + timedelta(hours=3), 3))
    assert query(settings.db, "SELECT attempts FROM errors") == [(4,)]
    assert duplicate_ids(settings.db) == []
