"""Real Airflow components for the tests that need them: an environment of its own (home and
SQLite metadata), components started as processes on 127.0.0.1, and waiting on them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
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


#: Times a component is started again before it is left down (`running`).
RESTARTS = 3


@contextmanager
def running(components: list[list[str]], env: Mapping[str, str], logs: Path) -> Iterator[None]:
    """`airflow <component>` processes, each logging to `logs/<name>.log`, stopped on the way out
    with everything they started (each leads a process group: the scheduler's log server too).

    A component that exits while they run is started again, up to `RESTARTS` times, as the
    deployment's `restart: unless-stopped` does (docker-compose.yml); its log says so and the test
    gets a warning naming it. Airflow 3.3.2's scheduler died once in CI on a race of its own
    (`sqlalchemy.orm.exc.StaleDataError: UPDATE statement on table 'dag_run' expected to update 3
    row(s); 1 were matched`, 7 December 2026); without a restart, everything after it waited on a
    scheduler that was gone."""
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[tuple[list[str], subprocess.Popen[bytes], IO[str]]] = []
    restarted: dict[str, int] = {}
    stopping = threading.Event()
    lock = threading.Lock()

    def start(args: list[str], log: IO[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([AIRFLOW, *args], env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def supervise() -> None:
        while not stopping.wait(2):
            with lock:
                for i, (args, proc, log) in enumerate(procs):
                    if proc.poll() is None or stopping.is_set() or restarted.get(args[0], 0) >= RESTARTS:
                        continue
                    restarted[args[0]] = restarted.get(args[0], 0) + 1
                    log.write(f"\n--- newsflow tests: airflow {args[0]} exited with {proc.returncode}; "
                              f"started again ({restarted[args[0]]} of {RESTARTS})\n")
                    log.flush()
                    procs[i] = (args, start(args, log), log)

    def stop(proc: subprocess.Popen[bytes], sig: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)

    try:
        for args in components:
            log = (logs / f"{args[0]}.log").open("w")
            try:
                procs.append((args, start(args, log), log))
            except OSError:
                log.close()
                raise
        supervisor = threading.Thread(target=supervise, daemon=True)
        supervisor.start()
        yield
    finally:
        stopping.set()
        with lock:
            for _, proc, _ in procs:
                stop(proc, signal.SIGTERM)
            for _, proc, log in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    stop(proc, signal.SIGKILL)
                    proc.wait(timeout=30)
                log.close()
        for name, times in restarted.items():
            warnings.warn(f"airflow {name} exited and was started again {times} time(s): "
                          f"see {logs / name}.log", stacklevel=3)


def healthy(base: str) -> bool:
    return httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200
