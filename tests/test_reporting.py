"""The report_* views (sql/migrations/005_reporting.sql) on the bundled sample.

The expected figures come from the sample site (pipeline/sample/site/README.md): 19 usable
articles from four outlets, 7 of them on topic, published between 2026-01-18 and 2026-03-10.
"""

from __future__ import annotations

from datetime import date

import duckdb
from typer.testing import CliRunner

from pipeline import run as chain
from pipeline.cli import app
from tests.conftest import query

D = date


def test_daily_subtopic_volume_counts_each_on_topic_article_once_on_its_day(sample_db):
    rows = query(sample_db.db, "SELECT day, topic_id, articles FROM report_daily_subtopic_volume")
    per_day: dict[date, int] = {}
    for day, _topic, n in rows:
        per_day[day] = per_day.get(day, 0) + n
    # seed-5 02-10, seed-2 02-12, seed-1 02-18, seed-3 and the sanctions story 02-24,
    # seed-4 02-26, the drone story 03-04
    assert per_day == {D(2026, 2, 10): 1, D(2026, 2, 12): 1, D(2026, 2, 18): 1, D(2026, 2, 24): 2,
                       D(2026, 2, 26): 1, D(2026, 3, 4): 1}
    topics = {(day, topic) for day, topic, _ in rows}
    assert (D(2026, 3, 4), "battlefield") in topics  # drone and missile strikes on the grid
    assert (D(2026, 2, 24), "sanctions_pressure") in topics  # the 20th sanctions package


def test_source_volume_splits_by_outlet_and_language(sample_db):
    rows = query(sample_db.db, """
        SELECT source, language, sum(articles), sum(on_topic) FROM report_source_volume
        GROUP BY ALL ORDER BY ALL""")
    assert rows == [
        ("Baltic Wire", "en", 3, 0),           # offtopic-09..11; the PDF and PNG are not articles
        ("Euro Ledger", "en", 7, 3),           # seed-4, seed-5, sanctions, offtopic-05..08
        ("Kyiv Courier", "de", 1, 0),          # the German rail-strike story
        ("Kyiv Courier", "en", 1, 1),          # the drone story
        ("The Sample Times", "en", 7, 3),      # seed-1..3, offtopic-01..04
    ]


def test_on_topic_share_per_day(sample_db):
    rows = {r[0]: r[1:] for r in query(sample_db.db, "SELECT * FROM report_on_topic_share")}
    assert len(rows) == 18  # 19 articles, two of them on 2026-02-24
    assert rows[D(2026, 2, 24)] == (2, 2, 1.0)
    assert rows[D(2026, 3, 10)] == (1, 0, 0.0)
    assert sum(r[0] for r in rows.values()) == 19 and sum(r[1] for r in rows.values()) == 7


def test_top_stories_are_the_on_topic_stories_biggest_then_newest(sample_db):
    rows = query(sample_db.db, "SELECT rank, title, articles, url FROM report_top_stories ORDER BY rank")
    assert len(rows) == 7  # no two on-topic pages are near-duplicates: seven stories of one article
    assert [r[2] for r in rows] == [1] * 7
    assert rows[0][3].endswith("/ontopic-drones.html")  # the newest (2026-03-04) comes first
    assert rows[-1][3].endswith("/seed-5.html")  # the oldest (2026-02-10) comes last


def test_new_terms_are_names_first_mentioned_in_four_weeks(sample_db):
    rows = query(sample_db.db, "SELECT week, term FROM report_new_terms")
    by_week: dict[date, set[str]] = {}
    for week, term in rows:
        by_week.setdefault(week, set()).add(term)
    # the week of the drone story: the places it names are new, the war's usual names are not
    drones = by_week[D(2026, 3, 2)]
    assert {"Volgograd", "Kharkiv", "Odesa"} <= drones
    assert not drones & {"Ukraine", "Russia", "Kremlin", "Moscow", "Kyiv"}
    # sentence-initial ordinary words are not names
    assert not any(t in {"The", "But", "Officials", "However"} for terms in by_week.values() for t in terms)
    # the first on-topic week (seed-5, seed-2) has no baseline: nothing is flagged
    assert D(2026, 2, 9) not in by_week


def test_feed_activity_shows_last_success_failure_streak_and_articles(sample_db, tmp_path, sample_feeds):
    rows = {r[0]: r[1:] for r in query(sample_db.db, """
        SELECT feed_id, last_success IS NOT NULL, last_status, failure_streak, articles_total,
               articles_per_day FROM report_feed_activity""")}
    assert rows["sample-world"] == (True, "ok", 0, 8, round(8 / 7, 2))
    assert rows["sample-europe"] == (True, "ok", 0, 7, 1.0)  # the utm copy of seed-1 is one row
    assert rows["sample-baltic"] == (True, "ok", 0, 3, round(3 / 7, 2))
    assert rows["sample-kyiv"][:3] == (True, "partial", 0)  # malformed but it answered
    assert rows["sample-error"] == (False, "failed", 1, 0, 0.0)
    assert rows["sample-disabled"] == (False, None, 0, 0, 0.0)
    # a second poll: the broken feeds' streaks grow, the healthy ones stay at zero
    copy = sample_db.with_(db=tmp_path / "copy.duckdb")
    copy.db.write_bytes(sample_db.db.read_bytes())
    with duckdb.connect(str(copy.db)) as con:  # time passes: the failing feeds' backoff is over
        con.execute("UPDATE feed_state SET next_poll_at = NULL")
    chain.begin(copy, sample_feeds, "second", "test")
    chain.poll_step(copy, sample_feeds, "second")
    streaks = dict(query(copy.db, "SELECT feed_id, failure_streak FROM report_feed_activity"))
    assert streaks["sample-error"] == 2 and streaks["sample-slow"] == 2
    assert streaks["sample-world"] == 0 and streaks["sample-kyiv"] == 0
    # a third poll, while the failing feeds back off: a skipped poll is no success, and the feed
    # still shows why it fails (028)
    polls, new = chain.poll_step(copy, sample_feeds, "third")
    backing_off = {p.feed_id for p in polls if p.status == "skipped" and "after failures" in (p.note or "")}
    assert {"sample-error", "sample-slow"} <= backing_off
    assert chain.poll_counts(polls, new)["feeds_backing_off"] == len(backing_off)  # in the ingest's event
    assert query(copy.db, "SELECT status FROM feed_polls WHERE feed_id = 'sample-error' "
                          "ORDER BY polled_at DESC LIMIT 1") == [("skipped",)]
    rows = {r[0]: r[1:] for r in query(copy.db, """
        SELECT feed_id, last_success IS NOT NULL, last_status, failure_streak, last_error LIKE '%500%'
        FROM report_feed_activity""")}
    assert rows["sample-error"] == (False, "failed", 2, True)
    assert rows["sample-world"][:3] == (True, "ok", 0)
    health = {r[0]: r[1:] for r in query(copy.db, "SELECT feed_id, last_status, last_error FROM feed_health")}
    assert health["sample-error"][0] == "skipped" and "500" in health["sample-error"][1]
    assert health["sample-world"] == ("skipped", None)  # not "not due until ...": that is no error
    shown = CliRunner().invoke(app, ["status", "--db", str(copy.db)], env={"COLUMNS": "120"}).output
    line = next(row for row in shown.splitlines() if "sample-error" in row)
    assert "failed ×2, backing off" in line and "500" in line
