"""Loading a batch: every text is kept, none is stored twice, and reloading changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from pipeline import extract, store
from pipeline.models import Article, Classification
from pipeline.urls import article_id
from tests.conftest import duplicate_ids, forget_migrations, query, unkeyed_by_migrations

URL = "https://news.example.org/2026/03/01/grain-corridor"
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
TEXTS = {
    "first": "Ships left Odesa at dawn under escort. " * 12,
    "second": "Ships left Odesa at dawn under escort, officials said. " * 12,
}


def fetched(text: str | None, hours: int) -> Article:
    """The article at URL as one fetch `hours` after T0 extracted it."""
    words = len(text.split()) if text else 0
    return Article(article_id=article_id(URL), link_id=article_id(URL), url=URL, link=URL,
                   final_url=URL, feed_id=None, source_domain="news.example.org", title="Grain corridor",
                   authors=(), published_at=T0, date_source="page", fetched_at=T0 + timedelta(hours=hours),
                   http_status=200, content_type="text/html", size_bytes=40_000, fetch_ms=12.0,
                   language="en", site_name=None, description=None, text=text, word_count=words,
                   content_hash=extract.content_hash(text) if text else None,
                   extraction_status="ok" if text else "empty")


def load(settings, *articles: Article) -> None:
    with store.open_db(settings) as con:
        for a in articles:
            store.load_batch(con, settings, store.batch_tables("test", articles=[a], classifications=[],
                                                               problems=[]))


def history(settings) -> list[tuple]:
    return query(settings.db, "SELECT version, text, is_current FROM article_history ORDER BY version")


def stored_texts(settings) -> list[str]:
    """Every copy of a text the database holds, in either table."""
    rows = query(settings.db, "SELECT text FROM articles WHERE text IS NOT NULL "
                              "UNION ALL SELECT text FROM article_versions WHERE text IS NOT NULL")
    return sorted(r[0] for r in rows)


def test_a_new_article_stores_its_text_once(settings):
    load(settings, fetched(TEXTS["first"], 0))
    assert history(settings) == [(1, TEXTS["first"], True)]
    assert stored_texts(settings) == [TEXTS["first"]]


def test_a_changed_text_moves_the_old_one_into_its_version(settings):
    load(settings, fetched(TEXTS["first"], 0), fetched(TEXTS["second"], 1))
    assert history(settings) == [(1, TEXTS["first"], False), (2, TEXTS["second"], True)]
    assert stored_texts(settings) == sorted(TEXTS.values())
    assert query(settings.db, "SELECT text FROM articles") == [(TEXTS["second"],)]


def test_a_text_that_changes_back_is_a_third_version_and_nothing_is_lost(settings):
    load(settings, fetched(TEXTS["first"], 0), fetched(TEXTS["second"], 1), fetched(TEXTS["first"], 2))
    assert history(settings) == [(1, TEXTS["first"], False), (2, TEXTS["second"], False),
                                 (3, TEXTS["first"], True)]
    assert stored_texts(settings) == sorted([TEXTS["first"], TEXTS["first"], TEXTS["second"]])


def test_an_empty_refetch_keeps_the_last_text_in_the_history(settings):
    load(settings, fetched(TEXTS["first"], 0), fetched(None, 1))
    assert query(settings.db, "SELECT text, extraction_status FROM articles") == [(None, "empty")]
    assert [row[1] for row in history(settings)] == [TEXTS["first"]]


@pytest.mark.parametrize("times", [2, 3])
def test_loading_the_same_fetch_again_adds_nothing(settings, times):
    load(settings, *[fetched(TEXTS["first"], 0)] * times)
    assert history(settings) == [(1, TEXTS["first"], True)]
    assert stored_texts(settings) == [TEXTS["first"]]


def test_two_links_to_one_page_in_a_batch_load_one_article_and_both_aliases(settings):
    amp = f"{URL}/amp"
    main, via_amp = fetched(TEXTS["first"], 0), fetched(TEXTS["second"], 1)
    via_amp = Article(**{**{f: getattr(via_amp, f) for f in Article.__slots__},
                         "link_id": article_id(amp), "link": amp})
    with store.open_db(settings) as con:
        store.load_batch(con, settings, store.batch_tables("test", articles=[via_amp, main],
                                                           classifications=[], problems=[]))
    assert query(settings.db, "SELECT article_id, text FROM articles") == [(article_id(URL), TEXTS["second"])]
    assert sorted(query(settings.db, "SELECT link, article_id FROM url_aliases")) == [
        (URL, article_id(URL)), (amp, article_id(URL))]


def test_staged_batches_are_merged_into_fewer_transactions_and_removed_once_loaded(settings):
    from collections import Counter

    from pipeline import run as chain

    settings = settings.with_(load_rows=3)  # batches 0 and 1 in one transaction, then 2
    for i in range(3):
        url = f"https://news.example.org/2026/03/0{i + 1}/report"
        a = Article(**{**{f: getattr(fetched(TEXTS["first"] + str(i), i), f) for f in Article.__slots__},
                       "article_id": article_id(url), "link_id": article_id(url), "url": url, "link": url})
        tables = store.batch_tables("run-1", articles=[a, fetched(TEXTS["second"], i)],
                                    classifications=[], problems=[])
        chain.stage_batch(settings, "run-1", i, chain.BatchResult(tables, Counter(articles_new=2), {}))
    summary = chain.load_staged(settings, "run-1")
    assert summary.counts["batches"] == 3 and summary.counts["articles_new"] == 6
    assert query(settings.db, "SELECT count(*) FROM articles") == [(4,)]  # URL came in every batch
    assert not (settings.staging_dir / "run-1").exists()
    assert chain.load_staged(settings, "run-1").counts["batches"] == 0


@pytest.mark.parametrize("name", ["memory.duckdb", "it's a \"news\" db.duckdb"])
def test_any_file_name_is_a_database(settings, tmp_path, name):
    settings = settings.with_(db=tmp_path / name)
    load(settings, fetched(TEXTS["first"], 0))
    assert history(settings) == [(1, TEXTS["first"], True)]


def text_compression(db) -> set[str]:
    """How the stored article texts are compressed (DuckDB's method per segment)."""
    rows = query(db, "SELECT DISTINCT compression FROM pragma_storage_info('articles') "
                     "WHERE column_name = 'text' AND compression <> 'Constant'")
    return {r[0] for r in rows}


def test_the_writer_keeps_article_text_compressed(settings):
    load(settings, fetched(TEXTS["first"], 0))
    assert text_compression(settings.db) == {"ZSTD"}
    tags = query(settings.db, "SELECT tags['storage_version'] FROM duckdb_databases() "
                              "WHERE NOT internal AND database_name <> 'memory'")
    assert tags[0][0] and tags[0][0].startswith(store.STORAGE_VERSION)


def test_a_file_in_the_old_format_is_upgraded_and_keeps_what_it_holds(settings):
    # a database made before the writer chose its format: DuckDB's default, texts uncompressed
    with duckdb.connect(str(settings.db)) as con:
        con.execute("CREATE TABLE notes (body VARCHAR)")
        con.execute("INSERT INTO notes VALUES (?)", [TEXTS["second"]])
    load(settings, fetched(TEXTS["first"], 0))
    assert query(settings.db, "SELECT body FROM notes") == [(TEXTS["second"],)]
    assert stored_texts(settings) == [TEXTS["first"]]
    assert text_compression(settings.db) == {"ZSTD"}


# -- subtopic scores: one row per (article, subtopic, classifier version), no key (migration 017) ----

def decided(version: str, scores: dict[str, float]) -> Classification:
    return Classification(article_id=article_id(URL), classifier_version=version, relevant=True,
                          score=0.8, topic_scores=scores, primary_topic=max(scores, key=scores.__getitem__),
                          explanation={}, peace=False, peace_score=0.1)


def load_decided(settings, article: Article, *decisions: Classification) -> None:
    with store.open_db(settings) as con:
        store.load_batch(con, settings, store.batch_tables("test", articles=[article],
                                                           classifications=list(decisions), problems=[]))


def scores(settings) -> list[tuple]:
    return query(settings.db, "SELECT classifier_version, topic_id, score, is_primary FROM article_topics "
                              "ORDER BY ALL")


def test_a_rerun_of_a_classifier_version_replaces_its_scores_and_leaves_the_others(settings):
    load_decided(settings, fetched(TEXTS["first"], 0), decided("v1", {"talks": 0.9, "sanctions": 0.2}))
    load_decided(settings, fetched(TEXTS["first"], 1), decided("v2", {"talks": 0.4, "sanctions": 0.7}))
    load_decided(settings, fetched(TEXTS["second"], 2), decided("v1", {"talks": 0.3, "drones": 0.6}))
    assert scores(settings) == [("v1", "drones", 0.6, True), ("v1", "talks", 0.3, False),
                                ("v2", "sanctions", 0.7, True), ("v2", "talks", 0.4, False)]
    with store.open_db(settings) as con:  # reclassifying stored texts goes the same way
        store.save_classifications(con, settings, [decided("v2", {"talks": 0.5})])
    assert scores(settings)[2:] == [("v2", "talks", 0.5, True)]
    assert duplicate_ids(settings.db) == []


# -- the per-article tables and entries have no keys (018, 019): the loads keep one row per key --

KEYED = {"articles": "article_id", "article_signatures": "article_id", "article_terms": "article_id",
         "article_versions": "article_id, version", "classifications": "article_id, classifier_version",
         "story_clusters": "article_id", "url_aliases": "alias_id", "entries": "feed_id, guid"}


def in_warc(article: Article, file: str | None) -> Article:
    where = {"warc_file": file, "warc_offset": 10 if file else None, "warc_length": 99 if file else None}
    return Article(**{**{f: getattr(article, f) for f in Article.__slots__}, **where})


def test_reloading_known_articles_updates_their_rows_and_stores_no_key_twice(settings):
    first, newer, older = fetched(TEXTS["first"], 2), fetched(TEXTS["second"], 5), fetched(TEXTS["second"], 1)
    load_decided(settings, in_warc(first, "a.warc.gz"), decided("v1", {"talks": 0.9}))
    load_decided(settings, in_warc(newer, None), decided("v1", {"talks": 0.4}), decided("v2", {"talks": 0.6}))
    load_decided(settings, older, decided("v1", {"talks": 0.5}))  # an older capture replaces nothing
    load_decided(settings, in_warc(newer, None), decided("v2", {"talks": 0.6}))  # and the same again
    rows = query(settings.db, "SELECT text, fetched_at, first_seen_at, updated_at, warc_file, warc_offset "
                              "FROM articles")
    assert rows == [(TEXTS["second"], T0 + timedelta(hours=5), T0 + timedelta(hours=2),
                     T0 + timedelta(hours=5), "a.warc.gz", 10)]  # first seen kept, the WARC it came in too
    assert query(settings.db, "SELECT classifier_version, score FROM classifications ORDER BY 1") == [
        ("v1", 0.8), ("v2", 0.8)]
    assert [r[0] for r in history(settings)] == [1, 2, 3]  # the first text, the older capture, the newer
    assert query(settings.db, "SELECT count(*) FROM url_aliases") == [(1,)]
    assert query(settings.db, "SELECT count(*) FROM article_terms") == [(1,)]
    assert duplicate_ids(settings.db) == []


def test_migrations_018_and_019_keep_every_row_and_drop_the_keys(settings):
    load_decided(settings, fetched(TEXTS["first"], 0), decided("v1", {"talks": 0.9}))
    load_decided(settings, fetched(TEXTS["second"], 1), decided("v1", {"talks": 0.8}))
    kept = {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in KEYED}
    assert unkeyed_by_migrations(settings, KEYED, (18, 19))
    assert {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in KEYED} == kept
    load_decided(settings, fetched(TEXTS["first"], 2), decided("v1", {"talks": 0.7}))  # loads go on
    assert query(settings.db, "SELECT count(*) FROM articles") == [(1,)]
    assert duplicate_ids(settings.db) == []


def compression(db, table: str) -> dict[str, set[str]]:
    """How each string column of `table` is stored (DuckDB's method per segment)."""
    rows = query(db, f"SELECT column_name, compression FROM pragma_storage_info('{table}') "
                     "WHERE segment_type = 'VARCHAR' AND compression <> 'Constant'")
    out: dict[str, set[str]] = {}
    for column, method in rows:
        out.setdefault(column, set()).add(method)
    return out


SHORT_STRINGS = {"articles": ("article_id", "extraction_status", "language", "source_domain"),
                 "classifications": ("article_id", "classifier_version"),
                 "article_topics": ("article_id", "topic_id", "classifier_version")}


def test_migration_020_stores_short_strings_by_dictionary_and_texts_by_zstd(settings):
    """Ids, versions and codes are filtered and joined on by every load and publish: zstd made each
    read decompress them row by row (migration 020). Texts stay zstd, every row stays as it was."""
    for i, text in enumerate(TEXTS.values()):
        url = f"https://news.example.org/2026/03/0{i + 1}/report"
        a = Article(**{**{f: getattr(fetched(text, i), f) for f in Article.__slots__},
                       "article_id": article_id(url), "link_id": article_id(url), "url": url, "link": url,
                       "language": ["en", "de"][i]})
        load_decided(settings, a, decided("v1", {"talks": 0.9, "sanctions": 0.2}),
                     decided(f"v{i + 2}", {"talks": 0.3}))
    tables = [*KEYED, "article_topics"]
    kept = {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    nullable = "SELECT table_name, column_name, is_nullable FROM duckdb_columns() ORDER BY ALL"
    columns = query(settings.db, nullable)
    assert compression(settings.db, "articles")["text"] == {"ZSTD"}
    for table, short in SHORT_STRINGS.items():
        assert all(compression(settings.db, table)[c] == {"DICT_FSST"} for c in short), table

    with store.open_db(settings) as con:  # as a database migrated up to 019 holds them: all zstd
        for t in tables:
            con.execute(f"CREATE TABLE {t}_019 AS FROM {t}")
            con.execute(f"DROP TABLE {t}")
            con.execute(f"ALTER TABLE {t}_019 RENAME TO {t}")
        forget_migrations(con, 20, only=True)
    assert compression(settings.db, "articles")["article_id"] == {"ZSTD"}
    with store.open_db(settings):
        pass
    for table, short in SHORT_STRINGS.items():
        assert all(compression(settings.db, table)[c] == {"DICT_FSST"} for c in short), table
    assert compression(settings.db, "articles")["text"] == {"ZSTD"}
    assert {t: query(settings.db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == kept
    assert query(settings.db, nullable) == columns


def test_migration_017_keeps_every_score_and_drops_the_key(settings):
    load_decided(settings, fetched(TEXTS["first"], 0), decided("v1", {"talks": 0.9, "sanctions": 0.2}))
    before = scores(settings)
    with store.open_db(settings) as con:  # as a database migrated up to 016 holds the table
        kept = con.execute("SELECT * EXCLUDE (is_current) FROM article_topics").fetch_arrow_table()
        con.register("kept", kept)
        con.execute("DROP TABLE article_topics")
        con.execute("CREATE TABLE article_topics (article_id VARCHAR NOT NULL, topic_id VARCHAR NOT NULL, "
                    "classifier_version VARCHAR NOT NULL, score DOUBLE NOT NULL, "
                    "is_primary BOOLEAN NOT NULL, PRIMARY KEY (article_id, topic_id, classifier_version))")
        con.execute("INSERT INTO article_topics SELECT * FROM kept")
        forget_migrations(con, 17, only=True)
    with store.open_db(settings) as con:
        keys = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'article_topics' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchone()
    assert keys == (0,) and scores(settings) == before


def at(article: Article, url: str) -> Article:
    """The same fetch of another page."""
    moved = {"url": url, "link": url, "final_url": url,
             "article_id": article_id(url), "link_id": article_id(url)}
    return Article(**{**{f: getattr(article, f) for f in Article.__slots__}, **moved})


def test_one_batch_of_new_and_known_articles_and_two_captures_of_a_new_one_keeps_each_right(settings):
    # a load joins only the articles the writer holds with its stored rows (store.known): a new
    # article captured twice in the batch is written by its older capture first, then held
    other = "https://news.example.org/2026/03/02/ceasefire-monitors"
    load(settings, fetched(TEXTS["first"], 0))
    batch = [fetched(TEXTS["second"], 3),  # the stored article, its text changed
             at(fetched(TEXTS["second"], 2), other), at(fetched(TEXTS["first"], 1), other)]  # new, twice
    for _ in range(2):  # and the same batch again changes nothing
        with store.open_db(settings) as con:
            store.load_batch(con, settings, store.batch_tables(
                "test", articles=batch, classifications=[decided("v1", {"talks": 0.7})], problems=[]))
    assert query(settings.db, "SELECT url, text, first_seen_at FROM articles ORDER BY url") == [
        (URL, TEXTS["second"], T0), (other, TEXTS["second"], T0 + timedelta(hours=1))]
    assert query(settings.db, "SELECT a.url, v.version, v.text IS NULL FROM article_versions v "
                              "JOIN articles a USING (article_id) ORDER BY 1, 2") == [
        (URL, 1, False), (URL, 2, True), (other, 1, False), (other, 2, True)]
    terms = dict(query(settings.db, "SELECT a.url, t.terms FROM article_terms t "
                                    "JOIN articles a USING (article_id)"))
    assert set(terms) == {URL, other} and terms[URL] == terms[other]  # both hold the second text's terms
    assert query(settings.db, "SELECT count(*) FROM classifications") == [(1,)]
    assert duplicate_ids(settings.db) == []
