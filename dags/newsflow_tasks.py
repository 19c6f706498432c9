"""The tasks the newsflow DAGs are built from, and what they share: assets, pools, settings.

Every task body is a few lines around `pipeline`; heavy imports happen inside the tasks, so the DAG
files import in well under a second and do no I/O at import time. This module holds no DAG (it
is listed in `.airflowignore`); the DAG files import it.

Concurrency and the one DuckDB file: mapped `process` tasks run in parallel processes and never
open the database (they write their batch to the staging area as Parquet); the single `load`
task of a run merges them, in the one-slot pool `newsflow_db`. Short writes elsewhere (recording
a run, polls, clusters) wait for the lock instead of failing (`Settings.lock_wait`).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import newsflow_settings  # plugins/, as every component reads the settings
from airflow.sdk import Asset, AssetWatcher, get_current_context, task
from newsflow_watcher import FeedWatcher  # plugins/: the triggerer imports it from there too

if TYPE_CHECKING:
    from pipeline.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Announced by `news_ingest` after each poll (what it found is in the event's `extra`), and by the
#: feed watcher in the triggerer when feeds show new entries (the feeds and counts in its payload).
ENTRIES = Asset(name="newsflow_entries", uri="newsflow://duckdb/entries", group="newsflow",
                watchers=[AssetWatcher(name="newsflow_feed_watcher", trigger=FeedWatcher())])
#: Announced when a run has loaded articles (`news_process`, `news_backfill`).
ARTICLES = Asset(name="newsflow_articles", uri="newsflow://duckdb/articles", group="newsflow")

#: The pool every DuckDB load goes through: one slot, one writer at a time.
DB_POOL = "newsflow_db"
#: The pool of backfill batches, so a large backfill leaves slots for the daily run.
BACKFILL_POOL = "newsflow_backfill"


def _retries() -> int:
    return int(os.environ.get("NEWSFLOW_TASK_RETRIES", "3"))


def record_failure(context: Any) -> None:
    """`on_failure_callback`: a task failed for good, so its run is marked failed with the reason
    in `pipeline_runs`. Never raises: a callback's own failure must not hide the task's."""
    try:
        from pipeline import store

        ti = context["ti"]
        exc = context.get("exception")
        where = ti.task_id if getattr(ti, "map_index", -1) in (-1, None) else f"{ti.task_id}[{ti.map_index}]"
        reason = f"task {where} failed: {type(exc).__name__}: {exc}" if exc else f"task {where} failed"
        try:
            cfg = run_settings(context)
        except Exception:  # a bad Variable failed the task: the reason goes to the environment's database
            cfg = newsflow_settings.settings_or_env(log, "failure callback")
        with store.open_db(cfg) as con:
            store.fail_run(con, cfg, pipeline_run_id(context), f"airflow:{ti.dag_id}", reason[:2000])
    except Exception:
        log.exception("newsflow: could not record the failure in pipeline_runs")


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "newsflow",
    "retries": _retries(),
    "retry_delay": timedelta(seconds=float(os.environ.get("NEWSFLOW_RETRY_DELAY", "60"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": record_failure,
}


#: What every newsflow DAG shares: no catch-up of missed intervals (a backfill is explicit), one
#: run at a time, the retry and failure policy above.
DAG_DEFAULTS: dict[str, Any] = {
    "start_date": datetime(2026, 1, 1, tzinfo=UTC),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
}


def fail_fast(body: Callable[..., T]) -> Callable[..., T]:
    """A task body whose bad input (a ConfigError: the run's conf or form, an event's extra, the
    feeds file, the settings) fails the task at once. Retrying cannot mend it, and with one run at
    a time the retries (with backoff, about ten minutes) would hold up every run after it."""

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.errors import ConfigError

        try:
            return body(*args, **kwargs)
        except ConfigError as exc:
            raise AirflowFailException(str(exc)) from exc

    return wrapper


#: The XCom in which `begin` keeps the `newsflow_settings` Variable as its run began. The run's
#: later tasks take their settings from it, so a Variable changed while a run goes on (another
#: database, say) reaches the next run whole instead of the rest of this one.
PINNED = newsflow_settings.PINNED


def _pinned(context: Any) -> dict[str, Any] | None:
    """{"value": the Variable as `begin` read it} for a later task of a run that began so."""
    ti = context["ti"]
    if ti.task_id == "begin" or "begin" not in context["dag"].task_ids:
        return None
    held = ti.xcom_pull(task_ids="begin", key=PINNED)
    return held if isinstance(held, dict) else None


def run_settings(context: Any | None = None) -> Settings:
    """The settings of this task's run: NEWSFLOW_* environment, overridden by the
    `newsflow_settings` Variable (plugins/newsflow_settings.py, shared with the plugins) as it
    was when the run began. A bad one is a ConfigError naming it."""
    held = _pinned(context or get_current_context())
    return newsflow_settings.of_run(held)


@fail_fast
def settings() -> Settings:
    """`run_settings` for a task body: a bad Variable fails the task at once."""
    return run_settings()


def pipeline_run_id(context: Any | None = None) -> str:
    """The `pipeline_runs` id of the current DAG run: `<dag_id>:<run_id>` (stable across retries)."""
    context = context or get_current_context()
    return f"{context['dag'].dag_id}:{context['run_id']}"


# -- tasks shared by the DAGs ----------------------------------------------------------------------

@task
@fail_fast
def begin() -> str:
    """Migrate the database, sync feeds and topics, record the run in `pipeline_runs`."""
    from pipeline import run as chain
    from pipeline.sources import load_feeds

    raw = newsflow_settings.variable()
    cfg = newsflow_settings.from_value(raw)
    context = get_current_context()
    context["ti"].xcom_push(key=PINNED, value={"value": raw})  # the run's settings: `run_settings`
    run = pipeline_run_id()
    chain.begin(cfg, load_feeds(cfg.feeds_file), run, f"airflow:{context['dag'].dag_id}")
    return run


@task
def process(batch: dict[str, Any]) -> str:
    """One batch: fetch (or read stored pages/texts), extract, classify; written to staging."""
    from pipeline import backfill
    from pipeline import run as chain

    cfg = settings()
    if batch["stage"] == "fetch":
        result = chain.process_batch(cfg, chain.tasks_from_json(batch["tasks"]), batch["run"])
    else:
        result = backfill.process(cfg, batch, batch["run"])
    return str(chain.stage_batch(cfg, batch["run"], batch["index"], result))


def planned(batches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return a plan's batches for mapping, and note how many there are for `load` to check."""
    get_current_context()["ti"].xcom_push(key="planned", value=len(batches))
    return batches


@task(trigger_rule="all_done", pool=DB_POOL)
def load(run: str) -> dict[str, Any]:
    """The single writer: loads every staged batch of the run, each in one transaction. Runs even
    when some batches failed, so the others are not lost."""
    from pipeline import run as chain

    loaded = chain.load_staged(settings(), run)
    planned = get_current_context()["ti"].xcom_pull(task_ids="plan", key="planned")  # None: plan failed
    return {"counts": dict(loaded.counts), "stage_seconds": loaded.stage_seconds,
            "batches": loaded.counts.get("batches", 0), "planned": planned}


@task(pool=DB_POOL)
def cluster(loaded: dict[str, Any], since: str | None = None, until: str | None = None) -> dict[str, int]:
    """Group near-duplicates into stories over [since, until) (default: the last cluster_days, and
    as far back as the reprocessing requests this run took); nothing on a backfill's dry run."""
    from pipeline import backfill, intervals
    from pipeline import run as chain

    def utc(value: str) -> datetime:  # a day ("2026-03-03", from a form) or a time
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    context = get_current_context()
    if "dry_run" in context["dag"].params and context["params"]["dry_run"]:  # a backfill's dry run
        return {"clustered": 0, "stories": 0}                                # only counts
    cfg = settings()
    start = (utc(since) if since
             else intervals.cluster_since(cfg, backfill.reaches_back(cfg, pipeline_run_id())))
    return chain.cluster_step(cfg, since=start, until=utc(until) if until else None)


def finish_run(run: str, parts: dict[str, dict[str, Any] | None], loaded: dict[str, Any] | None,
               extra_counts: dict[str, int] | None = None, announce: Asset | None = None) -> dict[str, Any]:
    """Record the run's counts and status; raise if it failed (after recording why), else update
    the `announce` asset with the counts as the event's extra.
    `parts` maps the steps that must have finished to their outputs (None: the step failed)."""
    from pipeline import run as chain

    summary = chain.RunSummary(run)
    for part in parts.values():
        summary.counts.update({k: v for k, v in (part or {}).items() if isinstance(v, int)})
    summary.counts.update((loaded or {}).get("counts", {}))
    summary.counts.update(extra_counts or {})
    summary.split_topics()
    summary.stage_seconds = (loaded or {}).get("stage_seconds", {})
    failed = [name for name, part in parts.items() if part is None]
    if loaded is not None and loaded.get("planned", 0) is None:
        failed.insert(0, "plan")
    elif loaded is not None and loaded.get("batches", 0) < loaded.get("planned", 0):
        failed.append(f"{loaded['planned'] - loaded['batches']} of {loaded['planned']} batches")
    summary.status = "failed" if failed else "success"
    if failed:
        summary.error = f"did not finish: {', '.join(failed)} (see the task logs)"
    chain.finish(settings(), summary)
    if failed:  # decided: a retry of this task would decide the same
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"run {run} failed: {summary.error}")
    result = {"run": run, **dict(summary.counts), "topics": dict(summary.top_topics)}
    if announce is not None:
        get_current_context()["outlet_events"][announce].extra = result
    return result
