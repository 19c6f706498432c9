"""Full-text search: DuckDB's fts extension (BM25 over title and text), loaded offline.

The extension comes from the `duckdb-ext-fts` wheel pinned beside duckdb: it unpacks into
`<site-packages>/duckdb_ext/extensions/v<duckdb>/<platform>/fts.duckdb_extension`, so pointing
DuckDB's `extension_directory` there and turning auto-install off loads it without a network.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline import store
from pipeline.config import Settings
from pipeline.errors import DatabaseError, NewsflowError

#: Words either side of the best-matching spot of a text that a snippet shows.
SNIPPET_WORDS = 14
#: Query words are matched in texts by their first letters (the index stems with Porter; this
#: crude prefix is close enough to find the spot to show).
STEM_CHARS = 5


class SearchError(NewsflowError):
    """A caller's mistake in a search (unknown topic, empty query)."""


def extension_dir() -> Path:
    """The folder of the installed DuckDB extensions wheel(s)."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError("the duckdb-ext-fts package is not installed: full-text search needs it")
    return Path(next(iter(spec.submodule_search_locations))) / "extensions"


def load(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts from the installed wheel; never download."""
    folder = extension_dir()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET extension_directory = ?", [str(folder)])
    try:
        con.execute("LOAD fts")
    except duckdb.Error as exc:
        raise DatabaseError(f"{folder}: cannot load the fts extension: {str(exc).splitlines()[0]}") from None


def refresh_index(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rebuild the BM25 index over every article's title and text (on a writable connection)."""
    load(con)
    con.execute(store.sql(settings, "search/fts_index"))


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


def search(con: duckdb.DuckDBPyConnection, settings: Settings, query: str, *,
           topic: str | None = None, since: datetime | None = None, limit: int = 10) -> list[Hit]:
    """The best `limit` articles for `query` by BM25, optionally of one subtopic and since a time."""
    if not query.strip():
        raise SearchError("empty query: give some words to search for")
    if limit < 1:
        raise SearchError(f"--limit must be at least 1, got {limit}")
    if topic is not None:
        row = con.execute(store.sql(settings, "search/known_topic"), {"topic": topic}).fetchone()
        if not row or not row[0]:
            raise SearchError(f"unknown topic {topic!r} (see the topics table)")
    load(con)
    try:
        rows = con.execute(store.sql(settings, "search/search"), {
            "query": query, "topic": topic, "since": since, "limit": limit}).fetchall()
    except duckdb.CatalogException as exc:
        if "fts_main_articles" in str(exc):
            raise DatabaseError("no full-text index in this database: run 'newsflow publish'") from None
        raise
    return [Hit(score=r[0], article_id=r[1], published=r[2], source=r[3], on_topic=r[4], topic=r[5],
                title=r[6], url=r[7], snippet=snippet(r[8] or "", query)) for r in rows]


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
