"""Reads during loads: the writer's file is copied to a read-only snapshot after each load.

The pipeline writes `data/newsflow.duckdb`; analysts, the report, search and the Airflow view
read `data/newsflow.read.duckdb` (Settings.snapshot_db). `publish` copies the checkpointed
writer file, while holding its write lock, to a temporary file in the snapshot's folder, builds
the full-text index there, fsyncs it and renames it over the snapshot with `os.replace`. The
rename is atomic: a reader that opens the snapshot gets the whole old file or the whole new one,
and one that has it open keeps reading its old inode until it closes. So a query never meets the
writer's lock and never sees half a load. The price is a full copy per publish (seconds for a
GB on a local disk), and that readers lag the writer by one load.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline import fts, store
from pipeline.config import Settings
from pipeline.errors import DatabaseError


def snapshot_path(settings: Settings) -> Path:
    """Where readers find the published copy."""
    return settings.snapshot_db or settings.db.with_name(f"{settings.db.stem}.read{settings.db.suffix}")


def publish(settings: Settings) -> Path:
    """Refresh the full-text index and publish a read-only snapshot of the database atomically.
    Call it after each committed load; returns the snapshot's path."""
    target = snapshot_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with store.open_db(settings) as con:
            # every committed write is in the main file after a checkpoint; holding the
            # connection keeps other writers out while the bytes are copied
            con.execute("CHECKPOINT")
            shutil.copyfile(settings.db, temp)
        with store.connect(temp) as con:
            fts.refresh_index(con, settings)
            con.execute("CHECKPOINT")
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except OSError as exc:
        raise DatabaseError(f"{target}: cannot publish the snapshot: {exc}") from None
    finally:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)
    return target


@contextmanager
def read(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published snapshot (with fts loaded)."""
    path = snapshot_path(settings)
    if not path.exists():
        raise DatabaseError(f"{path}: no snapshot published yet (run 'newsflow run' or 'newsflow publish')")
    with store.connect(path, read_only=True) as con:
        fts.load(con)
        yield con


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
