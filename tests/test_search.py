"""Full-text search (pipeline/fts.py): the tantivy index published beside the sample's DuckLake."""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tantivy
from typer.testing import CliRunner

from pipeline import fts, lake, publish, store
from pipeline.cli import app
from pipeline.errors import DatabaseError

HEADLINES = Path(__file__).parent.parent / "pipeline" / "topics" / "eval" / "real-headlines.jsonl"

# a phrase from each seed text (/work/shared/seeds), and the sample page that carries the seed
SEED_PHRASES = [
    ("ceasefire monitoring", "seed-1.html"),
    ("Witkoff Kushner envoys", "seed-2.html"),
    ("calculated facade Kremlin-hosted discussions", "seed-3.html"),  # the text has "façade"
    ("window for European dialogue", "seed-4.html"),
    ("clear list of demands concessions", "seed-5.html"),
]


def page(hit: fts.Hit) -> str:
    return (hit.url or "").rsplit("/", 1)[-1]


@pytest.mark.parametrize(("phrase", "expected"), SEED_PHRASES)
def test_a_seed_phrase_ranks_its_seed_article_first(sample_db, phrase, expected):
    with publish.read(sample_db) as con:
        hits = fts.search(con, sample_db, phrase, limit=5)
    assert page(hits[0]) == expected
    assert hits == sorted(hits, key=lambda h: -h.score)
    assert any(w[:5] in hits[0].snippet.lower() for w in phrase.lower().split() if len(w) > 3)


def test_the_topic_and_since_filters_narrow_the_hits(sample_db):
    with publish.read(sample_db) as con:
        everything = fts.search(con, sample_db, "ceasefire monitoring", limit=20)
        on_topic = fts.search(con, sample_db, "ceasefire monitoring", topic="ukraine_war_peace", limit=20)
        narratives = fts.search(con, sample_db, "peace", topic="russian_narratives", limit=20)
        late = fts.search(con, sample_db, "peace", since=datetime(2026, 2, 20, tzinfo=UTC), limit=20)
    # the rate-decision story "will continue to monitor": a hit, but off topic
    assert "offtopic-03.html" in {page(h) for h in everything}
    assert {page(h) for h in on_topic} == {page(h) for h in everything if h.on_topic}
    assert narratives and {h.topic for h in narratives} == {"russian_narratives"}
    assert late and all(h.published and h.published >= datetime(2026, 2, 20, tzinfo=UTC) for h in late)
    assert "seed-5.html" not in {page(h) for h in late}  # published 2026-02-10
    # a filter narrows the hits and leaves each one's score as it was
    score = {h.article_id: h.score for h in everything}
    assert all(h.score == pytest.approx(score[h.article_id]) for h in on_topic)
    with publish.read(sample_db) as con:
        peace = {h.article_id: h.score for h in fts.search(con, sample_db, "peace", limit=100)}
    assert all(h.score == pytest.approx(peace[h.article_id]) for h in narratives + late)


def test_a_caller_mistake_is_a_one_line_error(sample_db):
    with publish.read(sample_db) as con:
        with pytest.raises(fts.SearchError, match="unknown topic 'tanks'"):
            fts.search(con, sample_db, "drones", topic="tanks")
        with pytest.raises(fts.SearchError, match="empty query"):
            fts.search(con, sample_db, "  ")
    missing = sample_db.with_(lake_catalog=str(sample_db.db.with_name("none.sqlite")))
    with pytest.raises(DatabaseError, match="no snapshot published yet"), publish.read(missing):
        pass


def test_newsflow_search_prints_ranked_hits_with_snippets(sample_db):
    out = CliRunner().invoke(app, ["search", "shadow fleet tankers", "--db", str(sample_db.db),
                                   "--limit", "2"], terminal_width=200)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())  # as printed, whatever the terminal's width
    assert text.startswith("1. EU adopts 20th sanctions package")
    first = text.split(" 2. ")[0]
    assert "ontopic-sanctions.html" in first and "sanctions_pressure" in first and "score" in first
    assert "shadow" in first.split("ontopic-sanctions.html")[1].lower()  # the snippet follows
    bad = CliRunner().invoke(app, ["search", "x", "--db", str(sample_db.db), "--topic", "nope"])
    assert bad.exit_code == 2 and "unknown topic 'nope'" in bad.output
    nothing = CliRunner().invoke(app, ["search", '"fleet shadow"', "--db", str(sample_db.db)],
                                 terminal_width=300)
    assert nothing.exit_code == 0 and "no articles match" in nothing.output
    assert 'search reads words (an article needs one of them' in " ".join(nothing.output.split())
    filtered = CliRunner().invoke(app, ["search", "shadow", "--since", "2030-01-01",
                                        "--db", str(sample_db.db)], terminal_width=300)
    assert "no articles match 'shadow' with --since 2030-01-01" in filtered.output
    first = CliRunner().invoke(app, ["search", "--db", str(sample_db.db), "--", "-shadow sanctions"],
                               terminal_width=300)  # a query that starts with -word, as README says
    assert first.exit_code == 0 and "1. " in first.output and "shadow" not in first.output.lower()


def test_a_query_may_ask_for_title_or_text_and_a_pasted_colon_is_a_word(sample_db):
    """`title:w` and `text:w` search that field (in every language's analyser); `Ukraine: ...`
    as pasted from a headline is not taken for a field that matches nothing."""
    with publish.read(sample_db) as con:
        def ids(q: str) -> list[str]:
            return [h.article_id for h in fts.search(con, sample_db, q, limit=50)]

        in_titles = {h.article_id: h.title for h in fts.search(con, sample_db, "title:sanctions", limit=50)}
        assert in_titles and all("sanction" in t.lower() for t in in_titles.values())
        assert set(in_titles) < set(ids("sanctions"))  # more articles name sanctions in the text alone
        assert set(ids('title:"sanctions package"')) <= set(in_titles)
        assert ids("text:tankers") == ids("tankers")  # no title names tankers without its text
        assert ids("Ukraine: sanctions") == ids("Ukraine sanctions") != []
        assert ids("foo:shadow") == ids("shadow") != []
        assert ids("title: sanctions") == ids('title:"sanctions') == list(in_titles)  # typed loosely
        assert ids("title:") == ids("title")


@pytest.mark.parametrize(("text", "query", "expected"), [
    ("one two three", "absent", "one two three"),
    (" ".join(f"w{i}" for i in range(100)) + " ceasefire monitoring " + " ".join(f"x{i}" for i in range(100)),
     "ceasefire monitoring", "… w93 w94 w95 w96 w97 w98 w99 ceasefire monitoring x0"),
])
def test_a_snippet_is_cut_around_the_query_words(text, query, expected):
    assert fts.snippet(text, query).startswith(expected)


def real_texts(count: int, per_text: int = 12) -> list[str]:
    """Texts of `per_text` real headlines each, from the labelled set (real news, varied)."""
    lines = (HEADLINES.read_text(encoding="utf-8").splitlines())[: count * per_text]
    titles = [json.loads(line)["title"] for line in lines]
    return [". ".join(titles[i:i + per_text]) + "." for i in range(0, len(titles), per_text)]


def unique_phrase(text: str, texts: list[str], length: int = 6) -> str:
    """The first `length` words of `text`, from its 21st on, that no other of `texts` holds."""
    words = text.split()
    for start in range(20, len(words) - length):
        phrase = " ".join(words[start:start + length])
        if sum(phrase in other for other in texts) == 1:
            return phrase
    return " ".join(words[20:20 + length])


def test_a_hit_shows_its_text_from_the_published_snapshot_and_the_index_keeps_no_copy(settings):
    """The index stores what a hit shows beside its text (title, source, url), not the text: the
    snippet comes from the DuckLake, found by file and row, over several publishes' files, after a
    newer version replaced an article's text, and after compaction merged the files."""
    from tests.test_terms import fetched, load

    texts = real_texts(90)
    for first in (0, 30, 60):  # three publishes: three Parquet files of texts
        load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[first:first + 30], start=first)],
             decide=True)
        publish.publish(settings)
    searcher = fts.open_index(settings).searcher()
    stored = {name for _score, address in searcher.search(tantivy.Query.all_query(), 100).hits
              for name in searcher.doc(address).to_dict()}
    assert stored == {"article_id", "published", "on_topic", "topic", "title", "source", "url"}

    def shown(n: int, text: str) -> str:
        words = unique_phrase(text, texts)
        with publish.read(settings) as con:
            hits = fts.search(con, settings, f'"{words}"', limit=3)  # a phrase of its text
        hit = next(h for h in hits if h.article_id == f"{n:016x}")
        return hit.snippet if words in hit.snippet else f"not shown: {words}"

    for n in (3, 40, 85):
        assert not shown(n, texts[n]).startswith("not shown"), n
    with publish.read(settings) as con:
        files = con.execute("SELECT count(DISTINCT filename) FROM articles").fetchone()[0]
        assert files == 3
        # one snapshot: an id the DuckLake lacks is left out, not an error
        assert set(fts.texts(con, settings, [f"{40:016x}", "no-such-article"])) == {f"{40:016x}"}
        assert fts.texts(con, settings, []) == {}

    newer = texts[40].replace(".", " — updated.", 1) + " Ceasefire monitors reached Zaporizhzhia today."
    load(settings, fetched(newer, n=40, hours=5), decide=True)  # a later fetch, another text
    publish.publish(settings)
    assert "Zaporizhzhia" in shown(40, "x " * 20 + "monitors reached Zaporizhzhia today")

    count = "SELECT count(DISTINCT filename) FROM articles"
    with publish.read(settings) as con:
        before = con.execute(count).fetchone()[0]
    publish.compact(settings, force=True)
    with publish.read(settings) as con:
        assert con.execute(count).fetchone()[0] < before == 4  # the texts moved to merged files
    for n, text in ((3, texts[3]), (85, texts[85])):
        assert not shown(n, text).startswith("not shown"), n


def test_the_lakes_texts_are_written_in_row_groups_a_hit_can_be_read_from_alone(settings, monkeypatch):
    """`articles` has its own, small row groups in the DuckLake (here 16 rows), written so by a
    whole build and by each publish, and set as its own options on a DuckLake an older version
    built with the global size; other tables keep the global size. The groups hold runs of ids
    sorted, so a hit's id falls in the range of one group of a file."""
    from tests.test_terms import fetched, load

    monkeypatch.setattr(lake, "TEXT_ROW_GROUP_ROWS", 16)

    def options() -> dict[str, str]:
        with store.open_db(settings) as con:
            lake.attach(con, settings, read_only=False)
            return {entry or "": value for value, entry in con.execute(
                f"SELECT value, scope_entry FROM {lake.WRITER_ALIAS}.options() "
                "WHERE option_name = 'parquet_row_group_size'").fetchall()}

    def groups() -> tuple[set[str], set[int]]:
        """The DuckLake's files of texts and the sizes of their row groups."""
        with publish.read(settings) as con:
            files = {r[0] for r in con.execute("SELECT DISTINCT filename FROM articles").fetchall()}
            sizes = {r[0] for r in con.execute("SELECT row_group_num_rows FROM parquet_metadata($files)",
                                                {"files": sorted(files)}).fetchall()}
        return files, sizes

    texts = real_texts(90)
    load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[:50])], decide=True)
    publish.publish(settings)  # the first: built whole
    assert groups()[1] == {16, 50 - 48}
    assert options() == {"": str(lake.LAKE_ROW_GROUP_ROWS), "main.articles": "16"}
    # loaded out of the order of their ids (13 is prime to 40: a permutation), as hashes are
    load(settings, *[fetched(texts[n], n=n) for n in (50 + (i * 13) % 40 for i in range(40))], decide=True)
    publish.publish(settings)
    files, sizes = groups()
    assert len(files) == 2 and sizes == {16, 2, 8}  # 40 rows: 16, 16, 8
    # in order of article_id: a hit's row is in the one group of each file whose range holds it
    with publish.read(settings) as con:
        for file in files:
            ranges = con.execute("SELECT stats_min, stats_max FROM parquet_metadata(?) WHERE "
                                 "path_in_schema = 'article_id' ORDER BY row_group_id", [file]).fetchall()
            ranges.sort()  # groups may be written in any order, each of its own range
            assert all(low <= high < after for (low, high), (after, _) in itertools.pairwise(ranges)), ranges
    with publish.read(settings) as con:
        other = con.execute("SELECT DISTINCT filename FROM article_topics").fetchall()
        assert max(r[0] for r in con.execute("SELECT row_group_num_rows FROM parquet_metadata($f)",
                                             {"f": [f for (f,) in other]}).fetchall()) > 16

    with store.open_db(settings) as con:  # as an older version left it: another size of its own
        con.execute("SELECT 1")
        lake.load_extensions(con, settings)
        con.execute(f"ATTACH {store.quote_literal(lake.catalog(settings))} AS {lake.WRITER_ALIAS}")
        con.execute(f"CALL {lake.WRITER_ALIAS}.set_option('parquet_row_group_size', "
                    f"{lake.LAKE_ROW_GROUP_ROWS}, table_name => 'articles')")
    assert options()["main.articles"] == "16"  # set again by the next publish's attach


def test_compaction_writes_the_texts_of_small_publishes_again_as_one_sorted_run(settings, monkeypatch):
    """Small publishes (an event-driven run's few articles) each leave a file whose one row group
    spans nearly every id. Compaction writes their texts again as one run sorted by id, in groups
    of their own ranges, shortest files first up to `TEXT_SORT_ROWS` rows; DuckLake's merge alone
    would keep a group per publish. Nothing is lost, and search still shows each hit's text."""
    from tests.test_terms import fetched, load

    monkeypatch.setattr(lake, "TEXT_ROW_GROUP_ROWS", 8)
    monkeypatch.setattr(lake, "TEXT_SORT_ROWS", 40)
    texts = real_texts(90)
    order = [(i * 37) % 90 for i in range(90)]  # loaded out of id order (37 is prime to 90)
    sizes = (30, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 7)  # a first, larger publish, then small ones
    start = 0
    for size in sizes:
        load(settings, *[fetched(texts[n], n=n) for n in order[start:start + size]], decide=True)
        publish.publish(settings)
        start += size
    assert start == 90

    def runs() -> dict[str, list[tuple[str, str]]]:
        """Each file of texts and the id ranges of its row groups."""
        with publish.read(settings) as con:
            files = [r[0] for r in con.execute("SELECT DISTINCT filename FROM articles").fetchall()]
            return {f: con.execute("SELECT stats_min, stats_max FROM parquet_metadata(?) WHERE "
                                   "path_in_schema = 'article_id' ORDER BY stats_min", [f]).fetchall()
                    for f in files}

    before = runs()
    assert len(before) == len(sizes)
    publish.compact(settings, force=True)
    after = runs()
    # the shortest files up to 40 rows became one sorted run: the seven of 5 rows, 35 (a 6 would
    # pass 40); the 30-row file and the rest are left for a later compaction
    new = [f for f in after if f not in before]
    assert len(new) == 1 and len(after) == len(sizes) - 7 + 1
    ranges = after[new[0]]
    assert len(ranges) == 5  # 35 rows in groups of 8
    assert all(high < low for (_, high), (low, _) in itertools.pairwise(ranges)), ranges
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (90, 90)
        (found,) = con.execute("SELECT count(*) FROM articles WHERE filename = ?", [new[0]]).fetchone()
        assert found == 35
    publish.compact(settings, force=True)  # the 6-row files, then the 35-row run
    assert len(runs()) < len(after)
    for n in (order[0], order[40], order[89]):
        words = unique_phrase(texts[n], texts)
        with publish.read(settings) as con:
            hits = fts.search(con, settings, f'"{words}"', limit=3)
        assert any(h.article_id == f"{n:016x}" and words in h.snippet for h in hits), n


def test_an_index_an_older_version_built_is_rebuilt_by_the_next_publish(settings):
    """An index whose fields are not this version's (an upgrade) cannot be searched until the next
    publish, which rebuilds it whole, and the DuckLake too, even when it has nothing new to
    carry; the error says so."""
    from tests.test_terms import NEWS, fetched, load

    load(settings, fetched(NEWS, n=1))
    publish.publish(settings)
    path = fts.index_path(settings)
    shutil.rmtree(path)
    path.mkdir()
    old = tantivy.SchemaBuilder()  # the layout before: the text stored in its searched field
    old.add_text_field("article_id", stored=True, tokenizer_name="raw")
    old.add_text_field("text_plain", stored=True)
    index = tantivy.Index(old.build(), path=str(path))
    writer = index.writer()
    writer.add_document(tantivy.Document(article_id="x", text_plain="Kremlin"))
    writer.commit()
    del writer
    assert fts.outdated(settings)
    rebuilds = "the next 'newsflow publish' rebuilds"
    with publish.read(settings) as con, pytest.raises(DatabaseError, match=rebuilds):
        fts.search(con, settings, "Kremlin")
    assert publish.publish(settings).whole  # and the DuckLake with it, in this version's layout
    assert not fts.outdated(settings)
    with publish.read(settings) as con:
        hits = fts.search(con, settings, "Kharkiv shelled")
    assert [h.article_id for h in hits] == [f"{1:016x}"] and "Kharkiv" in hits[0].snippet
