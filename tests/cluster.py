"""The docker-compose cluster started on this machine, for `make cluster-test`: Postgres
(`initdb` + `pg_ctl`), Redis, and every Airflow service of docker-compose.yml as processes on
127.0.0.1 under one temporary folder, in the compose file's start order, with its health checks
and its restart policy. tests/compose.py turns the compose file into these processes; this module
runs them and stops everything it started."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.compose import ROOT, ComposeError, Service, image_environment, localizer, services

BIN = Path(sys.executable).parent
#: Debian's Postgres server programs (15 on bookworm; the newest installed version is used)
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name),
             default=Path("/usr/lib/postgresql/15/bin/initdb")).parent
#: The port each kind of service listens on in its container, and the setting that moves it here.
LISTENS = {
    "airflow-apiserver": {8080: "AIRFLOW__API__PORT"},
    "airflow-scheduler": {8974: "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"},
}
#: What the compose services bind to in their containers, bound to loopback here.
LOOPBACK = {"AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1"}
#: Flags a command gets on a shared machine: the worker is named after its instance (a container's hostname
#: names it), and no component opens a log server (it would listen on every address; the logs are on the
#: shared airflow-logs volume, where the api-server reads them).
LOCAL_FLAGS = {
    ("celery", "worker"): lambda instance: ["--celery-hostname", f"celery@{instance}", "--skip-serve-logs"],
    ("triggerer",): lambda instance: ["--skip-serve-logs"],
}
STOP_SECONDS = 30


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    instance: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    restart: str
    popen: subprocess.Popen[bytes] | None = None
    stopped: bool = False
    restarts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            # its own process group: stopping (or killing) it takes the children it forked too
            self.popen = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def signal(self, sig: int) -> None:
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        self.stopped = True
        if not self.popen:
            return
        self.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=STOP_SECONDS)
        # whatever of the group is left, the children of a leader that has exited included
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=STOP_SECONDS)


@dataclass
class Cluster:
    """docker-compose.yml on 127.0.0.1. `variables` are the compose file's .env; `overlay` adds settings
    the compose file leaves to the operator (the feed list, faster retries for a test); `scale` the
    instances per service."""

    folder: Path
    variables: dict[str, str]
    overlay: Mapping[str, str]
    scale: Mapping[str, int]
    plan: dict[str, Service] = field(init=False)
    ports: dict[str, dict[int, int]] = field(init=False, default_factory=dict)
    volumes: dict[str, Path] = field(init=False, default_factory=dict)
    processes: dict[str, Process] = field(init=False, default_factory=dict)
    pgdata: Path = field(init=False, default=Path("/nonexistent"))
    _watch: threading.Thread | None = field(init=False, default=None)
    _closing: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self) -> None:
        api_port = free_port()
        # the address users reach the UI at (the compose file's AIRFLOW_BASE_URL, localhost:8080 by default)
        self.variables = {"AIRFLOW_BASE_URL": f"http://127.0.0.1:{api_port}", **self.variables}
        self.plan = services(self.variables, scale=self.scale)
        for name, service in self.plan.items():
            if service.image.startswith("postgres:"):
                self.ports[name] = {5432: free_port()}
            elif service.image.startswith("redis:"):
                self.ports[name] = {6379: free_port()}
            if name in LISTENS:
                for instance in service.instances():
                    self.ports[instance] = {port: api_port if (name, port) == ("airflow-apiserver", 8080)
                                            else free_port() for port in LISTENS[name]}
                self.ports[name] = self.ports[service.instances()[0]]
        for service in self.plan.values():
            for volume in service.volumes:
                self.volumes[volume] = self.folder / "volumes" / volume
        for path in self.volumes.values():
            path.mkdir(parents=True, exist_ok=True)

    # -- what tests use ---------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['airflow-apiserver'][8080]}"

    def data(self, container_path: str) -> Path:
        """A path of the shared data volume as every service sees it (e.g. '/data/newsflow.duckdb')."""
        worker = self.plan["airflow-worker"]
        return self._localizer(worker, worker.instances()[0]).path(container_path)

    def env_of(self, instance: str) -> dict[str, str]:
        return dict(self.processes[instance].env)

    def kill(self, instance: str) -> None:
        """SIGKILL an instance and everything it started, as a machine lost: it is not restarted."""
        proc = self.processes[instance]
        proc.stopped = True
        proc.signal(signal.SIGKILL)
        assert proc.popen is not None
        proc.popen.wait(timeout=STOP_SECONDS)

    def revive(self, instance: str) -> None:
        """Start a killed instance again, as a replacement machine."""
        proc = self.processes[instance]
        proc.stopped = False
        proc.start()

    def restart_postgres(self, down_seconds: float) -> None:
        """Stop the Postgres server (fast shutdown: open connections are cut), wait, start it again."""
        self._pg_ctl("stop", "-m", "fast")
        time.sleep(down_seconds)
        self._pg_ctl("start")

    def postgres_dsn(self, database: str) -> str:
        pg = self.plan["postgres"].environment
        return (f"host=127.0.0.1 port={self.ports['postgres'][5432]} dbname={database} "
                f"user={pg['POSTGRES_USER']} password={pg['POSTGRES_PASSWORD']}")

    def logs(self) -> str:
        """The tail of every instance's log, Postgres's included."""
        files = sorted((self.folder / "logs").glob("*.log"))
        return "".join(f"\n--- {f.stem}\n{f.read_text(errors='replace')[-3000:]}" for f in files)

    # -- start and stop ---------------------------------------------------------------------------

    def start(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        for service in self.plan.values():
            for dep, condition in service.depends_on.items():
                self._wait(dep, condition, deadline)
            for instance in service.instances():
                self._start(service, instance)
        for name, service in self.plan.items():
            if service.healthcheck and service.restart != "no":
                self._wait(name, "service_healthy", deadline)
        self._watch = threading.Thread(target=self._supervise, daemon=True)
        self._watch.start()

    def stop(self) -> None:
        self._closing.set()
        if self._watch:
            self._watch.join(timeout=5)
        for proc in reversed(list(self.processes.values())):
            if proc.instance != "postgres":
                proc.stop()
        if (self.pgdata / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")

    def _supervise(self) -> None:
        """`restart: unless-stopped`: an instance that exits by itself is started again."""
        while not self._closing.wait(1):
            for proc in self.processes.values():
                if (proc.restart == "unless-stopped" and not proc.stopped and proc.popen is not None
                        and proc.popen.poll() is not None and not self._closing.is_set()):
                    with proc.log.open("ab") as out:
                        out.write(f"\n=== exited with {proc.popen.returncode}; restarting\n".encode())
                    proc.restarts += 1
                    proc.start()

    def _localizer(self, service: Service, instance: str):  # noqa: ANN202 - tests.compose.Localizer
        return localizer(service, instance, self.ports, self.volumes, self.folder / "hosts" / instance)

    def _start(self, service: Service, instance: str) -> None:
        private = self.folder / "hosts" / instance
        (private / "tmp").mkdir(parents=True, exist_ok=True)
        log = self.folder / "logs" / f"{instance}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        if service.image.startswith("postgres:"):
            self._start_postgres(service, private, log)
            return
        if service.image.startswith("redis:"):
            port = self.ports[service.name][6379]
            argv = [_program("redis-server"), "--bind", "127.0.0.1", "--port", str(port),
                    "--dir", str(private), "--save", "", "--appendonly", "no"]
            env = _base_env(private)
        elif service.uses_project_image:
            argv, env = self.airflow_command(service, instance, private)
        else:
            raise ComposeError(f"{service.name}: image {service.image} has no local counterpart")
        proc = Process(instance, argv, env, private, log, service.restart)
        self.processes[instance] = proc
        proc.start()

    def airflow_command(self, service: Service, instance: str,
                        private: Path) -> tuple[list[str], dict[str, str]]:
        """The command line and environment of an Airflow service instance: the compose file's, here."""
        overridden = set(self.overlay) & (set(service.environment) | set(image_environment()))
        if overridden:
            raise ComposeError(f"{instance}: the test would override the compose file's {sorted(overridden)}")
        where = self._localizer(service, instance)
        env = _base_env(private)
        for key, value in {**image_environment(), **service.environment}.items():
            env[key] = where.value(value, f"{instance}.{key}")
        for port, key in LISTENS.get(service.name, {}).items():
            env[key] = str(self.ports[instance][port])
        env.update(LOOPBACK)
        env.update({
            "HOSTNAME": instance,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.cluster_hostname.hostname",
            "PYTHONPATH": str(ROOT),
        })
        env.update(self.overlay)
        # a mount is the shared folder wherever the service reaches it: also under its own AIRFLOW_HOME
        for source, target in service.volumes.items():
            link = private / target.lstrip("/")
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to(self.volumes[source], target_is_directory=True)
        Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
        command = [where.value(c, f"{instance}.command") for c in service.command]
        if service.entrypoint:
            argv = [*service.entrypoint, *command]
            argv[0] = _program(Path(argv[0]).name)
        else:
            argv = [str(BIN / "airflow"), *command]
            for words, flags in LOCAL_FLAGS.items():
                if tuple(command[:len(words)]) == words:
                    argv += flags(instance)
        return argv, env

    def _start_postgres(self, service: Service, private: Path, log: Path) -> None:
        env = service.environment
        self.pgdata = private / "pgdata"
        pwfile = private / "pwfile"
        pwfile.write_text(env["POSTGRES_PASSWORD"] + "\n")
        sockets = private / "sockets"
        sockets.mkdir(exist_ok=True)
        for path in (private, pwfile, sockets, log.parent):
            _own(path)
        log.touch()
        _own(log)
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", env["POSTGRES_USER"],
                      f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"])
        port = self.ports["postgres"][5432]
        self._pg_options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
                            "-c max_connections=300 -c fsync=off")
        self._pglog = log
        self._pg_ctl("start")
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", env["POSTGRES_USER"], env["POSTGRES_DB"]], check=True, capture_output=True,
                       env={**os.environ, "PGPASSWORD": env["POSTGRES_PASSWORD"]})

    def _pg_ctl(self, *args: str) -> None:
        extra = ["-o", self._pg_options, "-l", str(self._pglog)] if args[0] == "start" else []
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", *args, *extra])

    def _wait(self, name: str, condition: str, deadline: float) -> None:
        service = self.plan[name]
        if condition == "service_completed_successfully":
            for instance in service.instances():
                proc = self.processes[instance]
                assert proc.popen is not None
                code = proc.popen.wait(timeout=max(1.0, deadline - time.monotonic()))
                if code != 0:
                    raise AssertionError(f"{instance} exited with {code}{self.logs()}")
            return
        for instance in service.instances():
            while not self._healthy(service, instance):
                proc = self.processes.get(instance)
                if proc and proc.popen and proc.popen.poll() is not None and proc.restart == "no":
                    raise AssertionError(f"{instance} exited with {proc.popen.returncode}{self.logs()}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"{instance} not healthy in time{self.logs()}")
                time.sleep(2)

    def _healthy(self, service: Service, instance: str) -> bool:
        return self.health_check(service, instance).returncode == 0

    def health_check(self, service: Service, instance: str) -> subprocess.CompletedProcess[str]:
        """The compose file's health check of one instance, run here."""
        argv, env = self.health_command(service, instance)
        try:
            return subprocess.run(argv, env=env, cwd=self.folder / "hosts" / instance, capture_output=True,
                                  text=True, timeout=60)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, 1, "", "timed out")

    #: The programs of the health checks that scripts/cluster-deps.sh installs from Debian.
    DEBIAN_PROGRAMS = frozenset({"pg_isready", "redis-cli"})

    def health_command(self, service: Service, instance: str, *,
                       resolve: bool = True) -> tuple[list[str], dict[str, str]]:
        """The compose file's health check of one instance as a command here, and its environment;
        `resolve=False` leaves the program's name as it is (it may not be installed yet)."""
        test = service.healthcheck
        if not test:
            raise ComposeError(f"{service.name} has no health check")
        if service.uses_project_image:
            env = self.processes[instance].env if instance in self.processes else \
                self.airflow_command(service, instance, self.folder / "hosts" / instance)[1]
            where = self._localizer(service, instance)
            words = [where.value(t, f"{instance}.healthcheck") for t in test[1:]]
        else:
            env = _base_env(self.folder / "hosts" / instance)
            words = list(test[1:])
            own = self.ports[service.name]
            if words[0] == "pg_isready":
                env.update(PGHOST="127.0.0.1", PGPORT=str(own[5432]))
            elif words[0] == "redis-cli":
                words[1:1] = ["-h", "127.0.0.1", "-p", str(own[6379])]
            else:
                raise ComposeError(f"{service.name}: no local counterpart for the health check {words[0]}")
        if test[0] == "CMD":
            return [_program(words[0]) if resolve else words[0], *words[1:]], env
        if test[0] == "CMD-SHELL":
            return ["bash", "-c", words[0]], env
        raise ComposeError(f"{service.name}: health check form {test[0]} is not CMD or CMD-SHELL")


def variables() -> dict[str, str]:
    """The .env the compose file's header writes: fresh secrets and an admin password."""
    return {"AIRFLOW_JWT_SECRET": secrets.token_hex(32), "AIRFLOW_API_SECRET_KEY": secrets.token_hex(32),
            "AIRFLOW_ADMIN_PASSWORD": secrets.token_hex(12)}


def _base_env(private: Path) -> dict[str, str]:
    """A clean environment for a service instance: no AIRFLOW/NEWSFLOW settings of this process."""
    keep = ("LANG", "LC_ALL", "TZ", "USER", "LOGNAME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(PATH=f"{BIN}:{PG_BIN}:/usr/local/bin:/usr/bin:/bin", HOME=str(private),
               TMPDIR=str(private / "tmp"))
    return env


def _program(name: str) -> str:
    for folder in (BIN, PG_BIN):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise ComposeError(f"{name} is not installed (make cluster-test installs it)")
    return found


def _as_postgres(argv: list[str]) -> None:
    """Postgres refuses to run as root: run its commands as the `postgres` user then."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}")


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
