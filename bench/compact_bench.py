"""Benchmark: a search's lookup of its hits' rows after many small publishes, and what compaction
does to it.

The DuckLake's table of texts (`lake.TEXTS`) is written by the lake's own path (`lake._insert_texts`:
runs sorted by article_id, row groups of `lake.TEXT_ROW_GROUP_ROWS`): first a store of
`--articles` texts in runs of `TEXT_SORT_ROWS` (as a whole rebuild writes them), then `--small`
publishes of `--per` texts each (an event-driven run's few articles), each one file whose one
row group spans nearly every id. Article ids are hashes, texts follow the labelled set's word
frequencies (`bench/store_bench.py`'s prose). The same lookup as `sql/search/hit_places.sql` (ten
random ids: file and row of each) is timed `--queries` times:

- after the small publishes;
- after DuckLake's merge of adjacent files alone (the compaction before this change), on a copy;
- after `lake.sort_short_runs` until it has nothing left to sort (what `newsflow compact` does
  to the texts now), on another copy.

Prints p50 / p95 of the lookup, the files of texts, the row groups a lookup's ids fall in and the
compaction's time. Not a test.

    .venv/bin/python bench/compact_bench.py [--articles 300000] [--small 1500] [--per 20]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import machine  # noqa: E402
import pyarrow as pa  # noqa: E402
from store_bench import Prose  # noqa: E402

from pipeline import lake  # noqa: E402
from pipeline.config import Settings  # noqa: E402

#: Words of each text: shorter than the store benchmark's, so that building the store stays quick;
#: a lookup reads the ids alone.
TEXT_WORDS = 120


def article_id(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()[:16]


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.execute(f"ATTACH 'ducklake:{folder}/catalog.ducklake' AS {lake.WRITER_ALIAS} "
                f"(DATA_PATH '{folder}/data', OVERRIDE_DATA_PATH true)")


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET extension_directory = '{lake.extension_dir()}'")
    con.execute("LOAD ducklake")
    con.execute("SET preserve_insertion_order = false")  # as the publishing connection
    attach(con, folder)
    return con


def write(con: duckdb.DuckDBPyConnection, ids: list[str], prose: Prose, run: int) -> None:
    rows = pa.table({"article_id": ids, "text": prose.texts(len(ids), TEXT_WORDS)})
    lake._insert_texts(con, rows.to_reader(max_chunksize=lake.TEXT_ROW_GROUP_ROWS), run=run)


def lookups(con: duckdb.DuckDBPyConnection, ids: list[str], queries: int) -> dict[str, Any]:
    query = (f"SELECT article_id, filename, file_row_number FROM {lake.WRITER_ALIAS}.{lake.TEXTS} "
             "WHERE article_id IN (SELECT unnest($ids))")
    rng = random.Random(7)
    times = []
    for _ in range(queries):
        sample = rng.sample(ids, 10)
        start = time.perf_counter()
        con.execute(query, {"ids": sample}).fetchall()
        times.append(time.perf_counter() - start)
    files = [f for (f,) in con.execute(
        f"SELECT DISTINCT filename FROM {lake.WRITER_ALIAS}.{lake.TEXTS}").fetchall()]
    one = ids[len(ids) // 2]
    spans = con.execute("SELECT count(*) FROM parquet_metadata($files) WHERE path_in_schema = 'article_id' "
                        "AND stats_min <= $id AND $id <= stats_max", {"files": files, "id": one}).fetchone()
    times.sort()
    return {"p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 1),
            "files": len(files), "groups_holding_an_id": spans[0] if spans else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300_000)
    parser.add_argument("--small", type=int, default=1_500, help="small publishes after the store")
    parser.add_argument("--per", type=int, default=20, help="texts per small publish")
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    machine.header()

    prose = Prose(seed=11)
    root = Path(tempfile.mkdtemp(prefix="compact-bench-"))
    built = root / "built"
    con = connect(built)
    con.execute(f"CREATE TABLE {lake.WRITER_ALIAS}.{lake.TEXTS} (article_id VARCHAR, text VARCHAR)")
    con.execute(f"CALL {lake.WRITER_ALIAS}.set_option('parquet_row_group_size', {lake.TEXT_ROW_GROUP_ROWS})")
    con.execute(f"CALL {lake.WRITER_ALIAS}.set_option('parquet_row_group_size_bytes', "
                f"'{lake.TEXT_ROW_GROUP_BYTES}')")
    start = time.perf_counter()
    for first in range(0, args.articles, lake.TEXT_SORT_ROWS):
        ids = [article_id(n) for n in range(first, min(args.articles, first + lake.TEXT_SORT_ROWS))]
        write(con, ids, prose, lake.TEXT_SORT_ROWS)
    for k in range(args.small):
        first = args.articles + k * args.per
        write(con, [article_id(n) for n in range(first, first + args.per)], prose, args.per)
    built_s = time.perf_counter() - start
    print(f"built {args.articles:,} + {args.small:,} x {args.per} texts in {built_s:.0f} s")
    every = [article_id(n) for n in range(args.articles + args.small * args.per)]
    rows = [{"state": "after the small publishes", **lookups(con, every, args.queries), "compaction_s": ""}]
    con.close()

    for name, compact in (("merged (DuckLake's merge alone)", "merge"),
                          ("short runs sorted (sort_short_runs)", "sort")):
        copy = root / compact
        shutil.copytree(built, copy)
        con = connect(copy)
        start = time.perf_counter()
        moved = []
        if compact == "merge":
            con.execute(f"CALL ducklake_merge_adjacent_files('{lake.WRITER_ALIAS}', '{lake.TEXTS}')")
        else:
            while n := lake.sort_short_runs(con, Settings()):
                moved.append(n)
        seconds = round(time.perf_counter() - start, 1)
        rows.append({"state": name + (f", runs of {moved} rows" if moved else ""),
                     **lookups(con, every, args.queries), "compaction_s": seconds})
        con.close()
    machine.table(rows, ["state", "p50_ms", "p95_ms", "files", "groups_holding_an_id", "compaction_s"])
    print(machine.write("compact", {"args": vars(args), "rows": rows}))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
