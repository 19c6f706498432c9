"""Benchmark: what Airflow costs. The same 1,000-article job through `newsflow run` and through the
DAG chain under `airflow dags test` (news_ingest, then news_process). Not a test.

A local site on 127.0.0.1 serves 10 RSS feeds of 100 items each; every item links a distinct page
made from one of the bundled sample articles (30-300 KB of real page structure, a unique
paragraph each). Both paths run in a fresh process on a fresh DuckDB file with the same settings;
Airflow's metadata database is migrated before the clock starts. Prints a table and writes
bench/results/airflow.json.

    .venv/bin/python bench/airflow_bench.py [--pages 1000] [--executor]

`--executor` also times `news_process` under the LocalExecutor (parallel worker processes talking
to an api-server on 127.0.0.1, as `airflow standalone` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ARTICLES = ROOT / "pipeline" / "sample" / "site" / "articles"
FEEDS = 10


def build_site(pages: int) -> dict[str, bytes]:
    """Path -> body: `pages` article pages and the feeds that link them."""
    templates = sorted(p for p in ARTICLES.glob("*.html") if p.name != "empty.html")
    site: dict[str, bytes] = {}
    items: list[list[str]] = [[] for _ in range(FEEDS)]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(pages):
        html = templates[i % len(templates)].read_text(encoding="utf-8")
        unique = (f"<p>Dispatch {i}: correspondents filed report number {i} from desk {i % 37} "
                  f"on day {i % 29}, with notes {i * 7919 % 104729}.</p>")
        html = re.sub(r"(<article[^>]*>)", r"\1" + unique, html, count=1) if "<article" in html \
            else html.replace("<body>", "<body>" + unique, 1)
        html = html.replace("{{BASE}}", "")
        path = f"/news/{i:05d}/{templates[i % len(templates)].stem}.html"
        site[path] = html.encode("utf-8")
        published = format_datetime(start + timedelta(minutes=17 * i))
        items[i % FEEDS].append(
            f"<item><title>Report {i}</title><link>{{base}}{path}</link><guid>{path}</guid>"
            f"<pubDate>{published}</pubDate><description>Report {i}</description></item>")
    for f, entries in enumerate(items):
        site[f"/feeds/{f}.rss"] = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                                   f"<title>Feed {f}</title><link>{{base}}/</link>"
                                   + "".join(entries) + "</channel></rss>").encode("utf-8")
    return site


def serve(site: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = site.get(self.path.split("?")[0])
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            body = body.replace(b"{base}", base.encode())
            self.send_response(200)
            kind = "application/rss+xml" if self.path.endswith(".rss") else "text/html; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def articles(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM articles WHERE extraction_status = 'ok'").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--executor", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsflow-airflow-bench-"))
    server, base = serve(build_site(args.pages))
    feeds = {"feeds": [{"id": f"bench-{f}", "url": f"{base}/feeds/{f}.rss", "language": "en"}
                       for f in range(FEEDS)]}
    (work / "feeds.yaml").write_text(yaml.safe_dump(feeds), encoding="utf-8")
    common = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "NEWSFLOW_"))}
    common.update({"NEWSFLOW_FEEDS_FILE": str(work / "feeds.yaml"), "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
                   "NEWSFLOW_PER_HOST_DELAY": "0", "NEWSFLOW_PER_HOST_CONCURRENCY": "8",
                   "NEWSFLOW_TASK_RETRIES": "0"})
    rows = []

    cli_db = work / "cli.duckdb"
    env = {**common, "NEWSFLOW_DB": str(cli_db), "NEWSFLOW_STAGING_DIR": str(work / "cli-staging")}
    cli = timed([str(BIN / "newsflow"), "run", "--db", str(cli_db)], env)
    rows.append({"path": "newsflow run", "seconds": round(cli, 1), "articles": articles(cli_db)})

    port = _free_port()
    af_db = work / "airflow.duckdb"
    env = {**common, "NEWSFLOW_DB": str(af_db), "NEWSFLOW_STAGING_DIR": str(work / "af-staging"),
           "AIRFLOW_HOME": str(work / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__PARALLELISM": "2",
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
           "AIRFLOW__API_AUTH__JWT_SECRET": "bench-secret"}
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    ingest = timed([str(BIN / "airflow"), "dags", "test", "news_ingest"], env)
    process = timed([str(BIN / "airflow"), "dags", "test", "news_process"], env)
    rows.append({"path": "airflow dags test (ingest + process)", "seconds": round(ingest + process, 1),
                 "articles": articles(af_db), "ingest_s": round(ingest, 1), "process_s": round(process, 1)})

    if args.executor:
        ex_db = work / "executor.duckdb"
        env = {**env, "NEWSFLOW_DB": str(ex_db), "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
               "AIRFLOW_HOME": str(work / "airflow-ex")}
        subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
        api = subprocess.Popen([str(BIN / "airflow"), "api-server", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(f"http://127.0.0.1:{port}/api/v2/monitor/health")
            ingest = timed([str(BIN / "airflow"), "dags", "test", "news_ingest"], env)
            process = timed([str(BIN / "airflow"), "dags", "test", "news_process", "--use-executor"], env)
        finally:
            api.terminate()
            api.wait(timeout=30)
        rows.append({"path": "LocalExecutor, 2 workers (ingest + process)",
                     "seconds": round(ingest + process, 1), "articles": articles(ex_db),
                     "ingest_s": round(ingest, 1), "process_s": round(process, 1)})
    server.shutdown()

    load = os.getloadavg()
    print(f"{args.pages} pages over {FEEDS} feeds on 127.0.0.1; {os.cpu_count()} CPUs; "
          f"load average {load[0]:.2f} {load[1]:.2f}")
    print(f"{'path':<46} {'seconds':>8} {'articles':>9} {'× CLI':>6}")
    for r in rows:
        r["ratio_to_cli"] = round(r["seconds"] / rows[0]["seconds"], 2)
        print(f"{r['path']:<46} {r['seconds']:>8} {r['articles']:>9} {r['ratio_to_cli']:>6}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "airflow.json").write_text(json.dumps({"pages": args.pages, "cpus": os.cpu_count(),
                                                  "loadavg": load, "rows": rows}, indent=2))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


if __name__ == "__main__":
    main()
