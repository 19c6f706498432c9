"""Full-text search (pipeline/fts.py): the tantivy index published beside the sample's DuckLake."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tantivy
import zstandard
from typer.testing import CliRunner

from pipeline import fts, publish
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


def test_a_hit_shows_its_text_as_loaded_though_the_index_keeps_it_compressed():
    text = "Kyiv — Переговоры в Женеве продолжились; « négociations » 😀 " * 40
    plain = fts.Packer()
    assert fts.Unpacker()(plain(text)) == text and fts.Unpacker()(None) == ""
    assert fts.Unpacker()(plain("")) == ""
    assert len(plain(text)) < len(text.encode()) / 4  # a repeated text packs small


def test_texts_packed_with_a_dictionary_of_the_stores_own_texts_take_less_room_and_read_back():
    texts = real_texts(400)
    trained = zstandard.train_dictionary(64_000, [t.encode() for t in texts[:300]])
    plain, packed = fts.Packer(), fts.Packer(trained)
    unseen = texts[300:]
    assert all(fts.Unpacker(trained)(packed(t)) == t for t in unseen)
    assert all(fts.Unpacker(trained)(plain(t)) == t for t in unseen)  # packed before it existed
    with_it = sum(len(packed(t)) for t in unseen)
    without = sum(len(plain(t)) for t in unseen)
    assert with_it < 0.9 * without, (with_it, without)
    with pytest.raises(DatabaseError, match="texts.zdict: missing"):
        fts.Unpacker()(packed(unseen[0]))


def test_the_index_trains_its_dictionary_once_the_store_has_enough_texts(settings, monkeypatch):
    """Texts published before the store had enough to learn from stay packed without the
    dictionary and are still shown; those after it are packed with it; a whole rebuild packs
    every text with a dictionary trained afresh."""
    from tests.test_terms import fetched, load

    monkeypatch.setattr(fts, "DICTIONARY_MIN_TEXTS", 100)
    texts = real_texts(220)
    load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[:60])], decide=True)
    publish.publish(settings)
    assert fts.dictionary(settings) is None

    load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[60:], start=60)], decide=True)
    publish.publish(settings)
    path = fts.dictionary_path(settings)
    trained = path.read_bytes()
    assert fts.dictionary(settings) is not None

    def tags() -> dict[str, bytes]:
        searcher = fts.open_index(settings).searcher()
        found = searcher.search(tantivy.Query.all_query(), 1000)
        return {(doc := searcher.doc(address))["article_id"][0]: doc.get_first("text_zstd")[:1]
                for _score, address in found.hits}

    before = tags()
    assert {before[f"{n:016x}"] for n in range(60)} == {fts.PLAIN}
    assert {before[f"{n:016x}"] for n in range(60, 220)} == {fts.WITH_DICTIONARY}
    for n in (5, 150):  # one of each: the hit shows its own text
        words = " ".join(texts[n].split()[20:26])
        with publish.read(settings) as con:
            hits = fts.search(con, settings, f'"{words}"', limit=3)  # a phrase of its text
        assert hits[0].article_id == f"{n:016x}"
        assert words in hits[0].snippet

    publish.publish(settings, whole=True)
    assert set(tags().values()) == {fts.WITH_DICTIONARY}
    assert path.read_bytes() == trained  # trained on the same first texts of the writer

    path.unlink()  # lost: a search says which file and what to do
    with publish.read(settings) as con, pytest.raises(DatabaseError, match=re.escape(f"{path}: missing")):
        fts.search(con, settings, f'"{words}"')
    other = zstandard.train_dictionary(64_000, [t.encode() for t in real_texts(400)[200:]])
    path.write_bytes(other.as_bytes())  # another one in its place
    with publish.read(settings) as con, pytest.raises(DatabaseError, match="do not read with it"):
        fts.search(con, settings, f'"{words}"')

    shutil.rmtree(fts.index_path(settings))  # what the error says to do: the index is rebuilt whole
    publish.publish(settings)
    assert len(tags()) == 220 and set(tags().values()) == {fts.WITH_DICTIONARY}
    with publish.read(settings) as con:
        assert fts.search(con, settings, f'"{words}"')[0].article_id == f"{150:016x}"


def test_texts_zstd_cannot_learn_from_are_packed_without_a_dictionary_and_it_is_not_tried_again(
        settings, monkeypatch):
    """zstd refuses to train (here: a dictionary too small to hold anything); the index packs
    without one, says why beside it, and later publishes do not read and train again; a whole
    rebuild tries afresh."""
    from tests.test_terms import fetched, load

    monkeypatch.setattr(fts, "DICTIONARY_MIN_TEXTS", 20)
    monkeypatch.setattr(fts, "DICTIONARY_BYTES", 64)
    trainings: list[int] = []
    real_training = zstandard.train_dictionary
    monkeypatch.setattr(zstandard, "train_dictionary",
                        lambda *a, **k: trainings.append(1) or real_training(*a, **k))  # counted, run
    texts = real_texts(60)
    load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[:30])], decide=True)
    publish.publish(settings)
    refusal = fts.index_path(settings) / fts.NO_DICTIONARY
    assert trainings == [1] and fts.dictionary(settings) is None
    assert refusal.read_text(encoding="utf-8").startswith(
        "zstd could not train a dictionary on the first 30 texts")

    load(settings, *[fetched(t, n=n) for n, t in enumerate(texts[30:], start=30)], decide=True)
    publish.publish(settings)
    assert trainings == [1]  # not tried again
    words = " ".join(texts[45].split()[20:26])
    with publish.read(settings) as con:
        assert fts.search(con, settings, f'"{words}"')[0].article_id == f"{45:016x}"

    monkeypatch.setattr(fts, "DICTIONARY_BYTES", 512_000)
    publish.publish(settings, whole=True)
    assert trainings == [1, 1] and fts.dictionary(settings) is not None and not refusal.exists()


def test_an_index_an_older_version_built_is_rebuilt_by_the_next_publish(settings):
    """An index whose fields are not this version's (an upgrade) cannot be searched until the next
    publish, which rebuilds it whole even when it has nothing new to carry; the error says so."""
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
    publish.publish(settings)
    assert not fts.outdated(settings)
    with publish.read(settings) as con:
        hits = fts.search(con, settings, "Kharkiv shelled")
    assert [h.article_id for h in hits] == [f"{1:016x}"] and "Kharkiv" in hits[0].snippet
