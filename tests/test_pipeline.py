"""The whole chain over the bundled sample, served on 127.0.0.1 (see pipeline/sample/site/README.md)."""

from __future__ import annotations

import socket
import struct
import time
import urllib.request

import pytest

from pipeline import run as chain
from pipeline import store
from pipeline.config import Settings
from pipeline.sample.server import serve
from tests.conftest import counts, duplicate_ids, query

SEEDS = [f"seed-{i}.html" for i in range(1, 6)]
ON_TOPIC_WRITTEN = ["ontopic-drones.html", "ontopic-sanctions.html"]
OFF_TOPIC = [f"offtopic-{i:02d}.html" for i in range(1, 13)]


@pytest.fixture
def first_run(settings, sample_feeds):
    return chain.run(settings, sample_feeds, trigger="test")


def by_page(db) -> dict[str, tuple]:
    rows = query(db, """
        SELECT regexp_extract(a.url, '[^/]+$'), a.extraction_status, c.relevant, c.score,
               a.title, a.word_count, a.language, a.published_at, a.source_domain
        FROM articles a LEFT JOIN current_classifications c USING (article_id)""")
    return {r[0]: r[1:] for r in rows}


def test_the_seed_articles_load_on_topic_and_the_others_off_topic(first_run, settings):
    pages = by_page(settings.db)
    for name in SEEDS + ON_TOPIC_WRITTEN:
        status, relevant, score, *_ = pages[name]
        assert (status, relevant) == ("ok", True), (name, score)
    for name in OFF_TOPIC:
        status, relevant, score, *_ = pages[name]
        assert (status, relevant) == ("ok", False), (name, score)
    assert first_run.status == "success"
    assert first_run.counts["on_topic"] == len(SEEDS + ON_TOPIC_WRITTEN)


def test_articles_carry_text_metadata_and_a_score_per_subtopic(first_run, settings):
    title, words, language, published, domain = by_page(settings.db)["seed-1.html"][3:]
    assert title and words > 300 and language == "en" and published.year == 2026
    assert domain == "127.0.0.1"
    assert by_page(settings.db)["offtopic-12.html"][5] == "de"
    rows = query(settings.db, """
        SELECT count(DISTINCT topic_id), min(score), max(score), count(*) FILTER (WHERE is_primary)
        FROM article_topics""")
    n_topics, low, high, primaries = rows[0]
    assert n_topics == 8 and 0.0 <= low <= high <= 1.0
    assert primaries == len(SEEDS + ON_TOPIC_WRITTEN)
    explanation = query(settings.db, """
        SELECT explanation->>'best_sentence', explanation->'story_terms'
        FROM current_classifications WHERE relevant LIMIT 1""")[0]
    assert explanation[0] and explanation[1] != "[]"


def test_the_same_article_from_two_feeds_is_one_row(first_run, settings):
    rows = query(settings.db, """
        SELECT count(*), count(DISTINCT e.feed_id) FROM entries e
        JOIN articles a USING (article_id) WHERE a.url LIKE '%/seed-1.html'""")
    assert rows == [(2, 2)]
    assert query(settings.db, "SELECT count(*) FROM articles WHERE url LIKE '%seed-1.html%'") == [(1,)]


def test_each_broken_case_is_recorded_with_its_reason_while_the_rest_loads(first_run, settings):
    errors = {(stage, target.rsplit("/", 1)[-1]): (cls, msg) for stage, target, cls, msg in query(
        settings.db, "SELECT stage, target, error_class, message FROM errors")}
    assert errors[("poll", "500")][0] == "http_5xx" and "500" in errors[("poll", "500")][1]
    assert errors[("poll", "slow")][0] == "timeout"
    assert errors[("poll", "notafeed.rss")][0] == "not_a_feed"
    assert errors[("poll", "kyiv.rss")][0] == "parse_error"  # malformed, but its entries were kept
    assert errors[("fetch", "report.pdf")][0] == "not_html"
    assert errors[("fetch", "chart.png")][0] == "not_html"
    assert errors[("fetch", "missing-story.html")][0] == "http_4xx"
    assert errors[("extract", "empty.html")][0] == "empty_extraction"
    polls = dict(query(settings.db, "SELECT feed_id, status FROM feed_polls"))
    assert polls == {"sample-world": "ok", "sample-europe": "ok", "sample-baltic": "ok",
                     "sample-kyiv": "partial", "sample-notafeed": "failed",
                     "sample-error": "failed", "sample-slow": "failed"}
    kyiv = query(settings.db, "SELECT count(*) FROM entries WHERE feed_id = 'sample-kyiv'")
    assert kyiv == [(4,)]
    assert first_run.counts["feeds_failed"] == 3 and first_run.counts["feeds_ok"] == 4
    # each page counts once: the PDF, the image and the 404 as failed, none of them as fetched
    fetched = query(settings.db, "SELECT count(*) FROM articles")[0][0]
    assert (first_run.counts["pages_fetched"], first_run.counts["pages_failed"]) == (fetched, 3)


def test_a_rerun_leaves_rows_and_ids_unchanged(first_run, settings, sample_feeds):
    before = counts(settings.db)
    ids = query(settings.db, "SELECT article_id FROM articles ORDER BY 1")
    second = chain.run(settings, sample_feeds, trigger="test")
    assert counts(settings.db) == before
    assert query(settings.db, "SELECT article_id FROM articles ORDER BY 1") == ids
    assert second.counts["entries_new"] == 0 and second.counts["articles_new"] == 0
    seen = query(settings.db, "SELECT count(*) FILTER (WHERE last_seen_at > first_seen_at) FROM entries")
    assert seen[0][0] > 0  # the entries seen again were updated, not added
    assert duplicate_ids(settings.db) == []
    runs = query(settings.db, "SELECT status, entries_new FROM pipeline_runs ORDER BY started_at")
    assert runs == [("success", first_run.counts["entries_new"]), ("success", 0)]


def test_a_retryable_failure_is_retried_by_later_runs_and_not_forever(first_run, settings, sample_feeds):
    # the 404 page is permanent: never retried; nothing else is pending after the first run
    assert chain.plan(settings) == []
    assert query(settings.db, "SELECT attempts FROM errors WHERE target LIKE '%missing-story%'") == [(1,)]


def test_the_run_is_recorded_with_counts_and_time_per_stage(first_run, settings):
    row = query(settings.db, """
        SELECT trigger, status, feeds_ok, feeds_failed, articles_new, on_topic,
               json_keys(stage_seconds) FROM pipeline_runs""")[0]
    assert row[:6] == ("test", "success", 4, 3, first_run.counts["articles_new"], 7)
    assert set(row[6]) >= {"poll", "fetch", "extract", "classify", "load"}


def test_a_run_finished_again_with_nothing_to_count_keeps_its_counts(tmp_path):
    # an Airflow run cleared and run again finds its work done: its record keeps what the first
    # try did, while a count the second try made (0 included) replaces the first's
    cfg = Settings(db=tmp_path / "runs.duckdb")
    with store.open_db(cfg) as con:
        store.start_run(con, cfg, "r1", "test")
        first = {"pages_fetched": 22, "articles_new": 19, "on_topic": 7}
        store.finish_run(con, cfg, "r1", "success", first, {})
        store.finish_run(con, cfg, "r1", "success", {"on_topic": 0}, {"load": 0.1})
    assert query(cfg.db, "SELECT status, pages_fetched, articles_new, on_topic FROM pipeline_runs") == [
        ("success", 22, 19, 0)]


def test_a_client_that_hangs_up_on_the_sample_server_prints_nothing(capfd):
    """The fetcher gives up on the slow feed and closes pooled connections: `make demo` showed
    socketserver's traceback for each such reset in the middle of its output."""
    with serve() as base:
        host, port = base.removeprefix("http://").split(":")
        for _ in range(3):
            sock = socket.create_connection((host, int(port)))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # a reset, before any request
        time.sleep(0.5)  # the handler threads read the reset
        with urllib.request.urlopen(f"{base}/feeds/europe.atom", timeout=5) as reply:
            assert reply.status == 200
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
