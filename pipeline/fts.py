"""Full-text search: a tantivy index beside the analysts' DuckLake, kept in step by each publish.

BM25 over title and text, with each language's own analysis: English, German, French and
Russian words are stemmed by their language's Snowball stemmer; Ukrainian and every other
language are lower-cased and matched whole (no stemmer beats a wrong one). The index keeps no
copy of the texts: a hit's snippet is cut from its text in the DuckLake (`texts`). A publish
replaces the documents of the articles it carries and commits once: tantivy adds a segment (one
per indexing thread), so an update costs what it adds. Readers open the last commit; a commit
is atomic, so a search never sees half a publish. Segments are merged by `compact`,
outside the publish, so that no publish pays for merging the whole index; `ingest-warc` and
`backfill`, which publish hundreds of times and never compact, wait for the merges their commits
start (`Settings.search_wait_merges`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import tantivy

from pipeline import lake, store
from pipeline.config import Settings
from pipeline.errors import DatabaseError, NewsflowError

#: Words either side of the best-matching spot of a text that a snippet shows.
SNIPPET_WORDS = 14
#: Query words are matched in texts by their first letters to find the spot a snippet shows.
STEM_CHARS = 5
#: Snowball stemmers per language code; anything else is analysed by "plain".
STEMMERS = {"en": "english", "de": "german", "fr": "french", "ru": "russian"}
ANALYZERS = (*STEMMERS, "plain")
#: A title word counts this many times a text word.
TITLE_BOOST = 2.0
#: Stored with each document to show it with a hit (not searched).
SHOWN = ("title", "source", "url")
#: Memory the index writer may use before it writes a segment.
WRITER_HEAP = 128_000_000
#: Indexing threads (tantivy splits the heap between them).
WRITER_THREADS = 2
#: Segments past which `compact` merges.
MAX_SEGMENTS = 24
#: Documents fetched from the database per round while indexing.
ROUND = 2000
#: A hit's snippet comes from its text in the DuckLake, at the reader's snapshot: found by id
#: with its Parquet file and row (`sql/search/hit_places.sql`), then read from that file's row
#: group alone (`sql/search/hit_texts.sql`; `lake.TEXT_ROW_GROUP_ROWS` rows a group). The index
#: keeps no copy of the texts: a copy was 0.41x of their size on disk (docs/performance.md).

class SearchError(NewsflowError):
    """A caller's mistake in a search (unknown topic, empty query)."""


def index_path(settings: Settings) -> Path:
    return settings.search_index or settings.db.with_name(f"{settings.db.stem}.search")


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("article_id", stored=True, tokenizer_name="raw")
    for name in ANALYZERS:
        builder.add_text_field(f"title_{name}", tokenizer_name=f"newsflow_{name}")
        builder.add_text_field(f"text_{name}", tokenizer_name=f"newsflow_{name}")
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    builder.add_boolean_field("on_topic", stored=True, indexed=True)
    builder.add_text_field("topic", stored=True, tokenizer_name="raw")
    # shown with a hit, as they were when the article was last published
    for name in SHOWN:
        builder.add_text_field(name, stored=True, index_option="basic", tokenizer_name="raw")
    return builder.build()


def _register(index: tantivy.Index) -> tantivy.Index:
    """Tokenizers are not stored with the index: every opener registers them."""
    for name in ANALYZERS:
        builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                   .filter(tantivy.Filter.remove_long(40))
                   .filter(tantivy.Filter.lowercase()))
        if name in STEMMERS:
            builder = builder.filter(tantivy.Filter.stemmer(STEMMERS[name]))
        index.register_tokenizer(f"newsflow_{name}", builder.build())
    return index


def open_index(settings: Settings, *, create: bool = False) -> tantivy.Index:
    path = index_path(settings)
    if not create and not (path / "meta.json").exists():
        raise DatabaseError(f"{path}: no search index yet (run 'newsflow publish')")
    path.mkdir(parents=True, exist_ok=True)
    try:
        return _register(tantivy.Index(schema(), path=str(path), reuse=True))
    except (OSError, ValueError) as exc:
        hint = " (built by an older newsflow: the next 'newsflow publish' rebuilds it)" \
            if outdated(settings) else ""
        raise DatabaseError(f"{path}: cannot open the search index: {exc}{hint}") from None


def outdated(settings: Settings) -> bool:
    """Whether an index is there whose fields are not this version's (`schema`): the next
    publish rebuilds it whole."""
    path = index_path(settings)
    if not (path / "meta.json").exists():
        return False
    try:
        tantivy.Index(schema(), path=str(path), reuse=True)
    except ValueError as exc:
        return "schema does not match" in str(exc)
    return False


def current(settings: Settings) -> bool:
    """Whether an index is there with this version's fields: a publish that carries no article
    can leave it as it is."""
    return (index_path(settings) / "meta.json").exists() and not outdated(settings)


def document(row: dict[str, Any]) -> tantivy.Document:
    lang = (row["language"] or "").split("-")[0].lower()
    name = lang if lang in STEMMERS else "plain"
    doc = tantivy.Document()
    doc.add_text("article_id", row["article_id"])
    doc.add_text(f"title_{name}", row["title"] or "")
    doc.add_text(f"text_{name}", row["text"] or "")
    if row["published"] is not None:
        doc.add_date("published", row["published"])
    doc.add_boolean("on_topic", bool(row["on_topic"]))
    if row["primary_topic"]:
        doc.add_text("topic", row["primary_topic"])
    for name in SHOWN:
        if row[name]:
            doc.add_text(name, row[name])
    return doc


def update(con: duckdb.DuckDBPyConnection, settings: Settings, article_ids: Iterable[str], *,
           everything: bool = False, fresh: Mapping[str, str] | None = None) -> int:
    """Replace the documents of `article_ids` (of every article when `everything`) with the
    writer's current rows, reading them in rounds, and commit once; returns documents added.
    What a hit shows comes from the carried articles' report rows, which `lake.carry_report`
    left in `carried_report` (from the writer's view when `everything`). `fresh`: where the fresh
    articles' rows start in the article tables, if already known (`lake.apply`). An index an
    older version built (`outdated`), or none at all (lost, or moved by NEWSFLOW_SEARCH_INDEX),
    is rebuilt whole."""
    article_ids = list(article_ids)
    everything = everything or not current(settings)
    if everything:
        shutil.rmtree(index_path(settings), ignore_errors=True)
    index = open_index(settings, create=True)
    writer = index.writer(WRITER_HEAP, WRITER_THREADS)
    added = 0
    try:
        for article_id in ([] if everything else article_ids):
            writer.delete_documents_by_term("article_id", article_id)
        if everything or article_ids:
            added = _add(con, settings, writer, everything, fresh or {})
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    if settings.search_wait_merges:
        # a long run (`Settings.long_run`): merges done as it goes, each kept. A merge maps the
        # files it reads into this process: what DuckDB holds from the publish is given back first
        store.give_back_memory(con, settings)
        try:
            writer.wait_merging_threads()
        except (OSError, ValueError) as exc:  # the commit stands: only the merge is lost
            raise DatabaseError(f"{index_path(settings)}: merging the search index's segments "
                                f"failed: {exc}") from None
    else:
        # The writer is dropped without waiting for the merges its commit started, and with
        # them their work: a merge can take in segments of any size, so waiting would make one
        # publish now and then cost the whole index. Merging is `compact`'s job.
        del writer
    return added


def _add(con: duckdb.DuckDBPyConnection, settings: Settings, writer: tantivy.IndexWriter,
         everything: bool, fresh: Mapping[str, str]) -> int:
    """Add the documents of `documents`, streamed a round at a time (the whole result would hold
    every carried text at once)."""
    added = 0
    with streamed(con):
        batches = con.execute(documents(con, settings, everything, fresh)).fetch_record_batch(ROUND)
        for batch in batches:
            for row in batch.to_pylist():
                writer.add_document(document(row))
            added += batch.num_rows
    return added


def documents(con: duckdb.DuckDBPyConnection, settings: Settings, everything: bool,
              fresh: Mapping[str, str]) -> str:
    """The query of the search documents (sql/publish/search_docs.sql): of the articles
    `publishing` carries, their report rows in `carried_report` (`lake.carry_report`); of every
    article when `everything`, from the writer's view. `fresh`: where the fresh articles' rows
    start, if known. Run it `streamed`."""
    where = {"all": "true", "fresh": "false", "report": f"main.{lake.REPORT}"} if everything else {
        "all": "false", "report": "carried_report",
        "fresh": fresh.get("articles") or store.fresh_rows(con, settings, "articles")}
    return store.sql(settings, "publish/search_docs").format(**where)


@contextmanager
def streamed(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Queries run here hold the right side of each LEFT JOIN in memory and stream the left
    (for `documents`: the report rows held, the texts streaming past). Otherwise DuckDB holds
    whichever side its estimates make smaller, and for `documents` that is the texts: every
    text of a whole rebuild in memory (180k articles: 1,894 MB against 814 MB,
    docs/performance.md)."""
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        yield
    finally:
        con.execute("RESET disabled_optimizers")


def segments(settings: Settings) -> int:
    """How many segments the index has (each publish adds one or two; `compact` merges them)."""
    return int(open_index(settings).searcher().num_segments)


def compact(settings: Settings) -> None:
    """Merge the index's segments as tantivy's merge policy chooses, and wait for it."""
    writer = open_index(settings).writer(WRITER_HEAP, WRITER_THREADS)
    writer.commit()  # merges are considered at a commit
    writer.wait_merging_threads()


@dataclass(frozen=True)
class Hit:
    score: float
    article_id: str
    published: datetime | None
    source: str | None
    on_topic: bool
    topic: str | None
    title: str | None
    url: str | None
    snippet: str


#: The fields a query may name: `title:` and `text:` (each indexed once per analyser).
QUERY_FIELDS = ("title", "text")
#: What the query language reads, for a query that found nothing.
QUERY_HELP = ('words (an article needs one of them; more of them rank higher), "a phrase", +must, '
              "-not, AND, OR, title:word and text:word")
_FIELD = re.compile(r'(?<![\w:])(title|text):\s*("[^"]*"(?:~\d+)?|[^\s()"]+)')
_FIELD_NAME = re.compile(r"(?<![\w:])(?:title|text):")
_OTHER_FIELD = re.compile(r"(?<![\w:])(\w+):(?!//)")


def query_text(query: str) -> str:
    """The query as the index reads it: `title:w` and `text:w` (a word or a "phrase") searched in
    that field's every analyser; any other `word:` (a headline's "Ukraine: ..." pasted, a field
    the index does not search) read as the word, not as a field that matches nothing."""

    def expand(m: re.Match[str]) -> str:
        return "(" + " ".join(f"{m[1]}_{name}:{m[2]}" for name in ANALYZERS) + ")"

    plain = _OTHER_FIELD.sub(lambda m: m[0] if m[1] in QUERY_FIELDS else f"{m[1]} ", query)
    if plain.count('"') % 2:  # a quote left open: the words, not a phrase that never ends
        plain = plain.replace('"', " ")
    # a field name with nothing it can take after it is a word
    return _FIELD_NAME.sub(lambda m: m[0][:-1] + " ", _FIELD.sub(expand, plain))


def search(con: duckdb.DuckDBPyConnection, settings: Settings, query: str, *,
           topic: str | None = None, since: datetime | None = None, limit: int = 10) -> list[Hit]:
    """The best `limit` usable articles for `query` by BM25, optionally of one subtopic (the
    story's own id: any on-topic article) and published since a time; `con` reads the DuckLake."""
    if not query.strip():
        raise SearchError("empty query: give some words to search for")
    if limit < 1:
        raise SearchError(f"--limit must be at least 1, got {limit}")
    story = None
    if topic is not None:
        row = con.execute(store.sql(settings, "search/known_topic"), {"topic": topic}).fetchone()
        if not row or not row[0]:
            raise SearchError(f"unknown topic {topic!r} (see the topics table)")
        story = bool(row[1])
    index = open_index(settings)
    sch = index.schema
    fields = [f"{part}_{name}" for part in ("title", "text") for name in ANALYZERS]
    boosts = {f"title_{name}": TITLE_BOOST for name in ANALYZERS}
    words, _errors = index.parse_query_lenient(query_text(query), fields, field_boosts=boosts)
    must = [(tantivy.Occur.Must, words)]
    # the filters score nothing: a hit's score is its words' alone, the same with or without them
    if topic is not None:
        must.append((tantivy.Occur.Must, tantivy.Query.const_score_query(
            tantivy.Query.term_query(sch, "on_topic", True) if story
            else tantivy.Query.term_query(sch, "topic", topic), 0.0)))
    if since is not None:
        must.append((tantivy.Occur.Must, tantivy.Query.const_score_query(tantivy.Query.range_query(
            sch, "published", tantivy.FieldType.Date, since, None), 0.0)))
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.boolean_query(must), limit)
    docs = [(score, searcher.doc(address)) for score, address in found.hits]
    found_texts = texts(con, settings, [doc["article_id"][0] for _score, doc in docs])
    return [Hit(score=score, article_id=doc["article_id"][0], published=_first(doc, "published"),
                source=_first(doc, "source"), on_topic=bool(_first(doc, "on_topic")),
                topic=_first(doc, "topic"), title=_first(doc, "title"), url=_first(doc, "url"),
                snippet=snippet(found_texts.get(doc["article_id"][0], ""), _FIELD_NAME.sub("", query)))
            for score, doc in docs]


def texts(con: duckdb.DuckDBPyConnection, settings: Settings, article_ids: list[str]) -> dict[str, str]:
    """The texts of `article_ids` in the DuckLake `con` reads, all from one snapshot: each found
    by id with its Parquet file and row, then read from those files' row groups that hold them
    (a read by id alone decompresses the texts of every row group: 0.5-0.8 s at 100k articles).
    An article the snapshot lacks is absent: a publish that removes one from the DuckLake commits
    the index after it, so a search between the two can still find it."""
    if not article_ids:
        return {}
    found: dict[str, str] = {}
    with _snapshot(con):
        places = con.execute(store.sql(settings, "search/hit_places"), {"ids": article_ids}).fetchall()
        files: dict[str, dict[int, str]] = {}
        for article_id, file, row in places:
            files.setdefault(file, {})[row] = article_id
        for file, rows in files.items():
            for row, text in con.execute(store.sql(settings, "search/hit_texts"),
                                         {"file": file, "rows": sorted(rows)}).fetchall():
                found[rows[row]] = text or ""
    return found


@contextmanager
def _snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Queries run here read one snapshot of the DuckLake (a publish may commit between them);
    inside a caller's transaction, that one's."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:  # the caller's transaction holds one snapshot already
        yield
        return
    try:
        yield
    finally:
        con.execute("ROLLBACK")  # it only read


def _first(doc: tantivy.Document, name: str) -> Any:
    value = doc.get_first(name)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # tantivy keeps UTC instants without a zone
    return value


def snippet(text: str, query: str, words: int = SNIPPET_WORDS) -> str:
    """The stretch of `text` where most query words fall within a short window, with `…` where
    it was cut; the start of the text when no query word occurs."""
    tokens = text.split()
    if not tokens:
        return ""
    stems = {w.lower()[:STEM_CHARS] for w in re.findall(r"\w+", query) if len(w) > 2}
    hits = [i for i, tok in enumerate(tokens)
            if any(re.sub(r"\W", "", tok.lower()).startswith(s) for s in stems)]
    if not hits:
        start = 0
    else:
        # the hit whose window holds the most distinct hits; the earliest on a tie
        best = max(hits, key=lambda i: (sum(1 for j in hits if i <= j < i + words), -i))
        start = max(0, best - words // 2)
    end = min(len(tokens), start + 2 * words)
    return ("… " if start > 0 else "") + " ".join(tokens[start:end]) + (" …" if end < len(tokens) else "")
