"""Benchmark: how long after an entry appears in a feed its article is visible to readers, with the
feed watcher and the default settings. Not a test.

`airflow standalone` (scheduler, triggerer, dag-processor, api-server; started by
scripts/airflow-standalone.sh as `make airflow-ui` starts it) runs the project's DAGs against a
news site on 127.0.0.1 (tests/livefeed.py) with FEEDS feeds. First, nothing new is published for
IDLE minutes: the watcher must start no `news_process` run. Then ENTRIES entries are published at
random times over SPREAD minutes, each to a random feed; the bench reads the published DuckLake
(`publish.read`, as analysts do) every few seconds and notes when each entry's article shows up.
Prints the latencies (p50, max), the runs and events, and writes bench/results/latency.json.

    .venv/bin/python bench/latency_bench.py [--quick] [--entries 10] [--spread 40] [--idle 11]

`--quick`: 4 entries over 12 minutes after 6 idle minutes (about 25 minutes in all). The
daily news_ingest stays paused (it would start a run of its own); news_process and news_report
are unpaused. Settings are the defaults (`watch_min_interval` 300 s, the semantic classifier),
except what a local site needs (NEWSFLOW_ALLOW_HOSTS=127.0.0.1) and NEWSFLOW_* given in the
environment (e.g. NEWSFLOW_WATCH_MIN_INTERVAL=60 to see what a shorter interval buys).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from pipeline import publish  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.errors import NewsflowError  # noqa: E402
from tests.livefeed import Site, serving  # noqa: E402

FEEDS = 6


class Airflow:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params: Any) -> Any:
        resp = httpx.get(f"{self.base}/api/v2{path}", params=params, timeout=20)
        resp.raise_for_status()
        return resp.json()

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.get(f"/dags/{dag_id}/dagRuns", order_by="run_after", limit=500)["dag_runs"]

    def watcher_events(self) -> int:
        events = self.get("/assets/events", name_pattern="newsflow_entries", limit=500)["asset_events"]
        return sum(bool((e.get("extra") or {}).get("from_trigger")) for e in events)

    def watched(self, feeds: list[str]) -> bool:
        asset = self.get("/assets", name_pattern="newsflow_entries")["assets"][0]["id"]
        return all(httpx.get(f"{self.base}/api/v2/assets/{asset}/state-store/feed%2F{f}",
                             timeout=20).status_code == 200 for f in feeds)


def visible(settings: Settings) -> set[str]:
    """Article URLs readers see now."""
    try:
        with publish.read(settings) as con:
            return {row[0] for row in con.execute("SELECT url FROM articles").fetchall()}
    except NewsflowError:  # nothing published yet
        return set()


def wait(check: Any, seconds: float, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"airflow standalone exited ({proc.returncode}) while waiting for {what}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(3)
    raise SystemExit(f"no {what} after {seconds:.0f} s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 entries over 12 min after 6 idle min")
    parser.add_argument("--entries", type=int, default=10)
    parser.add_argument("--spread", type=float, default=40.0, help="minutes over which entries appear")
    parser.add_argument("--idle", type=float, default=11.0, help="minutes with nothing new first")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if args.quick:
        args.entries, args.spread, args.idle = 4, 12.0, 6.0
    rng = random.Random(args.seed)
    info = machine.header()
    work = Path(tempfile.mkdtemp(prefix="newsflow-latency-"))
    with serving(Site()) as site:
        names = [f"site-{n}" for n in range(FEEDS)]
        feeds = [{"id": n, "url": site.feed(n), "language": "en"} for n in names]
        for n in names:
            for k in range(5):
                site.publish(n, f"{n}-old-{k}")
        (work / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env.update({
            "AIRFLOW_HOME": str(work / "airflow"), "NEWSFLOW_AIRFLOW_PORT": str(port),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "NEWSFLOW_DB": str(work / "news.duckdb"), "NEWSFLOW_STAGING_DIR": str(work / "staging"),
            "NEWSFLOW_ARCHIVE_DIR": str(work / "archive"), "NEWSFLOW_FEEDS_FILE": str(work / "feeds.yaml"),
            "NEWSFLOW_ALLOW_HOSTS": env.get("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1"),
        })
        settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("NEWSFLOW_")})
        log = (work / "standalone.log").open("w")
        proc = subprocess.Popen([str(ROOT / "scripts" / "airflow-standalone.sh")], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        airflow = Airflow(f"http://127.0.0.1:{port}")
        try:
            result = measure(args, rng, site, names, airflow, settings, proc)
        finally:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
            log.close()
    lat = [e["latency_s"] for e in result["entries"] if e["latency_s"] is not None]
    summary = {"p50_s": round(statistics.median(lat), 1) if lat else None,
               "max_s": round(max(lat), 1) if lat else None,
               "p90_s": round(percentile(lat, 0.9), 1) if lat else None,
               "missing": sum(e["latency_s"] is None for e in result["entries"])}
    print(f"{FEEDS} feeds on 127.0.0.1; watch_min_interval {settings.watch_min_interval:g} s, "
          f"classifier {settings.classifier}")
    print(f"idle {args.idle:g} min: {result['idle_runs']} news_process runs, "
          f"{result['idle_events']} watcher events (want 0)")
    machine.table(result["entries"], ["entry", "feed", "appeared", "latency_s"])
    print(f"latency from appearing to visible to readers: p50 {summary['p50_s']} s, "
          f"p90 {summary['p90_s']} s, max {summary['max_s']} s, not seen {summary['missing']} "
          f"(target p50 <= 120 s, max <= 300 s)")
    print(f"while publishing: {result['runs']} news_process runs, {result['events']} watcher events "
          f"for {len(result['entries'])} entries")
    machine.write("latency", {"machine": info, "feeds": FEEDS, "args": vars(args),
                              "settings": {"watch_min_interval": settings.watch_min_interval,
                                           "classifier": settings.classifier}, **summary, **result})
    shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, rng: random.Random, site: Site, names: list[str], airflow: Airflow,
            settings: Settings, proc: subprocess.Popen) -> dict[str, Any]:
    wait(lambda: httpx.get(f"{airflow.base}/api/v2/dags/news_report", timeout=5).status_code == 200,
         600, "api-server with the DAGs parsed", proc)
    for dag_id in ("news_process", "news_report"):
        httpx.patch(f"{airflow.base}/api/v2/dags/{dag_id}", json={"is_paused": False},
                    timeout=20).raise_for_status()
    wait(lambda: airflow.watched(names), 600, "the watcher's first look at every feed", proc)
    print(f"watcher running; idle for {args.idle:g} min", flush=True)
    time.sleep(args.idle * 60)
    idle_runs, idle_events = len(airflow.runs("news_process")), airflow.watcher_events()
    # entries at random times over the spread
    times = sorted(rng.uniform(0, args.spread * 60) for _ in range(args.entries))
    start = time.monotonic()
    entries: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}
    while len(entries) < len(times) or pending:
        now = time.monotonic() - start
        while len(entries) < len(times) and times[len(entries)] <= now:
            feed = rng.choice(names)
            entry = {"entry": f"{feed}-new-{len(entries)}", "feed": feed, "appeared": round(now, 1),
                     "latency_s": None}
            entry["url"] = site.publish(feed, entry["entry"])
            entries.append(entry)
            pending[entry["url"]] = entry
            print(f"{now:7.0f} s  published {entry['entry']}", flush=True)
        seen = visible(settings) if pending else set()
        for url in [u for u in pending if u in seen]:
            entry = pending.pop(url)
            entry["latency_s"] = round(time.monotonic() - start - entry["appeared"], 1)
            print(f"{time.monotonic() - start:7.0f} s  visible {entry['entry']} after {entry['latency_s']} s",
                  flush=True)
        if now > args.spread * 60 + 900:  # 15 minutes after the last: give up on the rest
            break
        if proc.poll() is not None:
            raise SystemExit(f"airflow standalone exited ({proc.returncode})")
        time.sleep(2)
    return {"idle_minutes": args.idle, "idle_runs": idle_runs, "idle_events": idle_events,
            "runs": len(airflow.runs("news_process")) - idle_runs,
            "events": airflow.watcher_events() - idle_events,
            "entries": [{k: v for k, v in e.items() if k != "url"} for e in entries]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
