"""Exports: the result of an analyst's query written as Parquet or CSV by DuckDB's COPY, from
the read-only snapshot (a query that tries to write fails there)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import duckdb

from pipeline import publish, store
from pipeline.config import Settings
from pipeline.errors import NewsflowError

Format = Literal["parquet", "csv"]
FORMATS: dict[str, str] = {"parquet": "FORMAT parquet, COMPRESSION zstd", "csv": "FORMAT csv, HEADER true"}


class ExportError(NewsflowError):
    """The query or the output cannot be exported (a caller's mistake)."""


def format_for(out: Path, fmt: str | None) -> str:
    """The format asked for (any case), else the one the file's extension names, else Parquet."""
    if fmt is not None:
        return fmt.lower()
    return "csv" if out.suffix.lower() == ".csv" else "parquet"


def export(settings: Settings, query: str, fmt: str, out: Path) -> int:
    """Run `query` on the snapshot and write its rows to `out`; returns how many rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose parquet or csv")
    body = query.strip().rstrip(";").strip()
    if not body:
        raise ExportError("empty query")
    if out.is_dir():
        raise ExportError(f"{out}: is a folder: give a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:  # find out before the query runs, so that its error is not taken for the query's
        temp.touch()
    except OSError as exc:
        raise ExportError(f"{out}: cannot write there: {exc.strerror or exc}") from None
    target = store.quote_literal(str(temp))
    try:
        with publish.read(settings) as con:
            row = con.execute(f"COPY ({body}) TO {target} ({FORMATS[fmt]})").fetchone()
        os.replace(temp, out)
    except duckdb.Error as exc:
        raise ExportError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    finally:
        temp.unlink(missing_ok=True)
    return int(row[0]) if row else 0
