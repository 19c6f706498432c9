"""The analysts' store: a DuckLake (Parquet files and a catalog) kept in step with the writer.

The pipeline writes its DuckDB file alone; analysts, the report, search and the Airflow view read
a DuckLake beside it. DuckLake gives readers snapshot isolation: each query reads one committed
snapshot, so a reader never waits for the writer and never sees half a load. A publish copies
only what the loads since the last one wrote (their keys are in `publish_pending`, migration
011), in one DuckLake transaction: new Parquet files for the rows added, delete files for the
rows replaced. Its cost follows the load, not the database.

The catalog is a SQLite file by default (`<db stem>.lake.sqlite`: many reader processes on one
machine) or a Postgres database (`NEWSFLOW_LAKE_CATALOG=postgres:dbname=... host=...`: readers
and writers on several machines, with the Parquet folder on storage they all reach).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import store
from pipeline.config import Settings
from pipeline.errors import DatabaseError

#: Alias of the DuckLake in the writer's connection during a publish.
WRITER_ALIAS = "newsflow_lake"
#: Name readers see it under (`USE newsflow`).
READER_ALIAS = "newsflow"
#: Rows per Parquet row group the DuckLake writes, at most.
LAKE_ROW_GROUP_ROWS = 8192
#: ... in the table of texts, which has its own, small groups: a search reads a hit's text by
#: decompressing the row group that holds it (`fts.texts`). DuckDB writes no group under 2,048
#: rows from SQL; given Arrow batches, it closes a group at the table's byte limit after each
#: batch, so the texts are written a batch of `TEXT_ROW_GROUP_ROWS` at a time (`_insert_texts`).
#: A search at 1M read its ten texts in 155 ms with groups of 512 rows, 257 ms with 2,048; a
#: group-by over all articles took 96 ms against 30 (docs/performance.md, tenth session).
TEXTS = "articles"
TEXT_ROW_GROUP_ROWS = 512
TEXT_ROW_GROUP_BYTES = "1MB"
#: The texts are written in order of article_id, so each row group spans a narrow range of ids
#: and a search finds its hits' rows (sql/search/hit_places.sql) by reading only the groups whose
#: range holds them. Article ids are hashes: written in load order, every group spans them all
#: and each search read every id of the table (1,445,000 articles: 162 ms of a search's 378 at
#: p50; sorted in runs of this size, 58 ms; docs/performance.md, 7 December 2026, evening). A
#: publish's texts, which it holds already, are sorted whole; a whole rebuild streams its texts
#: and sorts a run of this many at a time, holding the run and its sorted copy (about 2 x 90 MB
#: of the benchmark's texts). A lookup reads one group per run.
TEXT_SORT_ROWS = 16_384
#: ... and bytes: the writer holds a row group in memory, and 8,192 unique 5 KB texts are 45 MB,
#: which with its buffers did not fit a backfill's 128 MB (`Settings.long_run`). DuckDB honours
#: it only where insertion order is not kept, so the publishing connection does not keep it (no
#: reader relies on the order of a table's rows).
LAKE_ROW_GROUP_BYTES = "16MB"
#: zstd's level for the DuckLake's Parquet files: 9 keeps the benchmark's texts in 9 % less room
#: than zstd's default (3), written in 0.09 s more a thousand texts (20,000 texts: 41.5 MB in
#: 1.84 s against 45.8 MB in 0.59 s; level 12, 40.7 MB in 5.6 s). Reading is as fast.
LAKE_ZSTD_LEVEL = 9
#: The writer's view that the DuckLake holds as a table with the same rows, kept by each publish
#: for the articles it carries (`carry_report`, sql/publish/report_rows.sql): the base of the
#: report views joins four tables, and as a view it took 3-4 s to read at a million articles, as
#: a table about 1 s.
REPORT = "report_articles"
#: Snapshots kept (one per publish) past which `publish.compact` merges files and expires them.
COMPACT_EVERY = 50
#: How long files of replaced snapshots are kept for readers still on them.
KEEP_SNAPSHOTS = "1 hour"


def catalog(settings: Settings) -> str:
    """The DuckLake connection string of the configured catalog."""
    spec = settings.lake_catalog
    if spec and spec.startswith("postgres:"):
        return f"ducklake:{spec}"
    path = Path(spec) if spec else settings.db.with_name(f"{settings.db.stem}.lake.sqlite")
    return f"ducklake:sqlite:{path.resolve()}"


def catalog_file(settings: Settings) -> Path | None:
    """The SQLite catalog's path (None for a Postgres catalog)."""
    spec = catalog(settings)
    return Path(spec.removeprefix("ducklake:sqlite:")) if spec.startswith("ducklake:sqlite:") else None


def data_path(settings: Settings) -> Path:
    return (settings.lake_data or settings.db.with_name(f"{settings.db.stem}.lake")).resolve()


def extension_dir() -> Path:
    """The folder the `duckdb-ext-*` wheels unpack their extensions into."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError("the duckdb-ext-* packages are not installed: the analysts' store needs them")
    return Path(next(iter(spec.submodule_search_locations))) / "extensions"


def load_extensions(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load ducklake and the catalog's scanner from the installed wheels; never download."""
    folder = extension_dir()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET extension_directory = ?", [str(folder)])
    scanner = "postgres_scanner" if catalog(settings).startswith("ducklake:postgres:") else "sqlite_scanner"
    for name in ("ducklake", scanner):
        try:
            con.execute(f"LOAD {name}")
        except duckdb.Error as exc:
            raise DatabaseError(f"{folder}: cannot load the {name} extension: "
                                f"{str(exc).splitlines()[0]}") from None


def _text_groups(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Give the DuckLake's table of texts its own row-group size (`TEXT_ROW_GROUP_ROWS`, and
    `TEXT_ROW_GROUP_BYTES`) for what is written to it from now on, once the table exists (DuckLake
    refuses a table's option in the transaction that creates it: `rebuild` sets the global ones
    around its copy)."""
    scoped = con.execute(store.sql(settings, "publish/text_groups")).fetchone()
    if scoped and scoped[0] and scoped[1] != str(TEXT_ROW_GROUP_ROWS):
        _groups(con, TEXT_ROW_GROUP_ROWS, TEXT_ROW_GROUP_BYTES, table=TEXTS)


def _groups(con: duckdb.DuckDBPyConnection, rows: int, size: str, *, table: str | None = None) -> None:
    """Set the DuckLake's row-group sizes (`rows`, `size` in bytes): for `table` alone, or for
    every table without its own."""
    scope = "" if table is None else f", table_name => {store.quote_literal(table)}"
    con.execute(f"CALL {WRITER_ALIAS}.set_option('parquet_row_group_size', {rows:d}{scope})")
    con.execute(f"CALL {WRITER_ALIAS}.set_option('parquet_row_group_size_bytes', "
                f"{store.quote_literal(size)}{scope})")


def _by_id(rows: pa.RecordBatchReader, run: int = TEXT_SORT_ROWS) -> Iterator[pa.RecordBatch]:
    """The rows in runs of `run` sorted by article_id, in batches of `TEXT_ROW_GROUP_ROWS`."""
    def sorted_run(held: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
        return pa.Table.from_batches(held).sort_by("article_id").to_batches(TEXT_ROW_GROUP_ROWS)

    held: list[pa.RecordBatch] = []
    count = 0
    for batch in rows:
        held.append(batch)
        count += batch.num_rows
        if count >= run:
            yield from sorted_run(held)
            held, count = [], 0
    if held:
        yield from sorted_run(held)


def _insert_texts(con: duckdb.DuckDBPyConnection, rows: pa.RecordBatchReader,
                  run: int = TEXT_SORT_ROWS) -> None:
    """Insert the table of texts' rows into the DuckLake a batch of `TEXT_ROW_GROUP_ROWS` at a time,
    so that each batch closes a row group (its byte limit is under a batch of texts), in runs of
    `run` rows sorted by article_id."""
    sorted_rows = pa.RecordBatchReader.from_batches(rows.schema, _by_id(rows, run))
    con.register("newsflow_text_rows", sorted_rows)
    try:
        con.execute(f"INSERT INTO {WRITER_ALIAS}.{TEXTS} BY NAME SELECT * FROM newsflow_text_rows")
    finally:
        con.unregister("newsflow_text_rows")


def exists(settings: Settings) -> bool:
    """Whether a publish has made the DuckLake (always assumed for a Postgres catalog)."""
    path = catalog_file(settings)
    return path is None or path.exists()


def attach(con: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool) -> None:
    """Attach the DuckLake: read-write as `newsflow_lake` (the publisher), read-only as `newsflow`."""
    load_extensions(con, settings)
    spec = store.quote_literal(catalog(settings))
    try:
        if read_only:
            con.execute(f"ATTACH {spec} AS {READER_ALIAS} (READ_ONLY)")
        else:
            folder = data_path(settings)
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(f"ATTACH {spec} AS {WRITER_ALIAS} "
                        f"(DATA_PATH {store.quote_literal(str(folder) + '/')})")
            con.execute(f"CALL {WRITER_ALIAS}.set_option('parquet_compression', 'zstd')")
            con.execute(f"CALL {WRITER_ALIAS}.set_option('parquet_compression_level', {LAKE_ZSTD_LEVEL})")
            # the Parquet writer holds a whole row group in memory: at DuckDB's default
            # (122,880 rows) that is 700 MB of article text, past NEWSFLOW_DUCKDB_MEMORY
            con.execute("SET preserve_insertion_order = false")
            _groups(con, LAKE_ROW_GROUP_ROWS, LAKE_ROW_GROUP_BYTES)
            _text_groups(con, settings)
    except duckdb.Error as exc:
        raise DatabaseError(f"{catalog(settings)}: cannot attach the analysts' DuckLake: "
                            f"{str(exc).splitlines()[0]}") from None


@contextmanager
def reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that reads the published DuckLake, with its tables and views as the default
    schema (`SELECT * FROM report_source_volume` works as on the writer's file)."""
    if not exists(settings):
        raise DatabaseError(f"{catalog(settings)}: no snapshot published yet "
                            "(run 'newsflow run' or 'newsflow publish')")
    con = duckdb.connect()
    try:
        store.session(con)
        # a notebook fetching the articles' texts as Arrow or pandas passes 2 GB of text past
        # about 400,000 articles: large string buffers hold it (measured at 1M)
        con.execute("SET arrow_large_buffer_size = true")
        # Parquet footers read once per connection: a search reads the texts' files twice, and
        # their footers are large (groups of TEXT_ROW_GROUP_ROWS); DuckLake's files never change
        con.execute("SET parquet_metadata_cache = true")
        attach(con, settings, read_only=True)
        con.execute(f"USE {READER_ALIAS}")
        yield con
    finally:
        con.close()


def tables(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, str]:
    """The writer's tables and how a publish carries each: 'article', 'cluster', 'entry', 'error',
    'poll', 'week' or 'whole' (sql/publish/tables.sql)."""
    return dict(con.execute(store.sql(settings, "publish/tables")).fetchall())


#: The first line of a migration that changes none of the DuckLake's tables or views (it only
#: drops the writer's keys, say): it does not make the DuckLake stale.
LAKE_UNCHANGED = "-- lake: unchanged"
#: The first line of a migration that changes views alone: the next publish recreates the
#: DuckLake's views in the snapshot it makes, and copies no table whole.
LAKE_VIEWS = "-- lake: views"


def behind(con: duckdb.DuckDBPyConnection, settings: Settings) -> str | None:
    """How far the DuckLake's copy of the schema is behind the writer's: 'tables' when it must be
    built whole (it is new, or a migration changed the tables), 'views' when only migrations of
    views came since its last snapshot (`LAKE_VIEWS`), None when it is current. Migrations marked
    `LAKE_UNCHANGED` are not counted."""
    firsts = {path.stem: path.read_text(encoding="utf-8").partition("\n")[0]
              for path in store.migration_files(settings.sql_dir)}
    unchanged = [name for name, line in firsts.items() if line.startswith(LAKE_UNCHANGED)]
    views = [name for name, line in firsts.items() if line.startswith(LAKE_VIEWS)]
    if _behind(con, settings, unchanged + views):
        return "tables"
    return "views" if _behind(con, settings, unchanged) else None


def _behind(con: duckdb.DuckDBPyConnection, settings: Settings, uncounted: list[str]) -> bool:
    """Whether the DuckLake's copy of the schema is behind the writer's, the migrations
    `uncounted` aside (True when the DuckLake has none yet)."""
    query = store.sql(settings, "publish/version")
    mine = con.execute(query.format(db="main"), {"unchanged": uncounted}).fetchone()
    try:
        theirs = con.execute(query.format(db=WRITER_ALIAS), {"unchanged": uncounted}).fetchone()
    except duckdb.CatalogException:
        return True
    return mine != theirs


def rebuild(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Build the DuckLake whole from the writer (the first publish, and after a migration of the
    tables): every table copied and every view recreated, in one transaction."""
    kinds = tables(con, settings)
    views = con.execute(store.sql(settings, "publish/views")).fetchall()
    con.execute("BEGIN")
    try:
        for kind, name in con.execute(store.sql(settings, "publish/lake_objects")).fetchall():
            con.execute(f"DROP {kind} {WRITER_ALIAS}.{name}")
        for name in kinds:
            if name != TEXTS:
                con.execute(f"CREATE TABLE {WRITER_ALIAS}.{name} AS SELECT * FROM main.{name}")
                continue
            # the texts stream from a second connection, a batch at a time, under the global options
            # for their groups (the table's own cannot be set before the transaction ends)
            con.execute(f"CREATE TABLE {WRITER_ALIAS}.{name} AS SELECT * FROM main.{name} LIMIT 0")
            _groups(con, TEXT_ROW_GROUP_ROWS, TEXT_ROW_GROUP_BYTES)
            writer = store.quote_ident(str(_one(con, "SELECT current_database()")))
            reading = con.cursor()
            try:
                _insert_texts(con, reading.execute(f"SELECT * FROM {writer}.main.{name}")
                              .fetch_record_batch(TEXT_ROW_GROUP_ROWS))
            finally:
                reading.close()
            _groups(con, LAKE_ROW_GROUP_ROWS, LAKE_ROW_GROUP_BYTES)
        _build_report(con, settings)
        _create_views(con, [(name, text) for name, text in views if name != REPORT])
        con.execute("COMMIT")
        _text_groups(con, settings)
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise DatabaseError(f"{catalog(settings)}: cannot build the analysts' DuckLake: "
                            f"{store.reason(exc, settings)}") from None


def carry_report(con: duckdb.DuckDBPyConnection, settings: Settings, bounds: Mapping[str, str]) -> None:
    """Fill the connection's temporary `carried_report` table with the `REPORT` rows of the
    articles `publishing` carries (sql/publish/carried_report.sql), reading the fresh ones' rows
    where `bounds` says they start (`store.fresh_rows`, by table). The DuckLake's table gets
    them, and so do the search documents (sql/publish/search_docs.sql)."""
    read = ("articles", "classifications", "article_topics")
    con.execute(store.sql(settings, "publish/carried_report").format(
        **{name: bounds.get(name) or store.fresh_rows(con, settings, name) for name in read}))


def _build_report(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Build the DuckLake's `REPORT` table whole from the writer's view (replacing what the
    DuckLake holds under its name: the table, or the view a DuckLake older than it held)."""
    for kind, name in con.execute(store.sql(settings, "publish/lake_objects")).fetchall():
        if name == REPORT:
            con.execute(f"DROP {kind} {WRITER_ALIAS}.{REPORT}")
    con.execute(f"CREATE TABLE {WRITER_ALIAS}.{REPORT} AS SELECT * FROM main.{REPORT}")


def _create_views(con: duckdb.DuckDBPyConnection, views: list[tuple[str, str]]) -> None:
    """Create the writer's views in the DuckLake, each after those it reads (retrying those
    whose inputs are missing)."""
    home = con.execute("SELECT current_database()").fetchone()
    con.execute(f"USE {WRITER_ALIAS}")
    try:
        waiting = list(views)
        while waiting:
            failed = []
            for name, text in waiting:
                try:
                    con.execute(text)
                except duckdb.CatalogException:
                    failed.append((name, text))
            if len(failed) == len(waiting):
                raise DatabaseError(f"cannot recreate the views {[n for n, _ in failed]} in the DuckLake")
            waiting = failed
    finally:
        # quoted: a database named by its file's stem may hold a '-' (bench-10000.duckdb)
        con.execute(f"USE {store.quote_ident(home[0]) if home else 'memory'}")


def through(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """The highest `publish_pending` number the DuckLake's snapshot holds (migration 014; -1 when
    none): fresh keys numbered above it have never been published."""
    try:
        row = con.execute(store.sql(settings, "publish/lake_through")).fetchone()
    except duckdb.CatalogException:
        return -1
    return int(row[0]) if row else -1


def apply(con: duckdb.DuckDBPyConnection, settings: Settings, *, views: bool = False) -> dict[str, str]:
    """Carry what `publishing` holds into the DuckLake, in one transaction (one new snapshot);
    `views`: recreate every view there too, in the same snapshot (a migration changed them).
    Rows are deleted only for articles the DuckLake may hold: a delete scans the ids of a whole
    table, and a load of new articles has nothing to delete. Tables keyed by week (the weekly
    term counts) have the weeks the loads recounted replaced, story_clusters the rows that
    re-clustering changed, entries the entries the polls saw and errors the errors the loads
    wrote or closed, in the same snapshot; a kind with no key is not touched. The `REPORT` table
    gets the carried articles' rows (built whole instead after a migration of views or a change
    to the feeds); `carried_report` is left for the search index (`carry_report`). Returns where the
    fresh articles' rows start in each article table it read (`store.fresh_rows`), for the
    search index to read them there too."""
    kinds = tables(con, settings)
    bounds: dict[str, str] = {}
    carried = {kind: (keys, held) for kind, keys, held in
               con.execute(store.sql(settings, "publish/carried_kinds")).fetchall()}
    stale = carried.get("article", (0, 0))[1] > 0
    held = {name: kind for kind, name in con.execute(store.sql(settings, "publish/lake_objects")).fetchall()}
    report_whole = views or held.get(REPORT) != "TABLE" or bool(
        _one(con, store.sql(settings, "publish/report_stale")))
    con.execute("BEGIN")
    try:
        for name, kind in kinds.items():
            if kind == "article" and stale:
                con.execute(store.sql(settings, "publish/article_delete").format(table=name))
            if kind != "whole" and kind not in carried:
                continue
            statement = {"article": "article_rows", "cluster": "cluster_rows", "entry": "entry_rows",
                         "error": "error_rows", "poll": "poll_rows", "week": "week_rows",
                         "whole": "whole_table"}[kind]
            # where the fresh articles' rows start: only worth reading when articles are carried
            fresh = "false"
            if kind == "article" and "article" in carried:
                fresh = bounds[name] = store.fresh_rows(con, settings, name)
            query = store.sql(settings, f"publish/{statement}").format(table=name, fresh=fresh)
            if kind != "article":
                con.execute(query)
            elif name == TEXTS:  # held whole: a load's texts, sorted as one run
                held = con.execute(query).fetch_arrow_table()
                _insert_texts(con, held.to_reader(max_chunksize=TEXT_ROW_GROUP_ROWS),
                              run=max(held.num_rows, 1))
            else:
                con.execute(f"INSERT INTO {WRITER_ALIAS}.{name} BY NAME {query}")
        if views:
            for kind, name in con.execute(store.sql(settings, "publish/lake_objects")).fetchall():
                if kind == "VIEW":
                    con.execute(f"DROP VIEW {WRITER_ALIAS}.{name}")
        if "article" in carried:
            carry_report(con, settings, bounds)
        if report_whole:
            _build_report(con, settings)
        elif "article" in carried:
            if stale:
                con.execute(store.sql(settings, "publish/report_delete"))
            con.execute(store.sql(settings, "publish/report_rows"))
        if views:
            views_now = con.execute(store.sql(settings, "publish/views")).fetchall()
            _create_views(con, [(name, text) for name, text in views_now if name != REPORT])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise DatabaseError(f"{catalog(settings)}: cannot publish to the analysts' DuckLake: "
                            f"{store.reason(exc, settings)}") from None
    return bounds


def _one(con: duckdb.DuckDBPyConnection, query: str) -> object:
    row = con.execute(query).fetchone()
    return row[0] if row else None


def compact(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Merge the small files of many publishes and drop the files of long-replaced snapshots. The
    texts' short runs are written again sorted (`sort_short_runs`) instead of merged: DuckLake's
    merge keeps each file's row groups as they are, so a merged file of small publishes would
    still hold a group per publish spanning every id."""
    sort_short_runs(con, settings)
    for kind, name in con.execute(store.sql(settings, "publish/lake_objects")).fetchall():
        if kind == "TABLE" and name != TEXTS:
            con.execute(f"CALL ducklake_merge_adjacent_files('{WRITER_ALIAS}', '{name}')")
    con.execute(f"CALL ducklake_expire_snapshots('{WRITER_ALIAS}', "
                f"older_than => now() - INTERVAL '{KEEP_SNAPSHOTS}')")
    con.execute(f"CALL ducklake_cleanup_old_files('{WRITER_ALIAS}', "
                f"older_than => now() - INTERVAL '{KEEP_SNAPSHOTS}')")


def sort_short_runs(con: duckdb.DuckDBPyConnection, settings: Settings, limit: int | None = None) -> int:
    """Write the texts of the DuckLake's short runs again as one run sorted by article_id, in one
    snapshot; returns how many rows moved. A short run is a file of fewer than `limit` rows, as a
    publish of a few articles writes (an event-driven run's): its one row group spans nearly
    every id, so a search's lookup read a group of each, one per publish. Files are taken
    shortest first while they add up to `limit` rows (default `TEXT_SORT_ROWS`; it holds them and
    their sorted copy, about 2 x 90 MB of the benchmark's texts); what is left waits for the next
    compaction. A run it writes is short too, and is sorted again with later ones while they fit
    in `limit` rows, so runs grow to between half and all of `limit` rows."""
    limit = limit or TEXT_SORT_ROWS
    taken: list[str] = []
    rows = 0
    short = con.execute(store.sql(settings, "publish/short_text_runs"), {"rows": limit}).fetchall()
    for filename, n in short:
        if taken and rows + n > limit:
            break
        taken.append(filename)
        rows += n
    if len(taken) < 2:  # one file is one sorted run already
        return 0
    con.execute("BEGIN")
    try:
        con.execute(store.sql(settings, "publish/take_texts"), {"files": taken})
        con.execute(store.sql(settings, "publish/drop_texts"))
        held = con.execute("SELECT * EXCLUDE (newsflow_row_id) FROM newsflow_short_runs").fetch_arrow_table()
        _insert_texts(con, held.to_reader(max_chunksize=TEXT_ROW_GROUP_ROWS), run=max(held.num_rows, 1))
        con.execute("DROP TABLE newsflow_short_runs")
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    return held.num_rows


def snapshots(con: duckdb.DuckDBPyConnection) -> int:
    """How many snapshots the DuckLake keeps (a publish makes one; compacting expires old ones)."""
    row = con.execute(f"SELECT count(*) FROM ducklake_snapshots('{WRITER_ALIAS}')").fetchone()
    return int(row[0] or 0) if row else 0
