"""Reads during loads (pipeline/publish.py): a reader process queries the published snapshot in a
loop while a large load runs and publishes; it never meets a lock and never sees half a load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from pipeline import publish, store
from pipeline.config import Settings

BATCHES = 5
PER_BATCH = 3000

# Opens the snapshot read-only again and again, each time counting articles and article
# versions in one query (two tables one load writes together), until the stop file appears.
READER = """
import json, sys, time, duckdb
path, stop, out = sys.argv[1:4]
seen, errors = [], []
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True) as con:
            seen.append(con.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_versions)"
            ).fetchone())
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.01)
json.dump({"seen": seen, "errors": errors}, open(out, "w"))
"""


def synthetic_batch(first: int, n: int) -> dict[str, pa.Table]:
    """n made-up articles, ids first..first+n-1, in the shape `store.load_batch` takes."""
    day = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [{
        "article_id": f"{i:016x}", "link_id": f"{i:016x}", "url": f"http://127.0.0.1/a/{i}",
        "link": f"http://127.0.0.1/a/{i}", "final_url": f"http://127.0.0.1/a/{i}",
        "feed_id": "synthetic", "source_domain": "127.0.0.1", "title": f"Article {i}",
        "authors": [], "published_at": day + timedelta(minutes=i), "date_source": "feed",
        "fetched_at": day, "http_status": 200, "content_type": "text/html", "size_bytes": 2000,
        "fetch_ms": 5.0, "language": "en", "site_name": "Synthetic", "description": None,
        "text": f"Body of article {i}. " + "Words about drones and sanctions. " * 20,
        "word_count": 120, "content_hash": f"{i:064x}", "extraction_status": "ok",
        "extraction_error": None, "last_run_id": "load"} for i in range(first, first + n)]
    empty = {name: store.SCHEMAS[name].empty_table() for name in store.BATCH_TABLES}
    return {**empty, "articles": pa.Table.from_pylist(rows, schema=store.SCHEMAS["articles"])}


def test_a_reader_sees_only_whole_loads_and_no_lock_errors(tmp_path: Path):
    settings = Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging")
    with store.open_db(settings):
        pass
    snapshot = publish.publish(settings)
    assert snapshot == tmp_path / "news.read.duckdb"
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(snapshot), str(stop), str(out)])
    try:
        time.sleep(0.5)
        totals = [0]
        for b in range(BATCHES):
            with store.open_db(settings) as con:
                store.load_batch(con, settings, synthetic_batch(b * PER_BATCH, PER_BATCH))
            publish.publish(settings)
            totals.append((b + 1) * PER_BATCH)
        time.sleep(0.5)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    result = json.loads(out.read_text())
    assert result["errors"] == []
    seen = [tuple(s) for s in result["seen"]]
    # every answer is one committed load's total, articles and their versions alike ...
    assert {s[0] for s in seen} <= set(totals)
    assert all(a == v for a, v in seen)
    # ... and they only ever step forward, from the empty snapshot to the last load
    articles = [s[0] for s in seen]
    assert articles == sorted(articles)
    assert articles[0] == 0 and articles[-1] == totals[-1]
    assert len(set(articles)) >= 3, f"the reader saw too few loads to tell: {sorted(set(articles))}"
    # the writer's file is never the one read, and publishing leaves no temporary files behind
    assert sorted(p.name for p in tmp_path.iterdir() if "duckdb" in p.name) == [
        "news.duckdb", "news.read.duckdb"]
    assert os.stat(snapshot).st_size > 0


def test_the_snapshot_path_is_a_setting(tmp_path: Path):
    settings = Settings(db=tmp_path / "w" / "news.duckdb", snapshot_db=tmp_path / "r" / "analysts.duckdb")
    with store.open_db(settings):
        pass
    assert publish.publish(settings) == tmp_path / "r" / "analysts.duckdb"
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*) FROM report_feed_activity").fetchone() == (0,)
