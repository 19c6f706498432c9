"""Settings: one validated object, packaged defaults overridden by environment variables.

Every setting can be set as NEWSFLOW_<NAME> in the environment (for example NEWSFLOW_DB,
NEWSFLOW_BATCH_SIZE); the CLI and the DAGs override single fields with `Settings.with_(...)`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline import __version__
from pipeline.errors import ConfigError

#: The repository root: `sql/`, `config/` and `data/` live here.
ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


#: Settings given as comma-separated lists in the environment (NEWSFLOW_ALLOW_HOSTS=a,b:8080).
LIST_FIELDS = frozenset({"allow_hosts"})


class Settings(BaseModel):
    """Everything a run needs to know besides the feed list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db: Path = Field(ROOT / "data" / "newsflow.duckdb", description="DuckDB file")
    feeds_file: Path = Field(ROOT / "config" / "feeds.yaml", description="feed list (YAML)")
    sql_dir: Path = Field(ROOT / "sql", description="migrations and load statements")
    staging_dir: Path = Field(ROOT / "data" / "staging", description="batch files between tasks")
    user_agent: str = Field(
        f"newsflow/{__version__} (+https://github.com/newsflow/newsflow; news research crawler)"
    )
    connect_timeout: float = Field(10.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(20.0, gt=0, description="seconds between bytes")
    deadline: float = Field(60.0, gt=0, description="seconds a whole response may take")
    max_page_bytes: int = Field(8_000_000, gt=0, description="bodies larger than this are refused")
    max_redirects: int = Field(10, ge=0)
    concurrency: int = Field(8, ge=1, description="requests in flight at once")
    batch_size: int = Field(200, ge=1, description="pages per processing batch")
    load_rows: int = Field(
        5000, ge=1, description="articles per load transaction: staged batches are merged up to this")
    publish_rows: int = Field(
        10_000, ge=1, description="articles an ingest-warc or backfill loads between publishes, so "
                                  "each publish is bounded and readers see a long run progress")
    max_attempts: int = Field(3, ge=1, description="fetch attempts per URL across runs")
    classifier: Literal["semantic", "lexical"] = Field(
        "semantic", description="semantic (embeddings + terms) or lexical (terms only, fast)")
    cluster_days: int = Field(14, ge=1, description="days of articles each run re-clusters")
    backfill_stage: Literal["re-fetch", "re-extract", "re-classify"] = Field(
        "re-extract", description="what a scheduled run for a past interval reprocesses")
    lock_wait: float = Field(
        600.0, ge=0, description="seconds a writer waits for another process's write lock")
    extract_workers: int = Field(
        0, ge=0, description="processes extracting pages: 0 = one per CPU, 1 = in-process")
    extract_timeout: float = Field(
        30.0, ge=0, description="seconds one page may take to extract (0 = no limit)")
    duckdb_memory: str = Field(
        "1GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit in the pipeline's connections (it spills to disk past it)")
    backfill_duckdb_memory: str = Field(
        "128MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit in ingest-warc and backfill, which run for hours beside "
                    "the extraction workers: DuckDB keeps every block a load reads up to its limit, "
                    "so a lower one keeps the process from growing with the store")
    duckdb_threads: int = Field(
        0, ge=0, description="DuckDB's threads in the pipeline's connections (0 = one per CPU)")
    backfill_duckdb_threads: int = Field(
        1, ge=0, description="DuckDB's threads in ingest-warc and backfill, whose extraction workers "
                             "already take every CPU: each thread writing Parquet holds a row group "
                             "of text, and two of them did not fit the backfill's memory limit")
    backfill_malloc_arenas: int = Field(
        2, ge=0, description="glibc malloc arenas of the ingest-warc and backfill process (0 = glibc's "
                             "default, eight per CPU): with one per thread, what each thread freed "
                             "stayed in its own arena and the process grew publish after publish")
    search_wait_merges: bool = Field(
        False, description="whether a publish waits for the merges its search-index commit starts "
                           "(ingest-warc and backfill always do); otherwise they are dropped with "
                           "the writer and `compact` merges the segments")
    lake_catalog: str | None = Field(
        None, description="catalog of the DuckLake analysts read, published after each load: a "
                          "SQLite file, or 'postgres:<libpq dsn>' [default: <db stem>.lake.sqlite]")
    lake_data: Path | None = Field(
        None, description="folder of the DuckLake's Parquet files [default: <db stem>.lake/]")
    search_index: Path | None = Field(
        None, description="folder of the full-text index [default: <db stem>.search/]")
    # -- fetching that survives the real web (pipeline.guard, net, polite, archive, feedstate) --
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="hosts (or host:port) exempt from the private-address guard, for local sources")
    max_decoded_bytes: int = Field(
        32_000_000, gt=0, description="decompressed bytes a response may expand to")
    max_compression_ratio: float = Field(
        100.0, gt=1, description="decoded/transferred bytes above this is a decompression bomb")
    per_host_concurrency: int = Field(2, ge=1, description="requests in flight to one host")
    per_host_delay: float = Field(1.0, ge=0, description="seconds between request starts to one host")
    obey_robots: bool = Field(True, description="honour robots.txt for article pages")
    archive_dir: Path = Field(ROOT / "data" / "archive", description="raw responses as gzip WARC")
    archive: bool = Field(True, description="write every fetched response to the WARC archive")
    archive_max_bytes: int = Field(
        100_000_000, gt=0, description="a WARC file is closed and a new one started past this size")
    feed_backoff: float = Field(
        900.0, ge=0, description="seconds a failing feed waits after its first failure (doubles)")
    feed_backoff_max: float = Field(86_400.0, ge=0, description="longest wait of a failing feed")
    feed_disable_after: int = Field(
        20, ge=1, description="consecutive failures after which a feed is disabled")
    respect_feed_hints: bool = Field(
        True, description="wait for a feed's ttl / sy:updatePeriod before polling it again")
    retry_backoff: float = Field(
        600.0, ge=0, description="seconds before a retryable failure is retried (doubles per attempt)")
    # -- the feed watcher (plugins/newsflow_watcher.py) and the DAGs' operating limits --
    watch_min_interval: float = Field(
        300.0, ge=1, description="seconds: the feed watcher polls no feed more often than this "
                                 "(a feed's ttl, sy:updatePeriod, Retry-After or backoff can ask for longer)")
    watch_check_every: float = Field(
        15.0, gt=0, description="seconds between the feed watcher's looks at which feeds are due "
                                "(and at the feed list, for feeds added or disabled)")
    process_settle_max: float = Field(
        1800.0, ge=0, description="seconds a processing run waits for running or queued news_ingest "
                                  "runs (a backfill) to finish, so that it works off their whole queue")
    report_deadline_hours: float = Field(
        3.0, gt=0, description="hours after a news_report run is queued by which it must be done; "
                               "past it, the deadline alert logs and records the miss")
    report_webhook_url: str | None = Field(
        None, description="URL the late-report alert POSTs a JSON message to (e.g. a chat webhook)")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (None values are ignored); a bad value is a one-line
        ConfigError naming the setting."""
        changes = {k: v for k, v in changes.items() if v is not None}
        try:
            return self.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"setting {'.'.join(str(p) for p in err['loc'])}: {err['msg']} "
                              f"(got {err.get('input')!r})") from None

    def overridden(self, overrides: object, source: str) -> Settings:
        """A copy with the fields of `overrides` (a JSON object of settings, as text or already
        parsed; empty or None changes nothing), as Airflow's `newsflow_settings` Variable gives
        them. What is wrong is a one-line ConfigError naming `source`."""
        if overrides is None or overrides == "":
            return self
        if isinstance(overrides, str):
            try:
                overrides = json.loads(overrides)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{source}: not JSON: {exc}") from None
        if not isinstance(overrides, dict):
            raise ConfigError(f"{source}: expected a JSON object of settings, got {type(overrides).__name__}")
        try:
            return self.with_(**overrides)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    def long_run(self) -> Settings:
        """These settings for `ingest-warc` and `backfill`: DuckDB limited to
        `backfill_duckdb_memory` and `backfill_duckdb_threads`, and publishes that wait for the
        search index's merges.

        A load into a 100,000-article store kept 210 MB of the store's blocks under the 1 GB
        limit, so the process grew with the store. At 128 MB a 5,000-article load at 1M articles
        costs about 0.5-1 s more, against the minutes its pages take to extract. A run publishes
        hundreds of times and never compacts: without waiting, every commit past the eighth
        segment began a merge of all the segments piled up since, read them (mapped into this
        process) and threw the result away with the writer (docs/performance.md). Under 128 MB a
        publish of 10,000 articles of unique 5 KB texts ran out of memory with two DuckDB threads,
        each writing a Parquet row group of texts; with one it fits, and the extraction workers
        have the CPUs anyway."""
        return self.with_(duckdb_memory=self.backfill_duckdb_memory,
                          duckdb_threads=self.backfill_duckdb_threads, search_wait_merges=True)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults, overridden by NEWSFLOW_* variables."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = f"NEWSFLOW_{name.upper()}"
            if key in env and env[key] != "":
                values[name] = env[key]
                if name in LIST_FIELDS:  # comma-separated in the environment
                    values[name] = [v.strip() for v in env[key].split(",") if v.strip()]
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise ConfigError(
                f"environment: NEWSFLOW_{field.upper()}: {err['msg']}"
            ) from None
