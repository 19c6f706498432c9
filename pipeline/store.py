"""DuckDB at the edge: migrations, and bulk idempotent loads through Arrow.

Connections are short-lived: a stage opens the file, loads a whole batch in one transaction and
closes it, so the single-writer lock is held for the load alone, never during network I/O.
Every load statement lives in `sql/load/*.sql`; this module only stages Arrow tables for them.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import failures, feedstate
from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.models import Article, Classification, FeedPoll, PageTask, Problem
from pipeline.sources import FeedSource
from pipeline.taxonomy import Taxonomy
from pipeline.urls import article_id, normalise_url

TS = pa.timestamp("us", tz="UTC")
STR_LIST = pa.list_(pa.string())

SCHEMAS: dict[str, pa.Schema] = {
    "feeds": pa.schema([("feed_id", pa.string()), ("name", pa.string()), ("url", pa.string()),
                        ("language", pa.string()), ("tags", STR_LIST), ("enabled", pa.bool_())]),
    "topics": pa.schema([("topic_id", pa.string()), ("parent_id", pa.string()),
                         ("label", pa.string()), ("description", pa.string()),
                         ("taxonomy_version", pa.string())]),
    "polls": pa.schema([("poll_id", pa.string()), ("run_id", pa.string()),
                        ("feed_id", pa.string()), ("url", pa.string()), ("polled_at", TS),
                        ("status", pa.string()), ("http_status", pa.int32()),
                        ("content_type", pa.string()), ("elapsed_ms", pa.float64()),
                        ("entries_seen", pa.int32()), ("entries_new", pa.int32()),
                        ("error_class", pa.string()), ("error", pa.string())]),
    "entries": pa.schema([("feed_id", pa.string()), ("guid", pa.string()), ("link", pa.string()),
                          ("article_id", pa.string()), ("title", pa.string()),
                          ("summary", pa.string()), ("published_at", TS),
                          ("authors", STR_LIST), ("seen_at", TS)]),
    "articles": pa.schema([
        ("article_id", pa.string()), ("link_id", pa.string()), ("url", pa.string()),
        ("link", pa.string()),
        ("final_url", pa.string()), ("feed_id", pa.string()), ("source_domain", pa.string()),
        ("title", pa.string()), ("authors", STR_LIST), ("published_at", TS),
        ("date_source", pa.string()), ("fetched_at", TS), ("http_status", pa.int32()),
        ("content_type", pa.string()), ("size_bytes", pa.int64()), ("fetch_ms", pa.float64()),
        ("language", pa.string()), ("site_name", pa.string()), ("description", pa.string()),
        ("text", pa.large_string()), ("word_count", pa.int32()), ("content_hash", pa.string()),
        ("extraction_status", pa.string()), ("extraction_error", pa.string()),
        ("last_run_id", pa.string()), ("warc_file", pa.string()), ("warc_offset", pa.int64()),
        ("warc_length", pa.int64()), ("published_zone", pa.string())]),
    "classifications": pa.schema([("article_id", pa.string()), ("classifier_version", pa.string()),
                                  ("relevant", pa.bool_()), ("score", pa.float64()),
                                  ("peace", pa.bool_()), ("peace_score", pa.float64()),
                                  ("explanation", pa.string()), ("classified_at", TS)]),
    "article_topics": pa.schema([("article_id", pa.string()), ("topic_id", pa.string()),
                                 ("classifier_version", pa.string()), ("score", pa.float64()),
                                 ("is_primary", pa.bool_())]),
    "errors": pa.schema([("stage", pa.string()), ("target", pa.string()), ("feed_id", pa.string()),
                         ("error_class", pa.string()), ("message", pa.string()),
                         ("seen_at", TS), ("run_id", pa.string()), ("retryable", pa.bool_()),
                         ("retry_after", pa.float64()), ("retry_base", pa.float64())]),
    "resolved": pa.schema([("stage", pa.string()), ("target", pa.string())]),
    "feed_state": pa.schema([
        ("feed_id", pa.string()), ("etag", pa.string()), ("last_modified", pa.string()),
        ("consecutive_failures", pa.int32()), ("last_status", pa.string()), ("last_polled_at", TS),
        ("last_success_at", TS), ("next_poll_at", TS), ("ttl_minutes", pa.int32()),
        ("retry_after_until", TS), ("disabled_at", TS), ("disabled_reason", pa.string())]),
    "signatures": pa.schema([("article_id", pa.string()), ("content_hash", pa.string()),
                             ("signature", pa.binary())]),
    "links": pa.schema([("link_id", pa.string()), ("article_id", pa.string()), ("link", pa.string()),
                        ("fetched_at", TS)]),
    "diffs": pa.schema([("article_id", pa.string()), ("diff_words", pa.int32())]),
    "clusters": pa.schema([("article_id", pa.string()), ("cluster_id", pa.string()),
                           ("similarity", pa.float64()), ("is_representative", pa.bool_())]),
}


# -- connections and migrations -------------------------------------------------------------------

@contextmanager
def connect(db: Path | str, *, read_only: bool = False,
            lock_wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the DuckDB file (creating its folder); errors become one-line DatabaseErrors.
    While another process holds the file's lock, retry for up to `lock_wait` seconds."""
    path = Path(db)
    waited = 0.0
    while True:
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            con = _open(path, read_only)
            break
        except duckdb.IOException as exc:
            # Another process holds the single write lock (a parallel Airflow task's short write):
            # wait for it rather than fail; loads hold it for seconds, not minutes.
            if "lock" not in str(exc).lower() or waited >= lock_wait:
                raise DatabaseError(f"{path}: cannot open database: {_first_line(exc)}") from None
            pause = min(0.05 * 2 ** min(waited, 6), 2.0, lock_wait - waited)
            time.sleep(pause)
            waited += pause
        except (duckdb.Error, OSError) as exc:
            raise DatabaseError(f"{path}: cannot open database: {_first_line(exc)}") from None
    try:
        session(con)
        yield con
    finally:
        con.close()


def session(con: duckdb.DuckDBPyConnection) -> None:
    """What every newsflow connection sets: times in UTC, no progress bar on stdout."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")


#: Rows per row group the writer makes. A transaction that appends a whole row group writes it
#: straight into the file; smaller appends go to the write-ahead log first and are written again
#: at the checkpoint. DuckDB's default (122,880 rows) is 700 MB of article text, so every batch
#: took the double write; at 2,048 rows a 5,000-article load writes its texts once
#: (bench/load_bench.py). Scans are unaffected: row groups of 2,048 rows still fill DuckDB's
#: vectors, and smaller ones skip more precisely on their min/max.
ROW_GROUP_ROWS = 2048

#: The writer's on-disk format. DuckDB writes the oldest format its readers may still need
#: (v0.10) unless told otherwise, and that format stores long strings (article text, term lists)
#: uncompressed: 1.0x the text at 300,000 articles (bench/store_bench.py). From v1.4.0 a string
#: column can be compressed with zstd. An older file attached this way is upgraded in place:
#: what it holds stays as it is, what is written from then on is compressed. The file can then
#: be opened only by DuckDB 1.4 or later (the project pins 1.4.4; analysts read the DuckLake).
STORAGE_VERSION = "v1.4.0"
#: How the writer compresses the strings it writes: with zstd (numbers, dates and lists keep
#: DuckDB's own methods, which zstd does not replace). It keeps article text at about 0.38x its
#: size. Never leave the choice to DuckDB in this format: it picks dictionary and FSST for the
#: texts, 0.62x, and the load's writes take 15 times as long (30,000 bench articles,
#: docs/performance.md). The short strings of the per-article tables (ids, versions, codes) are
#: the exception, named in their tables' definitions (migration 020): dictionary and FSST, which
#: every filter and join on them reads many times faster than zstd.
COMPRESSION = "zstd"


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    # The file is attached to an in-memory connection, which is how DuckDB takes a row group
    # size; it is the connection's default database, under its usual name (the file's stem).
    con = duckdb.connect()
    name = quote_ident(path.stem if path.stem.lower() not in _RESERVED else "newsflow")
    try:
        con.execute(f"ATTACH {quote_literal(str(path))} AS {name} "
                    f"(ROW_GROUP_SIZE {ROW_GROUP_ROWS}, STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute(f"USE {name}")
        con.execute(f"SET force_compression = '{COMPRESSION}'")
    except BaseException:
        con.close()
        raise
    return con


#: Catalog names DuckDB keeps for itself (the in-memory host is "memory").
_RESERVED = frozenset({"memory", "system", "temp"})


def quote_ident(name: str) -> str:
    """`name` as an SQL identifier (a database named by its file, which may hold a '-')."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """`text` as an SQL string literal (for statements that take no parameters: ATTACH, COPY)."""
    return "'" + text.replace("'", "''") + "'"


def sql(settings: Settings, name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return (settings.sql_dir / f"{name}.sql").read_text(encoding="utf-8")


def migration_files(sql_dir: Path) -> list[Path]:
    """The schema's migrations, `sql/migrations/NNN_*.sql`, in the order they apply."""
    return sorted((sql_dir / "migrations").glob("[0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> list[str]:
    """Apply `sql/migrations/NNN_*.sql` not yet recorded in schema_migrations, in order."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied: list[str] = []
    for path in migration_files(sql_dir):
        version = int(path.name[:3])
        if version in done:
            continue
        try:
            con.execute("BEGIN")
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, path.stem])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise DatabaseError(f"{path}: migration failed: {_first_line(exc)}") from None
        applied.append(path.stem)
    return applied


#: A writer connection whose changes fit in this much write-ahead log may leave them there for
#: the next writer to checkpoint (`defer_checkpoint`).
DEFERRED_WAL_BYTES = 4 << 20


def give_back_memory(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Let DuckDB drop the blocks and buffers it keeps (up to its memory limit) and return them to
    the system, then restore the limit: a publish's DuckLake step and search rows leave 150-200 MB
    that DuckDB would otherwise hold until the connection closes. Nothing is lost: the blocks are
    read again if needed. Best effort: with memory pinned by a running query it does nothing."""
    with suppress(duckdb.Error):
        con.execute("SET memory_limit = '1MB'")
    con.execute(f"SET memory_limit = {quote_literal(settings.duckdb_memory)}")


def defer_checkpoint(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Leave what this connection wrote in the write-ahead log when it closes, if that is little,
    instead of checkpointing. A checkpoint rewrites the metadata of every row group of every
    table however few rows changed: 0.74-0.79 s at 1.4M articles, 0.08 s at 100k (DuckDB 1.4 reuses
    that metadata only behind an experimental setting; docs/performance.md). The log is durable,
    every later connection reads it back (read-only ones too) and the next writer's checkpoint
    writes it into the file. Returns whether it was left."""
    wal = Path(f"{path}.wal")
    size = wal.stat().st_size if wal.exists() else 0
    if size > DEFERRED_WAL_BYTES:
        return False
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    return True


@contextmanager
def open_db(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the configured database with every migration applied."""
    with connect(settings.db, read_only=read_only, lock_wait=settings.lock_wait) as con:
        con.execute(f"SET memory_limit = {quote_literal(settings.duckdb_memory)}")
        if settings.duckdb_threads:
            con.execute(f"SET threads = {settings.duckdb_threads:d}")
        # jemalloc's background threads give freed memory back to the system as the process runs;
        # without them a long backfill keeps the peak of every publish it has made (a publish of
        # 10,000 articles into a 110,000-article store: 571-580 MB against 629-672 MB)
        con.execute("SET allocator_background_threads = true")
        # past the limit DuckDB spills beside the database (its default is ./.tmp of the cwd)
        spill = settings.db.with_name(f"{settings.db.stem}.tmp")
        con.execute(f"SET temp_directory = {quote_literal(str(spill))}")
        if not read_only:
            migrate(con, settings.sql_dir)
        yield con


# -- staging and loading -------------------------------------------------------------------------

def _table(name: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMAS[name])


#: The statements an observation of an article goes through (`earlier_observations`).
OBSERVATION_LOADS = ("supersede_versions", "article_versions", "article_terms", "articles")


def _load(con: duckdb.DuckDBPyConnection, settings: Settings,
          staged: dict[str, pa.Table], statements: Sequence[str], *,
          earlier: Sequence[pa.Table] = (), fresh: pa.Array | None = None) -> None:
    """Register the staged Arrow tables and run the load statements in one transaction; the
    `earlier` observations of the batch's articles go first, oldest first, as articles only.
    `fresh`: the ids of articles the writer did not hold before (see `_pending`)."""
    pending = _pending(staged, fresh)
    try:
        con.execute("BEGIN")
        con.register("staging_pending", pending)
        with _counting_terms(con, settings, counted=not COUNTED_TABLES.isdisjoint(staged)):
            written: list[pa.Array] = []  # the articles the rounds before wrote
            for observations in earlier:
                con.register("staging_articles", observations)
                con.register("staging_known", known(observations, fresh, written))
                con.register("staging_diffs", _table("diffs", []))
                try:
                    for statement in OBSERVATION_LOADS:
                        con.execute(sql(settings, f"load/{statement}"))
                finally:
                    con.unregister("staging_articles")
                    con.unregister("staging_known")
                    con.unregister("staging_diffs")
                written.append(observations["article_id"].combine_chunks())
            for name, table in staged.items():
                con.register(f"staging_{name}", table)
            if "articles" in staged:
                con.register("staging_known", known(staged["articles"], fresh, written))
            for statement in statements:
                con.execute(sql(settings, f"load/{statement}"))
        if len(pending):
            con.execute(sql(settings, "load/publish_pending"))
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("staging_pending")
        con.unregister("staging_known")
        for name in staged:
            con.unregister(f"staging_{name}")


def known(articles: pa.Table, fresh: pa.Array | None, written: Sequence[pa.Array] = ()) -> pa.Table:
    """The staged articles the writer holds already: all but the `fresh` ones (new to it before
    the load), save those an earlier round of the same load `written` (`earlier_observations`).
    Only these are joined with the stored tables: article ids are URL hashes, so a join of new
    ones with a whole table reads every stored id to find nothing (0.2-0.4 s a statement at 1M
    articles)."""
    if fresh is None:
        return articles
    ids = articles["article_id"]
    keep = pc.invert(pc.is_in(ids, value_set=fresh))
    for done in written:
        keep = pc.or_(keep, pc.is_in(ids, value_set=done))
    return articles.filter(keep)


#: Staged tables whose keys a publish must carry: (kind, key columns); see migration 011; any other
#: staged table with an `article_id` carries its articles. A cluster row that changed is carried
#: alone: re-clustering moves articles already published (a new copy becomes its story's
#: representative), and their other rows stay as they are. So are a feed entry (every poll sees
#: again the items its feeds still list) and an error (the ledger grows with every page that ever
#: failed; it was copied whole by every publish), keyed by two columns (`publish_keys`). The
#: errors a load resolves are noted by sql/load/resolve_errors.sql.
PUBLISHED_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "polls": ("poll", ("poll_id",)), "clusters": ("cluster", ("article_id",)),
    "entries": ("entry", ("feed_id", "guid")), "errors": ("error", ("stage", "target"))}
ARTICLE_KEYS = ("article", ("article_id",))


def publish_keys(table: pa.Table, columns: tuple[str, ...]) -> pa.Array | None:
    """The publish keys of a staged table's rows (None when it lacks the key columns): its key
    column, or two joined by a unit separator (chr(31), as sql/publish/entry_rows.sql and
    error_rows.sql join them). The first of two never holds one (a feed id, `sources.FeedId`; a
    stage name), so each key names one row whatever the second (a guid, a URL) holds."""
    if not set(columns) <= set(table.column_names):
        return None
    if len(columns) == 1:
        return table[columns[0]].combine_chunks()
    return pc.binary_join_element_wise(*(table[c] for c in columns), "\x1f").combine_chunks()


#: Staged tables whose load can move articles between the cells of `weekly_terms` (a week, on
#: topic or not; migration 015): new texts and dates, decisions, feed names (an article's source).
COUNTED_TABLES = frozenset({"articles", "classifications", "feeds"})


def _pending(staged: dict[str, pa.Table], fresh: pa.Array | None = None) -> pa.Table:
    """The keys of the staged rows (kind, key, fresh), for publish_pending; the articles in
    `fresh` are new to the writer, so no publish has carried them (migration 014)."""
    parts = [pa.table({"kind": pa.array([], pa.string()), "key": pa.array([], pa.string()),
                       "fresh": pa.array([], pa.bool_())})]
    for name, table in staged.items():
        kind, columns = PUBLISHED_KEYS.get(name, ARTICLE_KEYS)
        values = publish_keys(table, columns) if len(table) else None
        if values is not None:
            keys = pc.unique(values).drop_null().cast(pa.string())
            new = (pc.is_in(keys, value_set=fresh) if kind == "article" and fresh is not None
                   else pa.array([False] * len(keys), pa.bool_()))
            parts.append(pa.table({"kind": pa.array([kind] * len(keys), pa.string()),
                                   "key": keys, "fresh": new}))
    return pa.concat_tables(parts)


@contextmanager
def _counting_terms(con: duckdb.DuckDBPyConnection, settings: Settings, *,
                    counted: bool = True) -> Iterator[None]:
    """Keep `weekly_terms` right across the writes of the block (inside its transaction): recount
    the weeks the articles in `staging_pending` were counted in before it and are counted in
    after it, or every week when the block moved articles it did not write (migration 015)."""
    if not counted:
        yield
        return
    con.execute(sql(settings, "load/weekly_terms_before"))
    yield
    moved = con.execute(sql(settings, "load/weekly_terms_moved")).fetchone()
    if moved and moved[0]:
        con.execute(sql(settings, "load/weekly_terms_all"))
    con.execute(sql(settings, "load/weekly_terms"))


def sync_config(con: duckdb.DuckDBPyConnection, settings: Settings,
                feeds: Sequence[FeedSource], taxonomy: Taxonomy) -> None:
    feed_rows = [{"feed_id": f.id, "name": f.label, "url": f.url, "language": f.language,
                  "tags": list(f.tags), "enabled": f.enabled} for f in feeds]
    topic_rows = [{"topic_id": taxonomy.story.id, "parent_id": None, "label": taxonomy.story.label,
                   "description": taxonomy.story.description,
                   "taxonomy_version": taxonomy.version}]
    topic_rows += [{"topic_id": s.id, "parent_id": taxonomy.story.id, "label": s.label,
                    "description": s.description, "taxonomy_version": taxonomy.version}
                   for s in taxonomy.subtopics]
    _load(con, settings, {"feeds": _table("feeds", feed_rows), "topics": _table("topics", topic_rows)},
          ["feeds", "topics"])


def save_polls(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
               polls: Sequence[FeedPoll]) -> int:
    """Record polls and their entries; returns how many entries were new."""
    poll_rows, entry_rows = [], []
    for p in polls:
        poll_rows.append({
            "poll_id": p.poll_id, "run_id": run_id, "feed_id": p.feed_id, "url": p.url,
            "polled_at": p.polled_at, "status": p.status, "http_status": p.http_status,
            "content_type": p.content_type, "elapsed_ms": p.elapsed_ms,
            "entries_seen": len(p.entries), "entries_new": 0,
            "error_class": p.problem.error_class if p.problem else None,
            "error": p.problem.message if p.problem else p.note,
        })
        for e in p.entries:
            row = asdict(e)
            row["authors"] = list(e.authors)
            row["seen_at"] = p.polled_at
            entry_rows.append(row)
    problems = [p.problem for p in polls if p.problem]
    resolved = [{"stage": "poll", "target": p.url} for p in polls if p.status in ("ok", "not_modified")]
    previous = feed_states(con, settings)
    state_rows = [feedstate.next_state(previous.get(p.feed_id), p, settings)
                  for p in polls if p.status != "skipped"]
    staged = {"polls": _table("polls", poll_rows), "entries": _table("entries", entry_rows),
              "errors": _errors_table(problems, run_id, settings.retry_backoff),
              "resolved": _table("resolved", resolved),
              "feed_state": _table("feed_state", state_rows)}
    _load(con, settings, staged, ["feed_polls", "entries", "errors", "resolve_errors", "feed_state"])
    ids = [p.poll_id for p in polls]
    if not ids:
        return 0
    found = con.execute(sql(settings, "load/new_entries"), {"poll_ids": ids}).fetchone()
    return int(found[0]) if found else 0


def feed_states(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, feedstate.FeedState]:
    """Every feed's state as the last poll left it (conditional validators, backoff, hints)."""
    cur = con.execute(sql(settings, "load/feed_states"))
    names = [d[0] for d in cur.description]
    return {r[0]: feedstate.FeedState(**dict(zip(names, r, strict=True))) for r in cur.fetchall()}


def feed_standing(con: duckdb.DuckDBPyConnection, settings: Settings,
                  feed_id: str) -> tuple[bool | None, datetime | None, int]:
    """(enabled in the feeds file, or None when it is not there; disabled after failures since;
    failures in a row)."""
    row = con.execute(sql(settings, "load/feed_standing"), {"feed_id": feed_id}).fetchone()
    return (row[0], row[1], int(row[2])) if row else (None, None, 0)


def enable_feed(con: duckdb.DuckDBPyConnection, settings: Settings, feed_id: str) -> None:
    """Clear a feed's disabled state and backoff (`feed_standing` says whether it had any)."""
    con.execute(sql(settings, "load/enable_feed"), {"feed_id": feed_id})


def save_label(con: duckdb.DuckDBPyConnection, settings: Settings, article_id: str, *,
               relevant: bool, peace: bool | None, by: str, note: str | None = None) -> bool:
    """Record an analyst's correction of an article; False when the article is not stored or the
    classifier never decided it (`label_target` says why)."""
    con.execute("BEGIN")
    try:
        # the correction can move the article into or out of its week's on-topic terms
        con.register("staging_pending", _pending({"labels": pa.table({"article_id": [article_id]})}))
        with _counting_terms(con, settings):
            row = con.execute(sql(settings, "load/label"), {
                "article_id": article_id, "relevant": relevant, "peace": peace, "by": by,
                "note": note}).fetchone()
        if row:
            con.execute(sql(settings, "load/label_pending"), {"article_id": article_id})
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("staging_pending")
    return bool(row)


def label_target(con: duckdb.DuckDBPyConnection, settings: Settings,
                 article_id: str) -> tuple[str, str] | None:
    """An article's extraction status and error, or None when it is not stored."""
    row = con.execute(sql(settings, "load/label_target"), {"article_id": article_id}).fetchone()
    return (row[0], row[1]) if row else None


def corrections(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dict[str, Any]]:
    """The newest correction of every corrected article, as a labelled item."""
    return [{"id": r[0], "title": r[1], "text": r[2], "lang": r[3] or "und", "published": r[4],
             "relevant": r[5], "peace": r[6], "labelled_at": r[7]}
            for r in con.execute(sql(settings, "load/corrections")).fetchall()]


def queue_entries(con: duckdb.DuckDBPyConnection, settings: Settings,
                  rows: Sequence[dict[str, Any]]) -> int:
    """Entries from outside the feeds (sitemap URLs): the next run fetches their pages."""
    _load(con, settings, {"entries": _table("entries", rows)}, ["entries"])
    return len(rows)


def pending_tasks(con: duckdb.DuckDBPyConnection, settings: Settings, *,
                  feed_ids: Sequence[str] | None = None,
                  since: datetime | None = None, until: datetime | None = None) -> list[PageTask]:
    """Article pages linked from entries that are not loaded yet and not given up on."""
    return _tasks(con.execute(sql(settings, "load/pending_tasks"), {
        "max_attempts": settings.max_attempts, "feed_ids": list(feed_ids) if feed_ids else None,
        "since": since, "until": until}).fetchall())


def refetch_tasks(con: duckdb.DuckDBPyConnection, settings: Settings, *,
                  feed_ids: Sequence[str] | None = None,
                  since: datetime | None = None, until: datetime | None = None) -> list[PageTask]:
    """Loaded articles to fetch again, by the link their feed gave."""
    return _tasks(con.execute(sql(settings, "load/refetch_tasks"), {
        "feed_ids": list(feed_ids) if feed_ids else None, "since": since, "until": until,
    }).fetchall())


def _tasks(rows: Iterable[tuple[Any, ...]]) -> list[PageTask]:
    """PageTasks from (link, feed_id, title, published_at, authors, language[, warc_file,
    warc_offset]) rows."""
    return [PageTask(article_id=article_id(r[0]), url=normalise_url(r[0]), link=r[0], feed_id=r[1],
                     title=r[2], published_at=r[3], authors=tuple(r[4] or ()), language=r[5],
                     warc_file=r[6] if len(r) > 6 else None, warc_offset=r[7] if len(r) > 7 else None)
            for r in rows]


BATCH_TABLES = ("articles", "classifications", "article_topics", "errors", "resolved", "signatures")
BATCH_LOADS = ("supersede_versions", "article_versions", "article_terms", "articles", "term_weeks",
               "url_aliases", "article_signatures", "classifications", "article_topics", "errors",
               "resolve_errors")


def batch_tables(run_id: str, *, articles: Sequence[Article],
                 classifications: Sequence[Classification], problems: Sequence[Problem],
                 signatures: Sequence[tuple[str, str | None, bytes]] = (),
                 succeeded: Iterable[tuple[str, str]] = (),
                 retry_base: float = 600.0) -> dict[str, pa.Table]:
    """The Arrow tables of one processed batch: what `load_batch` loads, or staging files hold."""
    now = datetime.now(UTC)
    article_rows = []
    for a in articles:
        row = asdict(a)
        row["authors"] = list(a.authors)
        row["last_run_id"] = run_id
        article_rows.append(row)
    return {
        "articles": _table("articles", article_rows),
        "classifications": classifications_table(classifications, now),
        "article_topics": topics_table(classifications),
        "errors": _errors_table(problems, run_id, retry_base),
        "resolved": _table("resolved", [{"stage": s, "target": t} for s, t in succeeded]),
        "signatures": _table("signatures", [{"article_id": a, "content_hash": h, "signature": s}
                                            for a, h, s in signatures]),
    }


def load_batch(con: duckdb.DuckDBPyConnection, settings: Settings,
               tables: dict[str, pa.Table]) -> None:
    """Load one batch in one transaction: versions, terms, articles, aliases, signatures, decisions,
    scores and errors. A text that changed under the same URL becomes a new version; each text
    is written once (the current one in `articles`, superseded ones in `article_versions`)."""
    staged = {n: tables[n].cast(SCHEMAS[n]) for n in BATCH_TABLES}
    fetched = staged["articles"]
    staged["links"] = fetched.select(["link_id", "article_id", "link", "fetched_at"])
    staged["articles"] = latest_per_article(fetched)
    earlier = earlier_observations(fetched, staged["articles"])
    con.register("staging_articles", staged["articles"])
    try:
        fresh = con.execute(sql(settings, "load/new_articles")).fetch_arrow_table()["article_id"]
        fresh = fresh.combine_chunks()
        con.register("staging_known", known(staged["articles"], fresh))
        changed = con.execute(sql(settings, "load/changed_texts")).fetchall()
    finally:
        con.unregister("staging_articles")
        con.unregister("staging_known")
    if changed:
        ids = pa.array([aid for aid, _ in changed], pa.string())
        mine = staged["articles"].filter(pc.is_in(staged["articles"]["article_id"], value_set=ids))
        new_texts = dict(zip(mine["article_id"].to_pylist(), mine["text"].to_pylist(), strict=True))
        diffs = [{"article_id": aid, "diff_words": diff_words(old, new_texts[aid])} for aid, old in changed]
    else:
        diffs = []
    staged["diffs"] = _table("diffs", diffs)
    _load(con, settings, staged, BATCH_LOADS, earlier=earlier, fresh=fresh)


def latest_per_article(articles: pa.Table) -> pa.Table:
    """One row per article id: the latest fetch (two links of a batch can name one canonical
    page). The load statements then insert plain rows, without sorting the batch's texts."""
    ids = articles["article_id"]
    if len(ids) == pc.count_distinct(ids).as_py():
        return articles
    order = pc.sort_indices(articles, [("article_id", "ascending"), ("fetched_at", "descending")])
    ordered = articles.take(order)
    ids = ordered["article_id"]
    first = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    keep = pa.concat_arrays([pa.array([True]), *first.fill_null(True).chunks])
    return ordered.filter(keep)


def earlier_observations(fetched: pa.Table, latest: pa.Table) -> list[pa.Table]:
    """The fetches of a batch older than their article's latest one, in rounds of one row per
    article, oldest first: two captures of a page in one batch are two observations, loaded in
    time order before the latest, as if they had come in batches of their own."""
    if len(fetched) == len(latest):
        return []
    order = pc.sort_indices(fetched, [("article_id", "ascending"), ("fetched_at", "ascending")])
    rows = fetched.take(order).to_pylist()
    rounds: list[list[dict[str, Any]]] = []
    rank = 0
    for i, row in enumerate(rows):
        rank = 0 if i == 0 or rows[i - 1]["article_id"] != row["article_id"] else rank + 1
        last = i + 1 == len(rows) or rows[i + 1]["article_id"] != row["article_id"]
        if not last:
            while len(rounds) <= rank:
                rounds.append([])
            rounds[rank].append(row)
    return [pa.Table.from_pylist(r, schema=fetched.schema) for r in rounds]


def merge_batches(batches: Sequence[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """Several processed batches as one (the loader commits them in one transaction)."""
    return {name: pa.concat_tables([b[name].cast(SCHEMAS[name]) for b in batches])
            for name in BATCH_TABLES}


def save_classifications(con: duckdb.DuckDBPyConnection, settings: Settings,
                         decisions: Sequence[Classification]) -> None:
    """Decisions of one classifier version, now their articles' current ones; the other versions'
    rows stay, no longer current (migration 027)."""
    staged = {"classifications": classifications_table(decisions, datetime.now(UTC)),
              "article_topics": topics_table(decisions)}
    _load(con, settings, staged, ["classifications", "article_topics"])


def diff_words(old: str | None, new: str | None) -> int:
    """Words added plus words removed between two texts."""
    a, b = (old or "").split(), (new or "").split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return (len(a) - same) + (len(b) - same)


#: Rows at the end of a table that `fresh_rows` reads first; four times as many each time after.
FRESH_WINDOW = 16_384


def fresh_rows(con: duckdb.DuckDBPyConnection, settings: Settings, table: str,
               window: int = FRESH_WINDOW) -> str:
    """For a publish: the condition that bounds a read of the rows its fresh articles have in the
    writer's `table` (`rowid >= N`, N where they start: sql/publish/fresh_from.sql), or `false`
    when the table holds none. Loads append them, so such a read skips the rest of the table.

    N is looked for in the table's last `window` rows, then four times as many, and so on: a row
    there of an article the publish does not carry (no load wrote it since the last publish) was
    in the table before any row a load appended since, so every fresh row lies after it, in the
    rows read. Reading every stored id instead cost 0.85 s a publish at a million articles
    (docs/performance.md, ninth session)."""
    name = quote_ident(table)
    (total,) = con.execute(sql(settings, "publish/table_rows").format(table=name)).fetchone() or (0,)
    query = sql(settings, "publish/fresh_from")
    while True:
        start = max(0, int(total) - window)
        first, bounded = con.execute(query.format(table=name, start=start)).fetchone() or (None, True)
        if bounded or start == 0:
            return f"rowid >= {int(first)}" if first is not None else "false"
        window *= 4


def cluster_scope(con: duckdb.DuckDBPyConnection, settings: Settings, since: datetime | None,
                  until: datetime | None, *, full: bool = False) -> None:
    """Note the window of articles published in [since, until) to cluster, and which of its texts
    are fresh (all of them when `full`), in the connection's temporary `cluster_scope` table."""
    con.execute(sql(settings, "load/cluster_scope"), {"since": since, "until": until, "full": full})


def cluster_fresh(con: duckdb.DuckDBPyConnection, settings: Settings,
                  ) -> list[tuple[str, datetime, bytes, str | None]]:
    """The window's fresh texts: article id, published, signature, content hash."""
    return con.execute(sql(settings, "load/cluster_fresh")).fetchall()


def cluster_rest(con: duckdb.DuckDBPyConnection, settings: Settings, rows: int = 20_000,
                 ) -> Iterator[tuple[list[str], list[bytes], list[str | None]]]:
    """The rest of the window, a batch of `rows` at a time: clusters, signatures, content hashes."""
    reader = con.execute(sql(settings, "load/cluster_rest")).fetch_record_batch(rows)
    for batch in reader:
        yield (batch.column("cluster_id").to_pylist(), batch.column("signature").to_pylist(),
               batch.column("content_hash").to_pylist())


def cluster_mates(con: duckdb.DuckDBPyConnection, settings: Settings,
                  clusters: Sequence[str]) -> list[tuple[str, datetime, bytes, str | None, str]]:
    """The texts of the window in `clusters` (stored clusters), as `cluster_fresh` gives them,
    each with its cluster."""
    if not clusters:
        return []
    return con.execute(sql(settings, "load/cluster_mates"), {"clusters": list(clusters)}).fetchall()


def cluster_reps(con: duckdb.DuckDBPyConnection, settings: Settings,
                 clusters: Sequence[str]) -> list[tuple[str, datetime, bytes, str | None]]:
    """The representatives of `clusters` (stored clusters) that the window holds, not fresh, as
    `cluster_fresh` gives texts."""
    if not clusters:
        return []
    return con.execute(sql(settings, "load/cluster_reps"), {"clusters": list(clusters)}).fetchall()


def cluster_counts(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """How many articles the window holds and in how many stories, once clustered."""
    clustered, stories = con.execute(sql(settings, "load/cluster_counts")).fetchone() or (0, 0)
    return {"clustered": int(clustered), "stories": int(stories)}


def save_clusters(con: duckdb.DuckDBPyConnection, settings: Settings,
                  members: Sequence[dict[str, Any]]) -> int:
    """Write the clusters that changed (a row left as it was keeps its `clustered_at`, unless its
    text changed since it was clustered); returns how many were written."""
    con.register("staging_clusters", _table("clusters", members))
    try:
        changed = con.execute(sql(settings, "load/changed_clusters")).fetch_arrow_table()
    finally:
        con.unregister("staging_clusters")
    if changed.num_rows:
        _load(con, settings, {"clusters": changed.cast(SCHEMAS["clusters"])}, ["story_clusters"])
    return changed.num_rows


def classifications_table(items: Sequence[Classification], at: datetime) -> pa.Table:
    return _table("classifications", [
        {"article_id": c.article_id, "classifier_version": c.classifier_version,
         "relevant": c.relevant, "score": c.score, "peace": c.peace, "peace_score": c.peace_score,
         "explanation": json.dumps(c.explanation, ensure_ascii=False), "classified_at": at}
        for c in items])


def topics_table(items: Sequence[Classification]) -> pa.Table:
    return _table("article_topics", [
        {"article_id": c.article_id, "topic_id": topic, "classifier_version": c.classifier_version,
         "score": score, "is_primary": topic == c.primary_topic}
        for c in items for topic, score in c.topic_scores.items()])


def _errors_table(problems: Iterable[Problem], run_id: str, retry_base: float) -> pa.Table:
    """The failures of a batch, each marked retryable or not by its class (pipeline.failures);
    `retry_base` is the first backoff of a retryable failure (doubled per attempt by the load)."""
    now = datetime.now(UTC)
    return _table("errors", [{**asdict(p), "seen_at": now, "run_id": run_id,
                              "retryable": failures.is_retryable(p.error_class),
                              "retry_base": retry_base} for p in problems])


# -- runs --------------------------------------------------------------------------------------

RUN_COUNTS = ("feeds_ok", "feeds_failed", "entries_seen", "entries_new", "pages_fetched",
              "pages_failed", "articles_new", "articles_empty", "on_topic")


def start_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, trigger: str) -> None:
    con.execute(sql(settings, "load/start_run"), {"run_id": run_id, "trigger": trigger})


def finish_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, status: str,
               counts: dict[str, int], stage_seconds: dict[str, float],
               error: str | None = None) -> None:
    con.execute(sql(settings, "load/finish_run"), {
        "run_id": run_id, "status": status, "error": error,
        "stage_seconds": json.dumps({k: round(v, 3) for k, v in stage_seconds.items()}),
        **{c: counts.get(c) for c in RUN_COUNTS},
    })


def fail_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, trigger: str,
             error: str) -> None:
    con.execute(sql(settings, "load/fail_run"), {"run_id": run_id, "trigger": trigger, "error": error})


def mark_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, status: str, note: str) -> bool:
    """A run still `running` here that an operator marked in Airflow takes that `status` and
    `note`; returns whether a row changed."""
    rows = con.execute(sql(settings, "load/mark_run"),
                       {"run_id": run_id, "status": status, "note": note}).fetchall()
    return bool(rows)


# -- reprocessing requests ------------------------------------------------------------------------

def add_request(con: duckdb.DuckDBPyConnection, settings: Settings, *, request_id: str,
                requested_by: str, stage: str, since: datetime | None, until: datetime | None,
                feed_ids: Sequence[str] | None) -> None:
    con.execute(sql(settings, "load/add_request"), {
        "request_id": request_id, "requested_by": requested_by, "stage": stage, "since": since,
        "until": until, "feed_ids": list(feed_ids) if feed_ids else None})


def take_requests(con: duckdb.DuckDBPyConnection, settings: Settings,
                  run_id: str) -> list[tuple[str, str, datetime | None, datetime | None, list[str]]]:
    """Take the requests not yet worked off for `run_id`: (request_id, stage, since, until, feed_ids)."""
    rows = con.execute(sql(settings, "load/open_requests"), {"run_id": run_id}).fetchall()
    return sorted(rows, key=lambda r: r[0])


def close_requests(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    con.execute(sql(settings, "load/close_requests"), {"run_id": run_id})


def count_requests(con: duckdb.DuckDBPyConnection, settings: Settings, counts: dict[str, int]) -> None:
    """Record how many articles each planned request selected (`reprocess_requests.articles`)."""
    if counts:
        con.execute(sql(settings, "load/count_requests"),
                    {"request_ids": list(counts), "articles": list(counts.values())})


def fail_request(con: duckdb.DuckDBPyConnection, settings: Settings, request_id: str, error: str) -> None:
    con.execute(sql(settings, "load/fail_request"), {"request_id": request_id, "error": error})


def request_window(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> datetime | None:
    """How far back the requests taken by `run_id` reach (the window to re-cluster)."""
    row = con.execute(sql(settings, "load/request_window"), {"run_id": run_id}).fetchone()
    return row[0] if row else None


def window_texts(con: duckdb.DuckDBPyConnection, settings: Settings, *, since: datetime | None,
                 until: datetime | None,
                 feed_ids: Sequence[str] | None) -> list[tuple[str, str | None, str | None, datetime | None]]:
    """(article_id, title, text, published_at) of the usable articles in a backfill window."""
    return con.execute(sql(settings, "load/backfill_texts"), {
        "since": since, "until": until, "feed_ids": list(feed_ids) if feed_ids else None}).fetchall()


def known_feeds(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[str]:
    return {r[0] for r in con.execute(sql(settings, "load/known_feeds")).fetchall()}


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def reason(exc: BaseException, settings: Settings) -> str:
    """What went wrong in a statement, in one line; for running out of memory, which limit was
    hit and the setting that raises it."""
    line = _first_line(exc)
    if isinstance(exc, duckdb.OutOfMemoryException) or "Out of Memory" in line:
        line += (f" (DuckDB's memory limit here: {settings.duckdb_memory}, {settings.duckdb_threads or 'all'}"
                 " thread(s); NEWSFLOW_DUCKDB_MEMORY raises it, NEWSFLOW_BACKFILL_DUCKDB_MEMORY for "
                 "ingest-warc and backfill)")
    return line
