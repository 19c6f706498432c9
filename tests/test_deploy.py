"""The deployment files, checked statically (no Docker engine runs here): docker-compose.yml,
docker/Dockerfile, .dockerignore and the `cluster` extra in uv.lock hold together, and
`make airflow-ui` (scripts/airflow-standalone.sh) is wired to the project's DAGs and pools."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import ROOT, Settings

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SCRIPT = ROOT / "scripts" / "airflow-standalone.sh"

AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")
#: The services that run tasks or parse DAGs, so read and write the DuckDB file, staging area and archive.
DATA_SERVICES = AIRFLOW_SERVICES
#: Settings the compose file sets that another branch is adding to `Settings` (raw WARC archive, issue 1).
#: Drop a name from here once the field is in `pipeline/config.py`.
SETTINGS_ON_THE_WAY = {"archive_dir"}
#: Environment every Airflow service must share, or the services disagree on where work is and who signs it.
SHARED_ENV = ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
              "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
              "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
              "AIRFLOW__CORE__AUTH_MANAGER", "NEWSFLOW_DB", "NEWSFLOW_STAGING_DIR", "NEWSFLOW_ARCHIVE_DIR")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping (so anchors merge)"
    return {k: str(v) for k, v in env.items()}


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Named volume → mount path (bind mounts are not used: the image carries the code)."""
    out = {}
    for spec in service.get("volumes", []):
        source, target = spec.split(":")[:2]
        out[source] = target
    return out


# -- docker-compose.yml ---------------------------------------------------------------------------

def test_compose_has_every_service_of_a_celery_cluster(services):
    assert set(services) >= {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES}


def test_every_airflow_service_runs_the_image_built_from_the_projects_dockerfile(services):
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        build = services[name]["build"]
        assert Path(build["context"]) == Path("."), name
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE, name
    images = {services[name]["image"] for name in ("airflow-init", *AIRFLOW_SERVICES)}
    assert len(images) == 1, f"one image tag for all Airflow services, got {images}"


def test_every_named_volume_is_declared(compose, services):
    declared = set(compose.get("volumes", {}))
    for name, service in services.items():
        for source in _mounts(service):
            assert not source.startswith((".", "/", "~")), f"{name}: bind mount {source}; use a named volume"
            assert source in declared, f"{name}: volume {source} is not declared under volumes:"


def test_the_data_volume_is_mounted_at_one_path_where_the_settings_point(services):
    for name in DATA_SERVICES:
        assert _mounts(services[name]).get("newsflow-data") == "/data", name
        env = _env(services[name])
        for key in ("NEWSFLOW_DB", "NEWSFLOW_STAGING_DIR", "NEWSFLOW_ARCHIVE_DIR"):
            assert Path(env[key]).is_relative_to("/data"), f"{name}: {key}={env[key]} is off the data volume"


def test_airflow_services_share_one_environment(services):
    first = _env(services[AIRFLOW_SERVICES[0]])
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        env = _env(services[name])
        for key in SHARED_ENV:
            assert env.get(key) == first[key], f"{name}: {key} differs"
    assert first["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert first["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert first["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert "@postgres/" in first["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert first["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")


def test_secrets_are_defined_once_and_required(services):
    text = COMPOSE.read_text(encoding="utf-8")
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert text.count(f"{key}:") == 1, f"{key} is set in one anchor, not per service"
        value = _env(services["airflow-apiserver"])[key]
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{key} must come from .env, no default: {value}"


def test_every_newsflow_variable_is_a_setting(services):
    fields = set(Settings.model_fields) | SETTINGS_ON_THE_WAY
    for name, service in services.items():
        for key in _env(service):
            if key.startswith("NEWSFLOW_"):
                assert key.removeprefix("NEWSFLOW_").lower() in fields, f"{name}: {key} is no Settings field"


def test_long_running_services_have_health_checks_and_wait_for_what_they_need(services):
    for name, service in services.items():
        if name == "airflow-init":
            assert service.get("restart") == "no"
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dep, how in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            expected = "service_completed_successfully" if dep == "airflow-init" else "service_healthy"
            assert how == {"condition": expected}, f"{name} → {dep}"
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        needs = set(services[name]["depends_on"])
        assert needs >= {"postgres", "redis"}, name
        if name != "airflow-init":
            assert "airflow-init" in needs, name
    assert "airflow-apiserver" in services["airflow-worker"]["depends_on"]  # the workers' execution API


def test_workers_scale_with_no_fixed_name_or_host_port(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["celery", "worker"]


def test_init_migrates_and_creates_the_pools_the_dags_use(services):
    script = services["airflow-init"]["command"][0]
    assert "airflow db migrate" in script
    assert _pools_set(script) == _dag_pools()


# -- docker/Dockerfile and .dockerignore ----------------------------------------------------------

def test_the_image_installs_from_the_lock_file(dockerfile):
    assert dockerfile[0] == "FROM python:3.11-slim"
    copies = [line for line in dockerfile if line.startswith("COPY ")]
    syncs = [i for i, line in enumerate(dockerfile) if "uv sync" in line]
    assert syncs, "no uv sync"
    lock_copy = next(i for i, line in enumerate(dockerfile)
                     if line.startswith("COPY ") and "uv.lock" in line and "pyproject.toml" in line)
    assert lock_copy < syncs[0]
    for i in syncs:
        assert re.search(r"uv sync --frozen --no-dev --extra cluster\b", dockerfile[i]), dockerfile[i]
    assert copies
    make_uv = re.search(r"^UV_VERSION := (\S+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert make_uv and f"ARG UV_VERSION={make_uv.group(1)}" in dockerfile, "the image's uv is the Makefile's"


def test_the_image_holds_what_the_dags_import_and_what_settings_read(dockerfile, services):
    copied = {line.split()[1].rstrip("/") for line in dockerfile if line.startswith("COPY ")}
    needed = {"dags", "plugins"} | _local_imports_of_dags()
    overridden = {k.removeprefix("NEWSFLOW_").lower() for k in _env(services["airflow-worker"])}
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path) and default.is_relative_to(ROOT) and name not in overridden:
            needed.add(default.relative_to(ROOT).parts[0])
    assert needed >= {"pipeline", "sql", "config"}
    assert needed <= copied, f"the image misses {needed - copied}"


def test_dockerignore_keeps_local_state_out_and_lets_the_sources_in(dockerfile):
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", "data", ".airflow", ".env"} <= ignored
    for line in dockerfile:
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert source.rstrip("/") not in ignored, f"{source} is copied but ignored"


# -- the cluster extra in uv.lock -----------------------------------------------------------------

def test_the_cluster_extra_is_pinned_and_resolved_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = dict(req.split("==") for req in project["optional-dependencies"]["cluster"])
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}
    newsflow = packages["newsflow"]
    assert {d["name"] for d in newsflow["optional-dependencies"]["cluster"]} == set(pins)
    for name, version in pins.items():
        assert packages[name]["version"] == version, name

    # what the compose file's settings need is installed by the extra: follow the lock's dependency graph,
    # extras included (`celery[redis]` → `kombu[redis]` → `redis`)
    reachable: set[str] = set()
    todo: list[tuple[str, str | None]] = [(name, None) for name in pins]
    seen: set[tuple[str, str | None]] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        name, extra = node
        reachable.add(name)
        deps = (packages[name].get("dependencies", []) if extra is None
                else packages[name].get("optional-dependencies", {}).get(extra, []))
        for dep in deps:
            todo.append((dep["name"], None))
            todo += [(dep["name"], e) for e in dep.get("extra", [])]
    assert {"apache-airflow-providers-celery", "psycopg2-binary", "asyncpg", "redis", "celery"} <= reachable
    airflow_version = packages["apache-airflow"]["version"]
    assert f"apache-airflow=={airflow_version}" in project["dependencies"]


# -- make airflow-ui ------------------------------------------------------------------------------

def test_make_airflow_ui_builds_the_env_and_runs_the_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^airflow-ui: (.*)\n\t(.*)$", makefile, re.M)
    assert rule and "env" in rule.group(1).split()
    assert rule.group(2).strip() == "scripts/airflow-standalone.sh"
    assert os.access(SCRIPT, os.X_OK)
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_the_script_sets_up_the_pools_the_dags_use_and_a_local_home():
    text = SCRIPT.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert _pools_set(text) == _dag_pools()
    assert 'AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow}"' in text
    assert ".airflow/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "AIRFLOW__CORE__LOAD_EXAMPLES=False" in text
    order = [text.index(step) for step in ("airflow db migrate", "airflow pools set", "airflow standalone")]
    assert order == sorted(order)
    for key in re.findall(r"export (NEWSFLOW_\w+)=", text):
        assert key.removeprefix("NEWSFLOW_").lower() in set(Settings.model_fields) | SETTINGS_ON_THE_WAY


def test_the_scripts_sqlite_metadata_waits_a_minute_for_a_lock(tmp_path):
    """Airflow's processes share one SQLite file; Python gives up on its lock after 5 s, and a backfill
    posted from the UI meanwhile got 503 "Database is locked" (seen in CI). Airflow itself, set up as
    the script sets it up, opens the file with a minute's busy timeout."""
    setting = re.search(r'export AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS="\$\{\w+:-([\w.]+)\}"',
                        SCRIPT.read_text(encoding="utf-8"))
    assert setting, "the script does not set sql_alchemy_connect_args"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update({"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": setting.group(1)})
    opened = subprocess.run([sys.executable, "-c", (
        "from airflow import settings\n"
        "with settings.engine.connect() as c:\n"
        "    print(c.connection.dbapi_connection.execute('pragma busy_timeout').fetchone()[0])")],
        env=env, capture_output=True, text=True, timeout=120)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.split()[-1] == "60000"


def test_the_script_refuses_a_busy_port_with_a_one_line_reason(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "NEWSFLOW_AIRFLOW_PORT": str(port), "AIRFLOW_HOME": str(tmp_path / "home"),
               "NEWSFLOW_DB": str(tmp_path / "n.duckdb"), "NEWSFLOW_STAGING_DIR": str(tmp_path / "staging"),
               "NEWSFLOW_ARCHIVE_DIR": str(tmp_path / "archive")}
        done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"airflow-standalone: port {port} is already in use; "
                                   "stop what listens there or set NEWSFLOW_AIRFLOW_PORT")
    assert not (tmp_path / "home" / "airflow.db").exists()


# -- helpers ---------------------------------------------------------------------------------------

def _pools_set(script: str) -> dict[str, int]:
    return {name: int(slots) for name, slots in re.findall(r"airflow pools set (\w+) (\d+)", script)}


def _dag_pools() -> dict[str, int]:
    """The pools `dags/newsflow_tasks.py` names, with the slots the design gives them."""
    tree = ast.parse((ROOT / "dags" / "newsflow_tasks.py").read_text(encoding="utf-8"))
    names = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
             for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    return {names["DB_POOL"]: 1, names["BACKFILL_POOL"]: 2}


def _local_imports_of_dags() -> set[str]:
    """Top-level folders of this repository that the DAG files import (at parse time or inside tasks)."""
    found = set()
    for path in (ROOT / "dags").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for module in modules:
                top = module.split(".")[0]
                if (ROOT / top).is_dir() and (ROOT / top / "__init__.py").exists():
                    found.add(top)
    return found
