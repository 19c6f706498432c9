"""The terms of the new-terms report (migration 013): a load extracts them from each text it
writes, by a rule that reads that text alone; a new text replaces them; a publish carries them;
report_new_terms flags a term in the week it comes back after four weeks unmentioned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline import extract, publish, store
from pipeline.models import Article, Classification
from tests.conftest import query

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
        con.execute("DELETE FROM schema_migrations WHERE version = 13")
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
