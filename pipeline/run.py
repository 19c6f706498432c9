"""The chain, stage by stage: poll -> plan -> (fetch -> extract -> classify) per batch -> load.

Each function here is one step that the CLI runs in-process and the DAGs run as tasks. Network
work never holds the database: a batch is processed in memory, then loaded in one transaction.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline import dedup, feedstate, fetch, malloc, poll, publish, stages, staging, store, workers
from pipeline.classify import Classifier, default_classifier
from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.models import FeedPoll, Page, PageTask, Problem
from pipeline.progress import Quiet, Reporter
from pipeline.sources import FeedSource
from pipeline.urls import stable_id


@dataclass
class RunSummary:
    run_id: str
    status: str = "running"
    counts: Counter[str] = field(default_factory=Counter)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    failed_feeds: list[tuple[str, str]] = field(default_factory=list)
    #: what went wrong with an input as a whole, in words (a file that is not a WARC, say)
    problems: list[str] = field(default_factory=list)
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    error: str | None = None
    #: which articles `counts["stories"]` groups: the clustering window, in words
    stories_of: str = "all articles"

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_seconds({stage: time.perf_counter() - started})

    def split_topics(self) -> None:
        """Move the per-subtopic counts ("topic:<id>") from `counts` to `top_topics`."""
        topics = {k: v for k, v in self.counts.items() if k.startswith("topic:")}
        for key in topics:
            del self.counts[key]
        self.top_topics = sorted(((k.removeprefix("topic:"), v) for k, v in topics.items()),
                                 key=lambda kv: (-kv[1], kv[0]))

    def add_seconds(self, seconds: dict[str, float]) -> None:
        for stage, secs in seconds.items():
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + secs


def long_run(settings: Settings) -> Settings:
    """How `ingest-warc` and `backfill` start: their settings (`Settings.long_run`), and this
    process's malloc arenas capped (`malloc.cap_arenas`) before DuckDB and the pool start threads."""
    settings = settings.long_run()
    malloc.cap_arenas(settings.backfill_malloc_arenas)
    return settings


def new_run_id(trigger: str) -> str:
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}-{stable_id(trigger, now.isoformat(), length=6)}"


# -- steps -----------------------------------------------------------------------------------------

def begin(settings: Settings, feeds: Sequence[FeedSource], run_id: str, trigger: str,
          classifier: Classifier | None = None) -> None:
    """Migrate the database, sync feeds and topics, record the run as started."""
    classifier = classifier or default_classifier(settings.classifier)
    with store.open_db(settings) as con:
        store.sync_config(con, settings, feeds, classifier.taxonomy)
        store.start_run(con, settings, run_id, trigger)


def poll_step(settings: Settings, feeds: Sequence[FeedSource], run_id: str,
              reporter: Reporter | None = None, *,
              changed: Collection[str] = ()) -> tuple[list[FeedPoll], int]:
    """Poll the enabled feeds and record polls and entries; returns (polls, new entries).
    Feeds in `changed` (the feed watcher has just seen new entries in them, within their hints)
    are polled even if their update hint says not yet."""
    reporter = reporter or Quiet()
    enabled = [f for f in feeds if f.enabled]
    reporter.start("poll", len(enabled))
    with store.open_db(settings) as con:
        states = store.feed_states(con, settings)
        store.defer_checkpoint(con, settings.db)
    states = {k: replace(v, next_poll_at=None) if k in changed else v
              for k, v in states.items()}
    polls = poll.poll_feeds(enabled, settings, run_id=run_id, states=states,
                            on_done=lambda _p: reporter.advance("poll"))
    return polls, record_polls(settings, run_id, polls)


def record_polls(settings: Settings, run_id: str, polls: Sequence[FeedPoll]) -> int:
    """Record polls and their entries; returns how many entries were new. A poll writes a few
    rows (entries, polls, feed states): they wait in the write-ahead log for the next load's
    checkpoint, which costs the whole store's metadata (`store.defer_checkpoint`)."""
    with store.open_db(settings) as con:
        new = store.save_polls(con, settings, run_id, polls)
        store.defer_checkpoint(con, settings.db)
    return new


def unpolled_after_failures(polls: Sequence[FeedPoll]) -> tuple[list[str], list[str]]:
    """The feeds a poll step skipped because they failed before: (backing off, disabled)."""
    return (sorted(p.feed_id for p in polls if p.skipped_for == feedstate.BACKING_OFF),
            sorted(p.feed_id for p in polls if p.skipped_for == feedstate.DISABLED))


def poll_counts(polls: Sequence[FeedPoll], new: int) -> dict[str, int]:
    """The run counts of a poll step."""
    backing_off, disabled = unpolled_after_failures(polls)
    return {"feeds_ok": sum(p.status in ("ok", "partial", "not_modified") for p in polls),
            "feeds_failed": sum(p.status == "failed" for p in polls),
            "feeds_not_modified": sum(p.status == "not_modified" for p in polls),
            "feeds_skipped": sum(p.status == "skipped" for p in polls),
            "feeds_backing_off": len(backing_off), "feeds_disabled": len(disabled),
            "entries_seen": sum(len(p.entries) for p in polls), "entries_new": new}


def plan(settings: Settings, *, feed_ids: Sequence[str] | None = None,
         since: datetime | None = None, until: datetime | None = None,
         refetch: bool = False) -> list[list[PageTask]]:
    """The pages still to fetch (or with `refetch`, the loaded articles to fetch again), cut
    into batches of `settings.batch_size`."""
    select = store.refetch_tasks if refetch else store.pending_tasks
    with store.open_db(settings) as con:
        tasks = select(con, settings, feed_ids=feed_ids, since=since, until=until)
    size = settings.batch_size
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


@dataclass
class BatchResult:
    tables: dict[str, pa.Table]
    counts: Counter[str]
    stage_seconds: dict[str, float]


def process_batch(settings: Settings, tasks: Sequence[PageTask], run_id: str,
                  classifier: Classifier | None = None,
                  reporter: Reporter | None = None) -> BatchResult:
    """Fetch, extract and classify one batch in memory; touches no database."""
    classifier = classifier or default_classifier(settings.classifier)
    reporter = reporter or Quiet()
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    pages: list[Page] = fetch.fetch_pages(tasks, settings,
                                          on_done=lambda _p: reporter.advance("fetch"))
    seconds["fetch"] = time.perf_counter() - t0
    return pages_to_batch(settings, pages, run_id, classifier, reporter, seconds)


def pages_to_batch(settings: Settings, pages: Sequence[Page], run_id: str, classifier: Classifier,
                   reporter: Reporter, seconds: dict[str, float]) -> BatchResult:
    """Extract, classify and sign fetched (or archived) pages: the batch's tables and counts."""
    worked = stages.run(pages, classifier, processes=workers.count(settings.extract_workers),
                        timeout=settings.extract_timeout)
    reporter.advance("extract", len(pages))
    reporter.advance("classify", len(pages))
    return worked_to_batch(settings, worked, run_id, classifier, seconds)


def pages_fetched(pages: Sequence[Page | stages.Fetched]) -> int:
    """Pages that answered and were taken: one that answered but was refused (a PDF, an image)
    counts as failed, not fetched."""
    return sum(1 for p in pages if p.problem is None and p.http_status and p.http_status < 400)


def worked_to_batch(settings: Settings, worked: stages.Worked, run_id: str, classifier: Classifier,
                    seconds: dict[str, float] | None = None) -> BatchResult:
    """The tables and counts of pages the stages worked on."""
    pages, articles, decisions = worked.pages, worked.articles, worked.decisions
    usable = [a for a in articles if a.extraction_status == "ok"]
    fetch_problems = [p.problem for p in pages if p.problem]
    succeeded = [("fetch", p.link) for p in pages if p.problem is None]
    succeeded += [("extract", a.link) for a in usable]
    counts: Counter[str] = Counter(
        pages_fetched=pages_fetched(pages),
        pages_failed=len(fetch_problems),
        articles_new=len(usable),
        articles_empty=len(articles) - len(usable),
        on_topic=sum(1 for d in decisions if d.relevant),
    )
    # articles per subtopic: every subtopic a relevant article is assigned (multi-label)
    counts.update(f"topic:{topic}" for d in decisions for topic in classifier.assigned(d))
    tables = store.batch_tables(run_id, articles=articles, classifications=decisions,
                                problems=[*fetch_problems, *worked.problems],
                                signatures=worked.signatures, succeeded=succeeded,
                                retry_base=settings.retry_backoff)
    return BatchResult(tables=tables, counts=counts, stage_seconds={**(seconds or {}), **worked.seconds})


def load_step(settings: Settings, batch: BatchResult) -> None:
    with store.open_db(settings) as con:
        store.load_batch(con, settings, batch.tables)


# -- batches between processes (Airflow tasks) ---------------------------------------------------

def batch_folder(settings: Settings, run_id: str, index: int) -> Path:
    return settings.staging_dir / run_id / f"batch-{index:05d}"


def stage_batch(settings: Settings, run_id: str, index: int, batch: BatchResult) -> Path:
    """Write a processed batch to the staging area for `load_staged`."""
    meta = {"counts": dict(batch.counts), "stage_seconds": batch.stage_seconds}
    return staging.write_batch(batch_folder(settings, run_id, index), batch.tables, meta)


def load_staged(settings: Settings, run_id: str) -> RunSummary:
    """Load every finished batch of a run, in one writer; returns their summed counts.
    Consecutive batches are merged into transactions of up to `load_rows` articles (a bigger
    transaction writes its rows straight into the file). A folder is removed once its
    transaction committed, so a retry after a crash loads only what is left (and a reload would
    be an idempotent upsert anyway)."""
    summary = RunSummary(run_id)
    root = settings.staging_dir / run_id
    group: list[tuple[Path, dict[str, pa.Table], dict[str, Any]]] = []

    def flush(con: Any) -> None:
        if not group:
            return
        store.load_batch(con, settings, store.merge_batches([tables for _, tables, _ in group]))
        for folder, _, meta in group:
            summary.counts.update(meta["counts"])
            summary.counts["batches"] += 1
            summary.add_seconds(meta["stage_seconds"])
            shutil.rmtree(folder)
        group.clear()

    folders = staging.finished_batches(root)
    if folders:
        with store.open_db(settings) as con:
            for folder in folders:
                tables, meta = staging.read_batch(folder)
                group.append((folder, tables, meta))
                if sum(t["articles"].num_rows for _, t, _ in group) >= settings.load_rows:
                    flush(con)
            flush(con)
    shutil.rmtree(root / "input", ignore_errors=True)  # a backfill's planned inputs, now loaded
    if root.exists() and not any(root.iterdir()):
        root.rmdir()
    return summary


def tasks_to_json(tasks: Sequence[PageTask]) -> list[dict[str, Any]]:
    """PageTasks as plain JSON values (for XCom)."""
    return [{**asdict(t), "published_at": t.published_at.isoformat() if t.published_at else None,
             "authors": list(t.authors)} for t in tasks]


def tasks_from_json(items: Sequence[dict[str, Any]]) -> list[PageTask]:
    return [PageTask(**{**i, "authors": tuple(i.get("authors") or ()),
                        "published_at": datetime.fromisoformat(i["published_at"])
                        if i.get("published_at") else None}) for i in items]


def cluster_step(settings: Settings, *, since: datetime | None = None,
                 until: datetime | None = None, full: bool = False) -> dict[str, int]:
    """Story clusters of the articles published in [since, until) (all when open). The texts new
    to clustering or changed since are clustered and joined to the clusters the rest of the
    window has (`dedup.Clusters`), so the step holds what is new, not the window; `full`
    recomputes the whole window. Returns how many articles and stories the window holds."""
    with store.open_db(settings) as con:
        store.cluster_scope(con, settings, since, until, full=full)
        clusters = dedup.Clusters([dedup.Text(*row) for row in store.cluster_fresh(con, settings)])
        if clusters.fresh:
            for cluster_ids, signatures, hashes in store.cluster_rest(con, settings):
                clusters.scan(cluster_ids, signatures, hashes)
            reps = [dedup.Text(*row) for row in store.cluster_reps(con, settings, clusters.joined)]
            mates = [(dedup.Text(*row[:4]), row[4])
                     for row in store.cluster_mates(con, settings, clusters.moved(reps))]
            store.save_clusters(con, settings, [asdict(m) for m in clusters.members(reps, mates)])
        return store.cluster_counts(con, settings)


class AsYouGo:
    """Publishing during a long run (`ingest-warc`, `backfill`): once `settings.publish_rows`
    articles are loaded since the last publish, `cluster` (re-clusters what the run loaded so
    far, or nothing) runs and a publish carries what the loads wrote. Each publish is then
    bounded by N articles (and the clusters that changed), not by the run, and readers see a
    long run progress one whole snapshot at a time. A publish that fails is counted and recorded
    in `errors`, and the run goes on: its keys stay in publish_pending for the next publish
    (migration 014), so nothing loaded is lost."""

    def __init__(self, settings: Settings, summary: RunSummary,
                 cluster: Callable[[], None] = lambda: None) -> None:
        self.settings, self.summary, self.cluster = settings, summary, cluster
        self.unpublished = 0  # articles loaded since the last publish

    def loaded(self, articles: int) -> None:
        """Count a load's articles; publish when N are waiting."""
        self.unpublished += articles
        if self.unpublished >= self.settings.publish_rows:
            self.now()

    def now(self) -> None:
        self.cluster()
        with self.summary.timed("publish"):
            try:
                publish.publish(self.settings)
            except DatabaseError as exc:
                self.summary.counts["publishes_failed"] += 1
                problem = Problem("publish", publish.where(self.settings).as_posix(),
                                  "publish_failed", str(exc)[:500])
                tables = store.batch_tables(self.summary.run_id, articles=[], classifications=[],
                                            problems=[problem])
                load_step(self.settings, BatchResult(tables, Counter(), {}))
                return
        self.summary.counts["publishes"] += 1
        self.unpublished = 0


def default_cluster_window(settings: Settings) -> datetime:
    return datetime.now(UTC) - timedelta(days=settings.cluster_days)


def reclassify(settings: Settings, *, since: datetime | None = None,
               classifier: Classifier | None = None, reporter: Reporter | None = None) -> dict[str, Any]:
    """Classify stored texts again with the current classifier (no refetching): its version's
    rows are written beside the earlier versions', which stay queryable."""
    classifier = classifier or default_classifier(settings.classifier)
    reporter = reporter or Quiet()
    with store.open_db(settings) as con:
        items = store.window_texts(con, settings, since=since, until=None, feed_ids=None)
    reporter.start("classify", len(items))
    relevant = 0
    for i in range(0, len(items), settings.batch_size):
        decisions = classifier.classify(items[i:i + settings.batch_size])
        with store.open_db(settings) as con:
            store.save_classifications(con, settings, decisions)
        relevant += sum(d.relevant for d in decisions)
        reporter.advance("classify", len(decisions))
    publish.publish(settings)
    return {"version": classifier.version, "articles": len(items), "relevant": relevant}


def finish(settings: Settings, summary: RunSummary) -> None:
    with store.open_db(settings) as con:
        store.finish_run(con, settings, summary.run_id, summary.status, dict(summary.counts),
                         summary.stage_seconds, summary.error)


# -- the whole chain -----------------------------------------------------------------------------

def process_all(settings: Settings, batches: Sequence[Sequence[PageTask]], summary: RunSummary,
                classifier: Classifier, reporter: Reporter) -> None:
    """Process and load batches one after another in this process (the CLI's way)."""
    total = sum(len(b) for b in batches)
    for stage in ("fetch", "extract", "classify"):
        reporter.start(stage, total)
    for tasks in batches:
        result = process_batch(settings, tasks, summary.run_id, classifier, reporter)
        with summary.timed("load"):
            load_step(settings, result)
        summary.counts.update(result.counts)
        summary.add_seconds(result.stage_seconds)


def run(settings: Settings, feeds: Sequence[FeedSource], *, trigger: str = "cli",
        reporter: Reporter | None = None,
        classifier: Classifier | None = None) -> RunSummary:
    """Poll, fetch, extract, classify and load once. Per-feed and per-page failures are recorded
    and counted; only a failure of the run itself (database, disk) raises."""
    reporter = reporter or Quiet()
    classifier = classifier or default_classifier(settings.classifier)
    summary = RunSummary(run_id=new_run_id(trigger))
    begin(settings, feeds, summary.run_id, trigger, classifier)
    with recorded(settings, summary):
        with summary.timed("poll"):
            polls, new = poll_step(settings, feeds, summary.run_id, reporter)
        summary.counts.update(poll_counts(polls, new))
        summary.failed_feeds = [(p.feed_id, p.problem.message) for p in polls
                                if p.status == "failed" and p.problem]
        process_all(settings, plan(settings), summary, classifier, reporter)
        with summary.timed("cluster"):
            clustered = cluster_step(settings, since=default_cluster_window(settings))
        summary.counts["stories"] = clustered["stories"]
        summary.stories_of = f"published or first seen in the last {settings.cluster_days} days"
    publish.publish(settings)  # readers get the new snapshot and search index
    publish.compact(settings)  # merges what publishes left, when enough has piled up
    return summary


@contextmanager
def recorded(settings: Settings, summary: RunSummary) -> Iterator[None]:
    """Mark the run succeeded or failed in pipeline_runs, whatever happens inside."""
    try:
        yield
        if summary.status != "failed":  # the body may have judged the run failed without raising
            summary.status = "success"
    except BaseException as exc:
        summary.status = "failed"
        summary.error = f"{type(exc).__name__}: {exc}"[:1000]
        raise
    finally:
        summary.split_topics()
        finish(settings, summary)
