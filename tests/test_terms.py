"""The terms of the new-terms report (migration 013): a load extracts them from each text it
writes, by a rule that reads that text alone; a new text replaces them; a publish carries them;
report_new_terms flags a term in the week it comes back after four weeks unmentioned. Its weekly
counts (migration 015) are kept by the loads and give the rows counting on each query gave."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import extract, publish, store
from pipeline.models import Article, Classification
from pipeline.sources import FeedSource
from pipeline.taxonomy import load_taxonomy
from tests.conftest import forget_migrations, query

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)  # a Monday

NEWS = ("The Kremlin said on Monday that talks would resume. Officials declined to comment. "
        "Kharkiv was shelled overnight, and in Kharkiv the power failed. Kaja Kallas's visit to Kyiv "
        "was cut short; Kallas met the Black Sea Fleet’s commanders? No.\nHowever the EU and NATO disagreed.")


def fetched(text: str | None, *, hours: int = 0, n: int = 0, days: int = 0) -> Article:
    """Article n as a fetch `hours` after it was published, `days` after T0."""
    url = f"https://news.example.org/{n}"
    published = T0 + timedelta(days=days)
    return Article(article_id=f"{n:016x}", link_id=f"{n:016x}", url=url, link=url, final_url=url,
                   feed_id=None, source_domain="news.example.org", title="A Title In Title Case",
                   authors=(), published_at=published, date_source="page",
                   fetched_at=published + timedelta(hours=hours), http_status=200,
                   content_type="text/html", size_bytes=1000, fetch_ms=1.0, language="en",
                   site_name=f"Outlet {n % 2}", description=None, text=text,
                   word_count=len(text.split()) if text else 0,
                   content_hash=extract.content_hash(text) if text else None,
                   extraction_status="ok" if text else "empty")


def on_topic(article: Article) -> Classification:
    return Classification(article_id=article.article_id, classifier_version="v1", relevant=True, score=0.9,
                          topic_scores={"talks": 0.9}, primary_topic="talks", explanation={})


def load(settings, *articles: Article, decide: bool = False) -> None:
    """Each article in a batch of its own (in a batch of their own, together when `decide`)."""
    with store.open_db(settings) as con:
        if decide:
            store.load_batch(con, settings, store.batch_tables(
                "test", articles=articles, classifications=[on_topic(a) for a in articles], problems=[]))
            return
        for a in articles:
            store.load_batch(con, settings, store.batch_tables("test", articles=[a], classifications=[],
                                                               problems=[]))


def terms(settings, n: int = 0) -> dict[str, int]:
    return dict(query(settings.db, "SELECT unnest(terms, recursive := true) FROM article_terms "
                                   "WHERE article_id = ?", [f"{n:016x}"]))


def test_a_load_extracts_the_names_of_a_text_and_how_often_it_names_them(settings):
    load(settings, fetched(NEWS))
    assert terms(settings) == {
        "Kremlin": 1,           # "The" is an ordinary word (ordinary_words): stripped
        "Monday": 1,
        "Kharkiv": 2,           # opens a sentence, but the text also writes "in Kharkiv"
        "Kaja Kallas": 1,       # the possessive 's is dropped
        "Kallas": 1,            # a shorter run is a term of its own
        "Kyiv": 1,
        "Black Sea Fleet": 1,   # ’s too
        "NATO": 1,
    }  # not "Officials", "No", "However" (lone sentence openers), nor "EU" (under three letters)


@pytest.mark.parametrize(("text", "expected"), [
    ("Die Regierung in Berlin schwieg. Sie sagte nichts.", {"Regierung": 1, "Berlin": 1}),
    ("Le président a parlé à Paris. Selon Emmanuel Macron, rien.", {"Paris": 1, "Emmanuel Macron": 1}),
    ("Удар по Одесі. Однак Україна відповіла, і Україна вистояла.", {"Одесі": 1, "Україна": 2}),
    ("“Officials”, he said. (Officials) declined. Sanctions bite.", {}),
    ("Zelensky met them. Later, Zelensky left.", {"Zelensky": 2}),  # "Later" opens a sentence
])
def test_the_rule_reads_the_text_alone(settings, text, expected):
    load(settings, fetched(text))
    assert terms(settings) == expected


def test_a_new_text_replaces_the_terms_and_the_same_text_again_changes_nothing(settings):
    load(settings, fetched("Ships left Odesa under escort. " * 3))
    assert terms(settings) == {"Odesa": 3}
    load(settings, fetched("Ships left Mykolaiv under escort.", hours=2))
    assert terms(settings) == {"Mykolaiv": 1}
    load(settings, fetched("Ships left Mykolaiv under escort.", hours=2),
         fetched("Ships left Mykolaiv under escort.", hours=3))
    assert query(settings.db, "SELECT article_id, terms FROM article_terms") == [
        (f"{0:016x}", [{"term": "Mykolaiv", "mentions": 1}])]


def test_an_older_fetch_loaded_late_leaves_the_terms_of_the_current_text(settings):
    load(settings, fetched("Ships left Mykolaiv.", hours=5), fetched("Ships left Odesa.", hours=1))
    assert terms(settings) == {"Mykolaiv": 1}


def test_two_fetches_in_one_batch_leave_the_terms_of_the_latest(settings):
    with store.open_db(settings) as con:
        store.load_batch(con, settings, store.batch_tables("test", articles=[
            fetched("Ships left Kherson.", hours=4), fetched("Ships left Odesa.", hours=1)],
            classifications=[], problems=[]))
    assert terms(settings) == {"Kherson": 1}


def test_an_empty_refetch_leaves_no_terms(settings):
    load(settings, fetched("Ships left Odesa."), fetched(None, hours=1))
    assert query(settings.db, "SELECT article_id, terms FROM article_terms") == [(f"{0:016x}", [])]


def test_the_migration_extracts_the_terms_of_texts_loaded_before_it(settings):
    load(settings, fetched(NEWS))
    with store.open_db(settings) as con:  # as a database migrated up to 012 would be
        con.execute("DELETE FROM article_terms")
        forget_migrations(con, 13, only=True)
    with store.open_db(settings):
        pass
    assert terms(settings)["Kharkiv"] == 2 and len(terms(settings)) == 8


def test_a_publish_carries_the_terms_of_the_changed_texts(settings):
    load(settings, fetched("Ships left Odesa."), fetched("Talks in Geneva.", n=1))
    publish.publish(settings)
    load(settings, fetched("Ships left Mykolaiv.", hours=1))
    assert publish.publish(settings).articles == 1
    with publish.read(settings) as con:
        assert con.execute("SELECT article_id, terms[1].term FROM article_terms ORDER BY 1").fetchall() == [
            (f"{0:016x}", "Mykolaiv"), (f"{1:016x}", "Geneva")]


def test_a_term_is_new_in_the_week_it_comes_back_after_four_weeks_unmentioned(settings):
    week = 7  # days
    load(settings, *[
        fetched("Talks in Geneva went on.", n=0, days=0),
        fetched("Talks in Geneva and Istanbul.", n=1, days=2 * week),
        fetched("Drones over Odesa; Talks in Istanbul.", n=2, days=3 * week),
        fetched("Talks in Geneva resumed; Odesa calm.", n=3, days=8 * week),  # no baseline: no weeks before
        fetched("Again in Geneva.", n=4, days=9 * week),
        fetched("Talks in Istanbul.", n=5, days=9 * week + 1),
    ], decide=True)
    rows = query(settings.db, "SELECT week, term, mentions, articles, sources FROM report_new_terms "
                              "ORDER BY week, term")
    first = T0.date()
    assert rows == [
        (first + timedelta(days=2 * week), "Istanbul", 1, 1, 1),   # Geneva: mentioned in week 0
        (first + timedelta(days=3 * week), "Odesa", 1, 1, 1),
        (first + timedelta(days=9 * week), "Istanbul", 1, 1, 1),   # last mentioned six weeks before
    ]  # week 8 has no on-topic week in the four before it: nothing flagged; Geneva is back in week 8


# -- the weekly counts (migration 015): kept by the loads, the same rows as counting on each query ----

MIGRATION_013 = Path(__file__).resolve().parent.parent / "sql" / "migrations" / "013_article_terms.sql"
#: report_new_terms as migration 013 defined it: every on-topic article's terms counted per query.
COUNTED_PER_QUERY = MIGRATION_013.read_text(encoding="utf-8").split(
    "CREATE OR REPLACE VIEW report_new_terms AS")[1].split(";")[0]
#: Each term's counts in a week, from report_articles and article_terms, as that view counts them.
WEEKLY_PER_QUERY = """
    SELECT CAST(date_trunc('week', r.day) AS DATE) AS week, u.term, CAST(sum(u.mentions) AS BIGINT),
           count(*), count(DISTINCT r.source)
    FROM report_articles r JOIN article_terms t USING (article_id), unnest(t.terms) AS x(u)
    WHERE r.on_topic GROUP BY ALL ORDER BY ALL"""

NAMES = ("Geneva", "Istanbul", "Odesa", "Kharkiv", "Riyadh", "Minsk", "Ankara", "Helsinki", "Doha",
         "Vienna", "Warsaw", "Kherson", "Jeddah", "Brussels", "Budapest", "Chisinau")
WEEK = 7  # days


def story(n: int, *, days: int, hours: int = 0, names: tuple[str, ...] | None = None) -> Article:
    """Article n, published `days` after T0, naming two of NAMES (or `names`)."""
    chosen = names or (NAMES[n % 16], NAMES[(n * 7 + 3) % 16])
    return fetched(" ".join(f"Envoys met in {name} again." for name in chosen), n=n, days=days, hours=hours)


def decision(article: Article, relevant: bool, version: str = "v1") -> Classification:
    return Classification(article_id=article.article_id, classifier_version=version, relevant=relevant,
                          score=0.9 if relevant else 0.1, topic_scores={"talks": 0.9 if relevant else 0.1},
                          primary_topic="talks" if relevant else None, explanation={})


def load_decided(settings, articles: list[Article], relevant: list[bool], version: str = "v1") -> None:
    with store.open_db(settings) as con:
        store.load_batch(con, settings, store.batch_tables(
            "test", articles=articles, classifications=[decision(a, r, version) for a, r in
                                                        zip(articles, relevant, strict=True)],
            problems=[]))


NEWSROOM = [story(n, days=3 * n) for n in range(24)]  # 24 articles over ten weeks
ON_TOPIC = [n % 3 != 2 for n in range(24)]


def same_as_counted_per_query(settings, *, reader: bool = False) -> list[tuple]:
    """report_new_terms and weekly_terms agree with counting every on-topic article's terms on
    the query (the writer's file, or the published DuckLake); the view's rows."""
    def check(con) -> list[tuple]:
        kept = sorted(con.execute("SELECT * FROM report_new_terms").fetchall())
        assert kept == sorted(con.execute(COUNTED_PER_QUERY).fetchall())
        assert con.execute("SELECT week, term, mentions, articles, sources FROM weekly_terms "
                           "ORDER BY ALL").fetchall() == con.execute(WEEKLY_PER_QUERY).fetchall()
        assert con.execute("SELECT week, articles FROM on_topic_weeks ORDER BY week").fetchall() == \
            con.execute("SELECT week, count(*) FROM term_articles GROUP BY week ORDER BY week").fetchall()
        return kept
    if reader:
        with publish.read(settings) as con:
            return check(con)
    with store.open_db(settings) as con:
        return check(con)


def test_the_weekly_counts_give_the_rows_counting_on_each_query_gave(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    rows = same_as_counted_per_query(settings)
    assert len(rows) >= 5 and {r[0] for r in rows} != {rows[0][0]}  # a real answer, several weeks


def test_a_reclassification_moves_articles_in_and_out_of_the_counts(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    before = same_as_counted_per_query(settings)
    # the same classifier version decides again: two articles of different weeks change sides
    load_decided(settings, [NEWSROOM[0], NEWSROOM[5]], [False, True])  # weeks 0 and 2
    same_as_counted_per_query(settings)
    # a new version decides the first weeks' articles: the others have no current decision, so none
    # of them is on topic any more
    with store.open_db(settings) as con:
        store.save_classifications(con, settings, [decision(a, True, "v2") for a in NEWSROOM[:6]])
    after = same_as_counted_per_query(settings)
    assert after != before


def test_a_correction_moves_an_article_in_or_out_of_the_counts(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    before = same_as_counted_per_query(settings)
    with store.open_db(settings) as con:
        assert store.save_label(con, settings, NEWSROOM[2].article_id, relevant=True, peace=None, by="t")
    same_as_counted_per_query(settings)
    label = subprocess.run([str(Path(sys.executable).parent / "newsflow"), "label", NEWSROOM[0].article_id,
                            "--relevant", "no", "--db", str(settings.db)], capture_output=True, text=True)
    assert label.returncode == 0, label.stderr
    assert same_as_counted_per_query(settings) != before


def test_a_new_text_or_a_new_date_moves_the_terms_between_weeks(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    # a changed text: other names, same week
    load(settings, story(0, days=0, hours=2, names=("Tbilisi", "Baku", "Yerevan")))
    same_as_counted_per_query(settings)
    # a changed date: the page now says three weeks later (and names what it named)
    moved = story(3, days=3 * 3 + 3 * WEEK, hours=2)
    load(settings, moved)
    rows = same_as_counted_per_query(settings)
    assert query(settings.db, "SELECT week FROM term_articles WHERE article_id = ?", [moved.article_id]) == [
        (moved.published_at.date() - timedelta(days=moved.published_at.weekday()),)]
    assert rows
    # a page that now extracts empty is no usable article: its terms leave the counts
    load(settings, dataclasses.replace(fetched(None, n=6, days=18, hours=3), site_name="Outlet 0"))
    same_as_counted_per_query(settings)
    assert not query(settings.db, "SELECT 1 FROM term_articles WHERE article_id = ?", [f"{6:016x}"])


def test_a_load_of_articles_off_the_story_recounts_no_week(settings):
    """Articles off the story before and after a load are in no week's counts, so their weeks are
    not recounted (a backfill of a general archive writes such articles over years of weeks)."""
    load_decided(settings, NEWSROOM, ON_TOPIC)
    with store.open_db(settings) as con:
        con.execute("DELETE FROM publish_pending")
    off = [story(n, days=3 * n) for n in range(100, 130)]  # new, over ten weeks, off the story
    load_decided(settings, off, [False] * len(off))
    load_decided(settings, [story(2, days=6, hours=2, names=("Tbilisi", "Baku"))], [False])  # off, new text
    assert not query(settings.db, "SELECT key FROM publish_pending WHERE kind = 'week'")
    # an article that leaves the story: its week is recounted
    load_decided(settings, [story(4, days=12, hours=2, names=("Tbilisi", "Baku"))], [False])
    assert query(settings.db, "SELECT DISTINCT key FROM publish_pending WHERE kind = 'week'")
    same_as_counted_per_query(settings)


def test_loading_the_same_data_again_changes_no_count(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    counts = query(settings.db, "SELECT * FROM weekly_terms ORDER BY ALL")
    load_decided(settings, NEWSROOM, ON_TOPIC)
    assert query(settings.db, "SELECT * FROM weekly_terms ORDER BY ALL") == counts
    same_as_counted_per_query(settings)


def test_a_renamed_feed_renames_the_source_its_articles_are_counted_under(settings):
    articles = [dataclasses.replace(a, site_name=None, feed_id=f"feed{i % 3}")
                for i, a in enumerate(NEWSROOM)]
    taxonomy = load_taxonomy()
    feeds = [FeedSource(id=f"feed{i}", url=f"https://f{i}.example.org/rss", name=f"Feed {i}")
             for i in range(3)]
    with store.open_db(settings) as con:
        store.sync_config(con, settings, feeds, taxonomy)
    load_decided(settings, articles, ON_TOPIC)
    same_as_counted_per_query(settings)
    with store.open_db(settings) as con:  # two feeds now named alike: fewer sources
        store.sync_config(con, settings, [feeds[0], feeds[1].model_copy(update={"name": "Feed 0"}),
                                          feeds[2]], taxonomy)
    same_as_counted_per_query(settings)


def test_readers_get_the_recounted_weeks_in_the_same_snapshot_as_the_articles(settings):
    load_decided(settings, NEWSROOM[:12], ON_TOPIC[:12])
    publish.publish(settings)  # the first publish builds the DuckLake whole
    same_as_counted_per_query(settings, reader=True)
    load_decided(settings, NEWSROOM[12:], ON_TOPIC[12:])
    with store.open_db(settings) as con:
        store.save_label(con, settings, NEWSROOM[1].article_id, relevant=False, peace=None, by="t")
        weeks = con.execute("SELECT count(DISTINCT key) FROM publish_pending "
                            "WHERE kind = 'week'").fetchone()[0]
    assert 0 < weeks < 15  # the weeks those loads touched (and the four after each), not all of them
    assert not publish.publish(settings).whole
    assert same_as_counted_per_query(settings, reader=True) == same_as_counted_per_query(settings)
    with store.open_db(settings) as con:
        assert con.execute("SELECT count(*) FROM publish_pending").fetchone()[0] == 0


def migrated_again(settings, version: int, *undo: str) -> None:
    """Undo migration `version` with the statements `undo`, as a database migrated up to the one
    before it would be, and open the database, which applies it again."""
    with store.open_db(settings) as con:
        for statement in undo:
            con.execute(statement)
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [version])
    with store.open_db(settings):
        pass


def test_the_migration_counts_the_articles_loaded_before_it(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    expected = same_as_counted_per_query(settings)
    migrated_again(settings, 15, "DROP TABLE weekly_terms", "DROP TABLE on_topic_weeks")
    assert same_as_counted_per_query(settings) == expected


def test_the_terms_of_articles_loaded_before_migration_016_get_their_weeks(settings):
    load_decided(settings, NEWSROOM, ON_TOPIC)
    expected = same_as_counted_per_query(settings)
    migrated_again(settings, 16, "ALTER TABLE article_terms DROP COLUMN week")
    assert query(settings.db, "SELECT count(*) FROM article_terms WHERE week IS NULL") == [(0,)]
    load_decided(settings, NEWSROOM, ON_TOPIC)  # a reload recounts from the filled weeks
    assert same_as_counted_per_query(settings) == expected
