"""Driving a running Airflow through its REST API as an operator does: trigger the daily chain,
start a backfill, wait for the runs the asset events start, read who ran which task."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

DAGS = ("news_ingest", "news_backfill", "news_report", "news_process")
BACKFILL_POSTS = 4  # a backfill posted again while the api-server answers 503 (SQLite locked)
SETTLE_POLLS = 3  # consecutive quiet polls (2 s apart) before a chain counts as finished


@dataclass
class Airflow:
    client: httpx.Client
    what: str  # "cluster" or "LocalExecutor", in failure messages

    @classmethod
    def connect(cls, base: str, what: str, password: str | None = None) -> Airflow:
        headers = {}
        if password is not None:  # SimpleAuthManager with the compose file's admin user
            got = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password},
                             timeout=30)
            assert got.status_code in (200, 201), got.text
            headers["Authorization"] = f"Bearer {got.json()['access_token']}"
        return cls(httpx.Client(base_url=base, headers=headers, timeout=30), what)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        got = self.client.request(method, f"/api/v2{path}", **kwargs)
        assert got.status_code < 300, f"{self.what}: {method} {path}: {got.status_code} {got.text}"
        return got.json() if got.content else None

    def unpause_all(self) -> None:
        """news_ingest last: its run's asset event starts the others."""
        for dag in reversed(DAGS):
            self.call("PATCH", f"/dags/{dag}", json={"is_paused": False})

    def runs(self, dag: str, since: datetime) -> list[dict[str, Any]]:
        """The runs of `dag` started or changed since `since` (a backfill's runs are for past days)."""
        got = self.call("GET", f"/dags/{dag}/dagRuns", params={"updated_at_gte": since.isoformat(),
                                                                 "order_by": "id", "limit": 100})
        return list(got["dag_runs"])

    def trigger(self, dag: str, conf: dict[str, Any] | None = None) -> str:
        run = self.call("POST", f"/dags/{dag}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return str(run["dag_run_id"])

    def backfill(self, dag: str, first: str, last: str) -> int:
        """What the UI's backfill form posts: every interval from `first` to `last` (days). On SQLite
        metadata the api-server answers 503 when the database stayed locked (nothing is created); an
        operator posts again, and so does this, a few times."""
        body = {"dag_id": dag, "from_date": f"{first}T00:00:00Z", "to_date": f"{last}T23:59:59Z",
                "reprocess_behavior": "none", "max_active_runs": 1}
        for attempt in range(1, BACKFILL_POSTS + 1):
            got = self.client.post("/api/v2/backfills", json=body)
            if got.status_code != 503 or attempt == BACKFILL_POSTS:
                break
            time.sleep(5)
        assert got.status_code < 300, f"{self.what}: POST /backfills: {got.status_code} {got.text}"
        return int(got.json()["id"])

    def backfill_done(self, backfill_id: int) -> bool:
        return self.call("GET", f"/backfills/{backfill_id}")["completed_at"] is not None

    def task_instances(self, dag: str, run_id: str, task: str) -> list[dict[str, Any]]:
        got = self.call("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances", params={"task_id": task})
        mine = [t for t in got["task_instances"] if t["task_id"] == task]
        return sorted(mine, key=lambda t: t["map_index"])

    def tries(self, dag: str, run_id: str, task: str, map_index: int) -> list[dict[str, Any]]:
        got = self.call("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances/{task}/{map_index}/tries")
        return sorted(got["task_instances"], key=lambda t: t["try_number"])

    def xcom(self, dag: str, run_id: str, task: str) -> Any:
        return self.call("GET", f"/dags/{dag}/dagRuns/{run_id}/taskInstances/{task}/xcomEntries/return_value",
                         params={"deserialize": True})["value"]

    def set_variable(self, key: str, value: str) -> None:
        self.client.delete(f"/api/v2/variables/{key}")
        self.call("POST", "/variables", json={"key": key, "value": value})

    def delete_variable(self, key: str) -> None:
        self.client.delete(f"/api/v2/variables/{key}")

    def settle(self, since: datetime, seconds: float, until: str = "news_report") -> dict[str, list[dict]]:
        """Wait until every run since `since` has finished, the last one queued is an `until` run, and no
        new run is queued for a few polls (an asset event starts the next DAG's run within seconds); fail
        on a failed run."""
        deadline = time.monotonic() + seconds
        quiet, seen = 0, None
        while True:
            try:
                runs = {dag: self.runs(dag, since) for dag in DAGS}
            except httpx.HTTPError:
                runs = {}  # the api-server is restarting, or its database is
            flat = [r for rs in runs.values() for r in rs]
            failed = [f"{r['dag_id']} {r['dag_run_id']}" for r in flat if r["state"] == "failed"]
            assert not failed, f"{self.what}: failed runs: {failed}"
            ids = sorted(r["dag_run_id"] for r in flat)
            settled = (flat and all(r["state"] == "success" for r in flat)
                       and max(flat, key=lambda r: r["queued_at"])["dag_id"] == until)
            quiet = quiet + 1 if settled and ids == seen else 0
            seen = ids
            if quiet >= SETTLE_POLLS:
                return runs
            assert time.monotonic() < deadline, f"{self.what}: runs since {since} not finished: " + ", ".join(
                f"{r['dag_id']} {r['dag_run_id']} {r['state']}" for r in flat)
            time.sleep(2)


def now() -> datetime:
    return datetime.now(UTC)
