"""Publishing: what the loads since the last publish wrote becomes visible to readers, at once.

The pipeline writes its DuckDB file alone. Readers (analysts, the report, search, the Airflow
view) read the DuckLake beside it (`pipeline.lake`) and the search index (`pipeline.fts`). A
publish, holding the writer's lock so no load runs meanwhile:

1. takes the keys noted in `publish_pending` by the loads since the last publish;
2. replaces their rows in the DuckLake in one transaction: one new snapshot, which readers see
   whole or not at all (the first publish, and the first after a migration of the tables, build
   it whole; a migration of views alone has them recreated in the same snapshot);
   articles no publish has carried yet are only added (`fresh`, migration 014);
3. replaces their documents in the search index and commits it;
4. removes the keys it carried. A publish cut short is simply done again by the next one: every
   step replaces by key, so carrying a key twice changes nothing.

Its cost follows what the loads wrote, not the size of the database (bench/store_bench.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import fts, lake, store
from pipeline.config import Settings
from pipeline.errors import DatabaseError


@dataclass(frozen=True)
class Published:
    catalog: str
    articles: int  # articles carried (all of them when `whole`)
    whole: bool


def publish(settings: Settings, *, whole: bool = False) -> Published:
    """Carry the loads since the last publish to the DuckLake and the search index; `whole`
    rebuilds both from the writer (also done by itself on the first publish and after a
    migration of the tables)."""
    with store.open_db(settings) as con:
        try:
            lake.attach(con, settings, read_only=False)
            schema = lake.behind(con, settings)
            # an index an older version built is rebuilt whole (`fts.outdated`), and the DuckLake
            # with it: the one slow publish of an upgrade writes both in this version's layout
            # (the index of 7 December 2026 reads snippets from the DuckLake's small row groups)
            whole = whole or schema == "tables" or fts.outdated(settings)
            views = not whole and schema == "views"
            through = -1 if whole else lake.through(con, settings)
            con.execute(store.sql(settings, "publish/publishing"), {"through": through})
            con.execute(store.sql(settings, "publish/through"), {"through": through})
            ids = [r[0] for r in con.execute(
                store.sql(settings, "publish/carried")).fetchall()]
            fresh: dict[str, str] = {}
            if whole:
                lake.rebuild(con, settings)
            else:
                fresh = lake.apply(con, settings, views=views)
            added = 0  # a publish that carries no article (a poll's entries, say) leaves the index
            if whole or ids or not fts.current(settings):
                added = fts.update(con, settings, ids, everything=whole, fresh=fresh)
            con.execute(store.sql(settings, "publish/drain"))
            # what a publish wrote to the writer (the keys it carried, how far it got) is a few rows:
            # they wait in the write-ahead log for the next load's checkpoint
            store.defer_checkpoint(con, settings.db)
        except duckdb.Error as exc:
            raise DatabaseError(f"{settings.db}: cannot publish: {store.reason(exc, settings)}") from None
    return Published(catalog=lake.catalog(settings), articles=added if whole else len(ids), whole=whole)


def compact(settings: Settings, *, force: bool = False) -> bool:
    """Merge the small files and segments that publishes leave, when enough have piled up (or
    `force`): DuckLake files and expired snapshots, then the index's segments. Kept out of the
    publish, whose cost must follow the load; the news_report DAG runs it after its report.
    Returns whether it compacted."""
    if not lake.exists(settings):
        return False
    with store.open_db(settings) as con:
        try:
            lake.attach(con, settings, read_only=False)
            due = force or lake.snapshots(con) >= lake.COMPACT_EVERY
            due = due or fts.segments(settings) >= fts.MAX_SEGMENTS
            if due:
                lake.compact(con, settings)
                fts.compact(settings)
        except duckdb.Error as exc:
            raise DatabaseError(f"{settings.db}: cannot compact: {str(exc).splitlines()[0]}") from None
    return due


@contextmanager
def read(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published DuckLake (its tables and views by their names)."""
    with lake.reader(settings) as con:
        yield con


def where(settings: Settings) -> Path:
    """What readers open: the DuckLake's SQLite catalog, or the data folder of a Postgres one."""
    return lake.catalog_file(settings) or lake.data_path(settings)
