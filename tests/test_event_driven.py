"""Event-driven for real: an api-server, a scheduler, a dag-processor and a triggerer with the
LocalExecutor on 127.0.0.1 (their own home and SQLite metadata), a news site that publishes while
it is watched, a DuckDB file and a webhook.

- The feed watcher starts no run while nothing is new; a new entry starts one news_process run
  that loads its article; events that arrive while a run is active start one run together.
- A restarted triggerer keeps the feeds' validators and seen entries (the asset state store).
- news_report's Deadline Alert fires (the deadline is set to seconds here): the miss is recorded
  in pipeline_runs and posted to the webhook.
- The triggerer reads the `newsflow_settings` Variable as the tasks do: the watcher's intervals
  and the webhook are set there, not in the environment (which would poll every 300 s).
- A backfill of N days of news_ingest through the REST API is worked off by one or two
  news_process runs, not N.

The tests share one Airflow and run in order; each says what it adds."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import yaml

from tests.airflow_procs import AIRFLOW, free_port, local_env, newsflow_in, running, wait_until
from tests.livefeed import Site, serving
from tests.test_deadline import Webhook, serving_webhook

FEEDS = ("world", "europe")


class Stack:
    def __init__(self, base: str, env: dict[str, str], db: Path, site: Site, hook: Webhook, logs: Path,
                 triggerers: ExitStack):
        self.base, self.env, self.db, self.site, self.hook, self.logs = base, env, db, site, hook, logs
        self.triggerers = triggerers
        self.triggerer: ExitStack | None = None

    def start_triggerer(self, name: str) -> None:
        """Start a triggerer (stopping the one running first), logging to logs/<name>/."""
        if self.triggerer is not None:
            self.triggerer.close()
        self.triggerer = self.triggerers.enter_context(ExitStack())
        self.triggerer.enter_context(running([["triggerer"]], self.env, self.logs / name))

    def get(self, path: str, **params: Any) -> Any:
        # Airflow 3.3.2 answers 500 for asset events while a run one created is queued, its
        # start_date still NULL (apache/airflow#71360, fixed by #71379 after 3.3.2): the moment
        # passes once the scheduler starts the run, so a 500 is asked again for half a minute
        for _ in range(30):
            resp = httpx.get(f"{self.base}/api/v2{path}", params=params, timeout=10)
            if resp.status_code != 500:
                break
            time.sleep(1.0)
        resp.raise_for_status()
        return resp.json()

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get(f"/dags/{dag_id}/dagRuns", order_by="run_after", limit=100)["dag_runs"]

    def watcher_events(self) -> list[dict[str, Any]]:
        events = self.get("/assets/events", name_pattern="newsflow_entries", limit=100)["asset_events"]
        return [e for e in events if (e.get("extra") or {}).get("from_trigger")]

    def state(self, feed: str) -> Any:
        asset = self.get("/assets", name_pattern="newsflow_entries")["assets"][0]["id"]
        resp = httpx.get(f"{self.base}/api/v2/assets/{asset}/state-store/feed%2F{feed}", timeout=10)
        return resp.json() if resp.status_code == 200 else None

    def settled(self, dag_id: str) -> bool:
        return all(r["state"] in ("success", "failed") for r in self.runs(dag_id))

    def read(self, sql: str) -> list[tuple]:
        """Read the DuckDB file between the pipeline's writes (they hold its lock for moments)."""
        for _ in range(120):
            try:
                with duckdb.connect(str(self.db), read_only=True) as con:
                    return con.execute(sql).fetchall()
            except duckdb.IOException:
                time.sleep(0.5)
        raise AssertionError(f"{self.db} stayed locked for a minute")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with serving() as site, serving_webhook() as hook, ExitStack() as triggerers:
        folder = tmp_path_factory.mktemp("event_driven")
        feeds = [{"id": f, "url": site.feed(f), "language": "en"} for f in FEEDS]
        for f in FEEDS:
            site.publish(f, f"{f}-old")  # there before the watcher: the daily ingest's
        (folder / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
        port = free_port()
        env = local_env(folder / "airflow", port, {
            **newsflow_in(folder),
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1", "NEWSFLOW_PER_HOST_DELAY": "0",
            "NEWSFLOW_CLASSIFIER": "lexical", "NEWSFLOW_EXTRACT_WORKERS": "1", "NEWSFLOW_TASK_RETRIES": "0",
            "NEWSFLOW_READ_TIMEOUT": "60", "NEWSFLOW_DEADLINE": "120",
            "NEWSFLOW_REPORT_DEADLINE_HOURS": "0.0005",
        })
        for pool, slots in (("newsflow_db", "1"), ("newsflow_backfill", "2")):
            subprocess.run([AIRFLOW, "pools", "set", pool, slots, pool], env=env, check=True,
                           capture_output=True)
        # the triggerer's watcher and late-report notifier read the Variable as the tasks do
        subprocess.run([AIRFLOW, "variables", "set", "newsflow_settings", json.dumps(
            {"watch_min_interval": 2, "watch_check_every": 1, "report_webhook_url": hook.url})],
            env=env, check=True, capture_output=True)
        base, logs = f"http://127.0.0.1:{port}", folder / "logs"
        with running([["api-server", "--port", str(port)], ["scheduler"], ["dag-processor"]], env, logs):
            wait_until(lambda: httpx.get(f"{base}/api/v2/dags/news_report", timeout=5).status_code == 200,
                       240, "api-server answering with the DAGs parsed", logs)
            for dag_id in ("news_process", "news_report"):  # news_ingest: in the backfill test
                unpaused = httpx.patch(f"{base}/api/v2/dags/{dag_id}", json={"is_paused": False})
                assert unpaused.status_code == 200, unpaused.text
            try:
                yield Stack(base, env, folder / "news.duckdb", site, hook, logs, triggerers)
            finally:
                triggerers.close()


def test_the_watcher_starts_no_run_while_nothing_is_new_and_one_when_an_entry_appears(stack):
    stack.start_triggerer("first")
    # the watcher's first look remembers what the feeds show, in the asset state store
    wait_until(lambda: all(stack.state(f) for f in FEEDS), 240, "watcher state for both feeds",
               stack.logs)
    assert stack.state("world")["value"]["seen"]
    # several more rounds, every one a conditional GET answered 304, and no event, no run
    wait_until(lambda: sum(p["status"] == 304 for p in stack.site.polls("world")) >= 3, 60,
               "three 304s from the watched feed")
    assert all(p["if_none_match"] for p in stack.site.polls("world")[1:])
    assert stack.watcher_events() == []
    assert stack.runs("news_process") == []
    # a new entry: one event naming its feed, one run that loads its article
    link = stack.site.publish("world", "world-1")
    wait_until(lambda: stack.watcher_events(), 60, "a watcher event")
    (event,) = stack.watcher_events()
    assert event["extra"]["payload"]["feeds"] == {"world": 1}
    wait_until(lambda: stack.runs("news_process") and stack.settled("news_process"), 400,
               "the processing run", stack.logs)
    (first,) = stack.runs("news_process")
    assert first["state"] == "success"
    assert stack.read(f"SELECT count(*) FROM articles WHERE url = '{link}'") == [(1,)]


def test_events_during_a_run_start_one_run_together(stack):
    stack.site.article_delay = 20  # the next run fetches slowly, so events arrive while it runs
    stack.site.publish("europe", "europe-1")
    wait_until(lambda: any(r["state"] == "running" for r in stack.runs("news_process")), 120,
               "a second processing run")
    for n, feed in ((3, "europe"), (4, "world")):  # two more events, for two feeds, while it runs
        stack.site.publish(feed, f"{feed}-2")
        wait_until(lambda n=n: len(stack.watcher_events()) == n, 60, f"watcher event {n}")
    assert any(r["state"] == "running" for r in stack.runs("news_process"))
    stack.site.article_delay = 0
    wait_until(lambda: len(stack.runs("news_process")) == 3 and stack.settled("news_process"), 600,
               "the coalesced run", stack.logs)
    time.sleep(10)  # nothing else is queued
    runs = stack.runs("news_process")
    assert [r["state"] for r in runs] == ["success"] * 3
    # Airflow gives the coalesced run the events up to the first held one; it polls the feeds of
    # the later ones too
    consumed = stack.get(f"/dags/news_process/dagRuns/{runs[2]['dag_run_id']}/upstreamAssetEvents")
    assert [e["extra"]["payload"]["feeds"] for e in consumed["asset_events"]][:1] == [{"europe": 1}]
    links = [stack.site.article_url(f"{feed}-2") for feed in ("europe", "world")]
    assert stack.read(f"SELECT count(*) FROM articles WHERE url IN ('{links[0]}', '{links[1]}')") == [(2,)]


def test_a_restarted_triggerer_remembers_validators_and_seen_entries(stack):
    events = len(stack.watcher_events())
    polls = len(stack.site.polls("world"))
    stack.start_triggerer("restarted")
    wait_until(lambda: len(stack.site.polls("world")) >= polls + 3, 240,
               "polls from the restarted triggerer", stack.logs / "restarted")
    after = stack.site.polls("world")[polls:]
    assert all(p["if_none_match"] and p["status"] == 304 for p in after)
    assert len(stack.watcher_events()) == events
    assert stack.settled("news_process")


def test_a_late_report_is_recorded_and_posted(stack):
    wait_until(lambda: stack.hook.received, 300, "a late-report webhook call", stack.logs)
    assert stack.hook.received[0]["dag_id"] == "news_report"
    assert "not done by its deadline" in stack.hook.received[0]["text"]
    wait_until(lambda: stack.read("SELECT count(*) FROM pipeline_runs WHERE status = 'late'")[0][0] > 0,
               60, "the miss in pipeline_runs")
    (run_id, trigger, error), *_ = stack.read(
        "SELECT run_id, trigger, error FROM pipeline_runs WHERE status = 'late'")
    assert run_id.startswith("news_report:") and trigger == "airflow:news_report"
    assert "not done by its deadline" in error


def test_a_backfill_of_n_days_is_worked_off_by_one_or_two_processing_runs(stack):
    before = len(stack.runs("news_process"))
    days = 4
    # unpaused, the daily news_ingest also starts its latest interval's run, which polls now
    unpaused = httpx.patch(f"{stack.base}/api/v2/dags/news_ingest", json={"is_paused": False})
    assert unpaused.status_code == 200, unpaused.text
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    body = {"dag_id": "news_ingest", "from_date": (today - timedelta(days=days + 2)).isoformat(),
            "to_date": (today - timedelta(days=3)).isoformat(), "max_active_runs": days}
    for _ in range(30):  # on SQLite, Airflow refuses a backfill while the scheduler writes (503)
        posted = httpx.post(f"{stack.base}/api/v2/backfills", json=body, timeout=30)
        if posted.status_code != 503:
            break
        time.sleep(2)
    assert posted.status_code == 200, posted.text
    backfill = posted.json()["id"]
    wait_until(lambda: stack.get(f"/backfills/{backfill}")["completed_at"], 600, "the backfill's end",
               stack.logs)
    ingests = [r for r in stack.runs("news_ingest") if r["run_type"] == "backfill"]
    assert len(ingests) >= days - 1 and all(r["state"] == "success" for r in ingests)
    wait_until(lambda: stack.settled("news_process"), 600, "processing of the backfill", stack.logs)
    time.sleep(15)
    wait_until(lambda: stack.settled("news_process"), 600, "processing of the backfill", stack.logs)
    started = stack.runs("news_process")[before:]
    assert 1 <= len(started) <= 2 < len(ingests)
    assert all(r["state"] == "success" for r in started)
    assert stack.read("SELECT count(*) FROM reprocess_requests WHERE status <> 'done'") == [(0,)]
    assert stack.read("SELECT count(*) FROM reprocess_requests")[0][0] == len(ingests)
