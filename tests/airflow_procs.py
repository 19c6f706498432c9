"""Real Airflow components for the tests that need them: an environment of its own (home and
SQLite metadata), components started as processes on 127.0.0.1, and waiting on them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

AIRFLOW = str(Path(sys.executable).parent / "airflow")
DAGS = Path(__file__).resolve().parent.parent / "dags"
PLUGINS = DAGS.parent / "plugins"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_env(home: Path, port: int, newsflow: Mapping[str, str]) -> dict[str, str]:
    """A LocalExecutor Airflow of its own whose tasks call the api-server on `port`, with the
    project's DAGs and plugins, every caller an admin, and these NEWSFLOW_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "newsflow-test-secret",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "newsflow_sqlite.CONNECT_ARGS",  # as make airflow-ui
        **newsflow,
    })
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    return env


def newsflow_in(folder: Path) -> dict[str, str]:
    """What every real-component test sets: DAG files re-parsed every 5 s, and newsflow's
    database, staging, archive and feed list (feeds.yaml) in `folder`."""
    return {
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "NEWSFLOW_DB": str(folder / "news.duckdb"), "NEWSFLOW_STAGING_DIR": str(folder / "staging"),
        "NEWSFLOW_ARCHIVE_DIR": str(folder / "archive"), "NEWSFLOW_FEEDS_FILE": str(folder / "feeds.yaml"),
    }


def wait_until(check: Callable[[], object], seconds: float, what: str, logs: Path | None = None) -> None:
    """Poll `check` until it is true; fail naming `what`, with the tails of the logs in `logs`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            tails = "".join(f"\n--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(logs.glob("*.log"))) \
                if logs else ""
            raise AssertionError(f"no {what} after {seconds:.0f} s{tails}")
        time.sleep(1)


@contextmanager
def running(components: list[list[str]], env: Mapping[str, str], logs: Path) -> Iterator[None]:
    """`airflow <component>` processes, each logging to `logs/<name>.log`, stopped on the way out.

    A component that exits while they run is started again, as the deployment's `restart:
    unless-stopped` does (docker-compose.yml), and its log says so. Airflow 3's scheduler can die
    on a race of its own (`StaleDataError` in `verify_integrity`, apache/airflow#63926); without a
    restart, everything after it would wait on a scheduler that is gone."""
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[tuple[list[str], subprocess.Popen[bytes], IO[str]]] = []
    stopping = threading.Event()
    lock = threading.Lock()

    def start(args: list[str], log: IO[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([AIRFLOW, *args], env=dict(env), stdout=log, stderr=subprocess.STDOUT)

    def supervise() -> None:
        while not stopping.wait(2):
            with lock:
                for i, (args, proc, log) in enumerate(procs):
                    if proc.poll() is not None and not stopping.is_set():
                        log.write(f"\n--- newsflow tests: airflow {args[0]} exited with {proc.returncode}; "
                                  "started again\n")
                        log.flush()
                        procs[i] = (args, start(args, log), log)

    try:
        for args in components:
            log = (logs / f"{args[0]}.log").open("a")
            procs.append((args, start(args, log), log))
        supervisor = threading.Thread(target=supervise, daemon=True)
        supervisor.start()
        yield
    finally:
        stopping.set()
        with lock:
            for _, proc, _ in procs:
                proc.terminate()
            for _, proc, log in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                log.close()


def healthy(base: str) -> bool:
    return httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200
