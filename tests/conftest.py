"""Shared fixtures: the bundled sample served on 127.0.0.1, a fresh DuckDB file per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

# Airflow reads its home at import: give the test session its own, before anything imports it.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="newsflow-airflow-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "plugins")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"  # the REST API test needs no login
# two bundles: the project's DAGs, and the test DAGs in tests/dags (which import dags/newsflow_tasks.py)
_LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps([
    {"name": "dags-folder", "classpath": _LOCAL_BUNDLE,
     "kwargs": {"path": os.environ["AIRFLOW__CORE__DAGS_FOLDER"]}},
    {"name": "test-dags", "classpath": _LOCAL_BUNDLE,
     "kwargs": {"path": str(Path(__file__).resolve().parent / "dags")}},
])
os.environ["NEWSFLOW_TASK_RETRIES"] = "0"  # a failing task fails the test at once
os.environ["NEWSFLOW_ALLOW_HOSTS"] = "127.0.0.1"  # every test server is local: past the address guard
os.environ["NEWSFLOW_PER_HOST_DELAY"] = "0"  # one local host serves everything: no politeness wait
os.environ["NEWSFLOW_ARCHIVE_DIR"] = tempfile.mkdtemp(prefix="newsflow-archive-")

from pipeline import store  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.sample.server import FEEDS, serve  # noqa: E402
from pipeline.sample.server import sample_feeds as _sample_feeds  # noqa: E402
from pipeline.sources import FeedSource  # noqa: E402


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """A migrated Airflow metadata database (SQLite) in the session's AIRFLOW_HOME."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ)
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def sample_base() -> Iterator[str]:
    """Base URL of the sample site, served for the whole test session."""
    with serve() as base:
        yield base


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a test: its own database and staging area, short timeouts."""
    return Settings(db=tmp_path / "news.duckdb", staging_dir=tmp_path / "staging",
                    feeds_file=tmp_path / "feeds.yaml", read_timeout=2.0, connect_timeout=2.0, deadline=2.0,
                    batch_size=4, allow_hosts=["127.0.0.1"], per_host_delay=0.0,
                    archive_dir=tmp_path / "archive")


@pytest.fixture
def sample_feeds(sample_base: str) -> list[FeedSource]:
    return _sample_feeds(sample_base)


def write_sample_feeds(folder: Path, sample_base: str) -> Path:
    """The sample feed list written out with the server's address, as a user's file would be."""
    data = yaml.safe_load(FEEDS.read_text(encoding="utf-8"))
    for feed in data["feeds"]:
        feed["url"] = feed["url"].replace("{base}", sample_base)
    path = folder / "feeds.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def sample_feeds_file(tmp_path: Path, sample_base: str) -> Path:
    return write_sample_feeds(tmp_path, sample_base)


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def duplicate_ids(db: Path) -> list[tuple]:
    """The keys stored twice in the database (the project's check, sql/checks/duplicate_ids.sql)."""
    check = Path(__file__).resolve().parent.parent / "sql" / "checks" / "duplicate_ids.sql"
    return query(db, check.read_text(encoding="utf-8"))


#: Columns later migrations added, and the views that read them, by migration: a database
#: "migrated before" an earlier one held none of them, and its migrations (re-run by a test) know
#: none of them.
ADDED = {27: ((("classifications", "is_current"), ("article_topics", "is_current")),
              ("current_classifications", "current_article_topics")),
         28: ((("reprocess_requests", "error"),), ()),
         29: ((("labels", "topic_id"),), ("current_labels",))}


def forget_migrations(con: duckdb.DuckDBPyConnection, first: int, *, only: bool = False,
                      undo: tuple[int, ...] | None = None) -> None:
    """Make the open database look migrated before `first` (or, `only`, before `first` alone):
    forget those migrations, and undo the later ones that added columns (`undo`: those whose
    columns the re-run would meet; default all): the columns dropped, the views that read them as
    the migrations before left them, forgetting those too, so the next open applies them again."""
    files = store.migration_files(Settings().sql_dir)
    later = [v for v in ADDED if v >= first and (undo is None or v in undo)]
    for version in later:
        columns, views = ADDED[version]
        for table, column in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")
        for view in views:
            statement = f"CREATE OR REPLACE VIEW {view} AS"
            text = next(f.read_text(encoding="utf-8") for f in reversed(files)
                        if int(f.name[:3]) < version and statement in f.read_text(encoding="utf-8"))
            start = text.index(statement)
            con.execute(text[start:text.index(";\n", start) + 1])
    forgotten = [first, *later] if only else [*range(first, 1000)]
    con.execute("DELETE FROM schema_migrations WHERE list_contains($v, version)", {"v": forgotten})


def unkeyed_by_migrations(settings: Settings, keys: dict[str, str], versions: tuple[int, ...],
                          undo: tuple[int, ...] | None = None) -> bool:
    """Give the tables of `keys` ({table: key columns}) their primary keys back and forget the
    migrations `versions`, as a database migrated before them held the tables; then open it, which
    applies them again. Whether the keys were there before and gone after."""
    keyed = "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    with store.open_db(settings) as con:
        for table, key in keys.items():
            con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})")
        for version in versions:
            forget_migrations(con, version, only=True, undo=undo)
    before = {r[0] for r in query(settings.db, keyed)}
    with store.open_db(settings):
        pass
    after = {r[0] for r in query(settings.db, keyed)}
    return before >= set(keys) and after.isdisjoint(keys)


def counts(db: Path) -> dict[str, int]:
    tables = ["feeds", "entries", "articles", "topics", "classifications", "article_topics", "errors"]
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_base: str) -> Settings:
    """One run of the whole chain over the sample, shared by the analysts' tests: read it, never
    write to it (copy the file first)."""
    from pipeline import run as chain

    folder = tmp_path_factory.mktemp("sample-db")
    settings = Settings(db=folder / "news.duckdb", staging_dir=folder / "staging",
                        feeds_file=folder / "feeds.yaml", read_timeout=2.0, connect_timeout=2.0,
                        deadline=2.0, batch_size=4, allow_hosts=["127.0.0.1"], per_host_delay=0.0,
                        archive_dir=folder / "archive")
    chain.run(settings, _sample_feeds(sample_base), trigger="test")
    return settings


@pytest.fixture(scope="module")
def stop_worker_pool() -> Iterator[None]:
    """Stop this process's worker pool after a module that used it."""
    yield
    from pipeline import workers

    workers.shutdown()
