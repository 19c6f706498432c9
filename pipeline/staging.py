"""Batch files between processes: a processed batch as Parquet files in its own folder.

Parallel workers cannot share the DuckDB file's single write lock, so each writes its batch here
and one loader merges the folders. A folder appears atomically (written under a temporary name,
then renamed), so the loader never reads half a batch; loading twice is harmless (upserts).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

DONE = "batch.json"


def write_batch(folder: Path, tables: dict[str, pa.Table], meta: dict[str, Any]) -> Path:
    """Write the tables and a metadata file; returns the finished folder."""
    # named for this host and process: on storage shared by several hosts, a retry elsewhere never
    # writes into the folder of a try that is still running
    tmp = folder.with_name(f".{folder.name}.tmp-{socket.gethostname()}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, table in tables.items():
        pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
    (tmp / DONE).write_text(json.dumps(meta, default=str), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)  # a retried task replaces its own earlier output
    tmp.rename(folder)
    return folder


def read_batch(folder: Path) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    meta = json.loads((folder / DONE).read_text(encoding="utf-8"))
    tables = {p.stem: pq.read_table(p) for p in sorted(folder.glob("*.parquet"))}
    return tables, meta


def finished_batches(root: Path) -> list[Path]:
    """Folders under `root` that hold a complete batch, in name order."""
    if not root.exists():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / DONE).exists())
