"""Backfills: process the stored articles of a date window again, one stage of the chain onwards.

- `re-fetch` downloads the pages again (a changed text becomes a new version),
- `re-extract` extracts again from the raw pages kept in the WARC archive, and fetches only the
  pages that were never archived,
- `re-classify` classifies the stored texts again with the current classifier.

Planning reads the database once and cuts the work into batches described by plain JSON; a batch
is processed without the database (the texts a re-classify batch needs are written to a staging
file by the planner) and one loader loads the results, exactly like a daily run. Every load is an
upsert keyed by article id, so running a backfill twice leaves the same rows.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any, Literal

import duckdb
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from warcio.exceptions import ArchiveLoadFailed as ArchiveLoadException

from pipeline import archive, fetch, progress, publish, store
from pipeline import run as chain
from pipeline.classify import Classifier, default_classifier
from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.models import Page, PageTask
from pipeline.sources import FeedSource
from pipeline.urls import stable_id

log = logging.getLogger(__name__)

Stage = Literal["re-fetch", "re-extract", "re-classify"]
STAGES: tuple[Stage, ...] = ("re-fetch", "re-extract", "re-classify")


class Backfill(BaseModel):
    """What to reprocess: a stage, a window [since, until) of publication dates, some sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Stage = "re-extract"
    since: datetime | None = None
    until: datetime | None = None
    feed_ids: tuple[str, ...] = ()
    dry_run: bool = False

    @field_validator("feed_ids", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        """Feed ids as a list, or one string of them separated by commas or spaces (an event's
        extra, a form's lines); blanks around an id and empty ids are dropped."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if isinstance(value, (list, tuple)):
            return tuple(v.strip() if isinstance(v, str) else v for v in value
                         if not (isinstance(v, str) and not v.strip()))
        return value

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day_or_time(cls, value: Any) -> Any:
        """A bare date means midnight UTC of that day; an empty value means an open end."""
        if value in ("", None):
            return None
        if isinstance(value, str) and len(value) == 10:
            value = date.fromisoformat(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, clock(), tzinfo=UTC)
        return value

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Backfill:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(f"the window is empty: since {self.since:%Y-%m-%d %H:%M} is not "
                             f"before until {self.until:%Y-%m-%d %H:%M}")
        return self

    @classmethod
    def parse(cls, values: dict[str, Any], origin: str = "backfill") -> Backfill:
        """Validate user input (a Params form, CLI options); a mistake is a one-line ConfigError."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "request"
            raise ConfigError(f"{origin}: {where}: {err['msg']}") from None

    @property
    def request_id(self) -> str:
        return stable_id(self.stage, str(self.since), str(self.until), ",".join(sorted(self.feed_ids)))


def plan(settings: Settings, backfill: Backfill, run_id: str) -> tuple[list[dict[str, Any]], int]:
    """The batches of a backfill and how many articles it selects. A dry run plans nothing."""
    feed_ids = backfill.feed_ids or None
    with store.open_db(settings) as con:
        _check_sources(con, settings, backfill)
        if backfill.stage == "re-classify":
            texts = store.window_texts(con, settings, since=backfill.since, until=backfill.until,
                                       feed_ids=feed_ids)
        else:
            tasks = store.refetch_tasks(con, settings, feed_ids=feed_ids, since=backfill.since,
                                        until=backfill.until)
    items: Sequence[Any] = texts if backfill.stage == "re-classify" else tasks
    if backfill.dry_run:
        return [], len(items)
    size = settings.batch_size
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    if backfill.stage == "re-classify":
        return [{"stage": backfill.stage, "input": str(_write_texts(settings, run_id, backfill, i, chunk))}
                for i, chunk in enumerate(chunks)], len(items)
    return [{"stage": backfill.stage, "tasks": chain.tasks_to_json(chunk)} for chunk in chunks], len(items)


def _check_sources(con: duckdb.DuckDBPyConnection, settings: Settings, backfill: Backfill) -> None:
    unknown = set(backfill.feed_ids) - store.known_feeds(con, settings)
    if unknown:
        raise ConfigError(f"backfill: unknown source(s): {', '.join(sorted(unknown))}")


def plan_requests(settings: Settings, run_id: str) -> list[dict[str, Any]]:
    """Take every open reprocessing request for `run_id`; returns their batches. A request that
    cannot be planned (its source has left the feeds file since it was queued, say) is marked
    failed with the reason, and the others are planned: one bad request never stops processing."""
    with store.open_db(settings) as con:
        requests = store.take_requests(con, settings, run_id)
    batches: list[dict[str, Any]] = []
    selected: dict[str, int] = {}
    for request_id, stage, since, until, feed_ids in requests:
        try:
            found, selected[request_id] = plan(settings, Backfill.parse(
                {"stage": stage, "since": since, "until": until, "feed_ids": tuple(feed_ids or ())},
                origin=f"reprocessing request {request_id}"), run_id)
        except ConfigError as exc:
            log.warning("reprocessing request %s failed, the run goes on without it: %s", request_id, exc)
            with store.open_db(settings) as con:
                store.fail_request(con, settings, request_id, str(exc))
            continue
        batches += found
    if selected:
        with store.open_db(settings) as con:
            store.count_requests(con, settings, selected)
    return batches


def request(settings: Settings, backfill: Backfill, requested_by: str) -> str:
    """Queue a backfill for the next processing run; returns the request's id. A request for a
    source the database does not know is refused (ConfigError) and not queued."""
    with store.open_db(settings) as con:
        _check_sources(con, settings, backfill)
        store.add_request(con, settings, request_id=backfill.request_id, requested_by=requested_by,
                          stage=backfill.stage, since=backfill.since, until=backfill.until,
                          feed_ids=backfill.feed_ids)
    return backfill.request_id


def reaches_back(settings: Settings, run_id: str) -> datetime | None:
    """How far back the requests `run_id` took reach (None: it took none)."""
    with store.open_db(settings) as con:
        return store.request_window(con, settings, run_id)


def close(settings: Settings, run_id: str) -> None:
    """Mark the requests `run_id` took as done."""
    with store.open_db(settings) as con:
        store.close_requests(con, settings, run_id)


def process(settings: Settings, batch: dict[str, Any], run_id: str,
            classifier: Classifier | None = None) -> chain.BatchResult:
    """Process one planned batch in memory; touches no database."""
    classifier = classifier or default_classifier(settings.classifier)
    if batch["stage"] == "re-classify":
        return _reclassify(Path(batch["input"]), run_id, classifier)
    tasks = chain.tasks_from_json(batch["tasks"])
    if batch["stage"] == "re-fetch":
        return _reprocessed(chain.process_batch(settings, tasks, run_id, classifier))
    # `re-extract` reads pages from the raw archive where they were archived, and fetches only
    # the pages that were not (fetched before the archive existed, or their file is gone).
    started = time.perf_counter()
    archived, missing = from_archive(settings, tasks)
    fetched = fetch.fetch_pages(missing, settings)
    result = chain.pages_to_batch(settings, archived + fetched, run_id, classifier, chain.Quiet(),
                                  {"fetch": time.perf_counter() - started})
    result.counts["pages_fetched"] = chain.pages_fetched(fetched)
    result.counts["pages_from_archive"] = len(archived)
    return _reprocessed(result)


def _reprocessed(result: chain.BatchResult) -> chain.BatchResult:
    """A backfill's articles are stored ones processed again: counted as reprocessed, not new."""
    result.counts["articles_reprocessed"] = result.counts.pop("articles_new", 0)
    return result


def from_archive(settings: Settings, tasks: Sequence[PageTask]) -> tuple[list[Page], list[PageTask]]:
    """Pages rebuilt from their archived responses, and the tasks that have none readable."""
    pages: list[Page] = []
    missing: list[PageTask] = []
    for task in tasks:
        if task.warc_file is None or task.warc_offset is None:
            missing.append(task)
            continue
        try:
            url, status, headers, body = archive.read_response(settings, task.warc_file,
                                                               task.warc_offset)
        except (OSError, ValueError, ArchiveLoadException):
            missing.append(task)
            continue
        found = httpx.Headers(headers)
        ctype = found.get("content-type", "").split(";")[0].strip().lower()
        charset = httpx.Response(200, headers=found).charset_encoding
        # no pointer on the page: the article row keeps the one it has
        pages.append(fetch.page_from_response(task, datetime.now(UTC), url, status, ctype, charset,
                                              body))
    return pages, missing


def _reclassify(path: Path, run_id: str, classifier: Classifier) -> chain.BatchResult:
    table = pq.read_table(path)
    published = (table["published_at"].to_pylist() if "published_at" in table.column_names
                 else [None] * table.num_rows)
    items = list(zip(table["article_id"].to_pylist(), table["title"].to_pylist(),
                     table["text"].to_pylist(), published, strict=True))
    decisions = classifier.classify(items)
    counts: Counter[str] = Counter(reclassified=len(decisions),
                                   on_topic=sum(d.relevant for d in decisions))
    counts.update(f"topic:{t}" for d in decisions for t in classifier.assigned(d))
    tables = store.batch_tables(run_id, articles=[], classifications=decisions, problems=[])
    return chain.BatchResult(tables=tables, counts=counts, stage_seconds={})


TEXTS_SCHEMA = pa.schema([("article_id", pa.string()), ("title", pa.string()),
                          ("text", pa.large_string()), ("published_at", pa.timestamp("us", tz="UTC"))])


def _write_texts(settings: Settings, run_id: str, backfill: Backfill, index: int,
                 rows: Sequence[tuple[str, str | None, str | None, datetime | None]]) -> Path:
    path = settings.staging_dir / run_id / "input" / f"{backfill.request_id}-{index:07d}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([{"article_id": a, "title": t, "text": x, "published_at": p}
                                  for a, t, x, p in rows],
                                 schema=TEXTS_SCHEMA)
    pq.write_table(table, path, compression="zstd")
    return path


def run(settings: Settings, feeds: Sequence[FeedSource], backfill: Backfill, *,
        trigger: str = "cli:backfill", reporter: chain.Reporter | None = None,
        classifier: Classifier | None = None) -> chain.RunSummary:
    """A backfill in this process (the CLI's way): plan, process and load batch by batch, then
    re-cluster the window. Every `publish_rows` loaded articles a publish carries what was
    loaded (`chain.AsYouGo`), so readers see a long backfill progress; the window is
    re-clustered once, at the end, and the last publish carries the clusters that changed. A dry
    run only counts (`selected`)."""
    settings = chain.long_run(settings)  # DuckDB and malloc bounded: the store grows, this process not
    classifier = classifier or default_classifier(settings.classifier)
    reporter = reporter or chain.Quiet()
    summary = chain.RunSummary(run_id=chain.new_run_id(trigger))
    chain.begin(settings, feeds, summary.run_id, trigger, classifier)
    publisher = chain.AsYouGo(settings, summary)
    with chain.recorded(settings, summary):
        batches, selected = plan(settings, backfill, summary.run_id)
        summary.counts["selected"] = selected
        reporter.start(backfill.stage, selected if batches else 0)
        reporter.start(progress.ERRORS, 0)
        for batch in batches:
            result = process(settings, batch, summary.run_id, classifier)
            with summary.timed("load"):
                chain.load_step(settings, result)
            summary.counts.update(result.counts)
            summary.add_seconds(result.stage_seconds)
            reporter.advance(backfill.stage, len(batch.get("tasks") or ()) or result.counts["reclassified"])
            reporter.advance(progress.ERRORS, result.tables["errors"].num_rows)
            publisher.loaded(result.tables["articles"].num_rows or result.counts["reclassified"])
        if batches:
            with summary.timed("cluster"):
                clustered = chain.cluster_step(settings, since=backfill.since, until=backfill.until)
            summary.counts["stories"] = clustered["stories"]
            ends = [f"{word} {day:%Y-%m-%d}" for word, day in (("from", backfill.since),
                                                                ("before", backfill.until)) if day]
            summary.stories_of = "published " + " ".join(ends) if ends else "all articles"
        shutil.rmtree(settings.staging_dir / summary.run_id, ignore_errors=True)
    if not backfill.dry_run:
        with summary.timed("publish"):
            publish.publish(settings)
        summary.counts["publishes"] += 1
    return summary
