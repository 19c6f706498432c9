"""docker-compose.yml and the cluster test agree: `make cluster-test` runs the compose file's own
services, settings, volumes, health checks and init script (tests/compose.py, tests/cluster.py),
so what it proves holds for the compose deployment. These checks need no server: they build the
cluster's processes without starting them, and fail when the compose file holds something the
test cannot run as written, or when the test would set something the compose file sets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import compose
from tests.cluster import Cluster, variables
from tests.test_cluster import CLUSTER_ONLY, SAMPLE_SETTINGS, WORKERS

AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    overlay = {**SAMPLE_SETTINGS, **CLUSTER_ONLY, "NEWSFLOW_FEEDS_FILE": "f.yaml"}
    return Cluster(tmp_path, variables(), overlay, {"airflow-worker": len(WORKERS)})


def commands(cluster: Cluster) -> dict[str, tuple[list[str], dict[str, str]]]:
    return {instance: cluster.airflow_command(service, instance, cluster.folder / "hosts" / instance)
            for service in cluster.plan.values() if service.uses_project_image
            for instance in service.instances()}


def test_the_cluster_test_runs_every_service_of_the_compose_file(cluster):
    assert list(cluster.plan) == list(compose.services(variables()))  # in the compose file's start order
    assert set(cluster.plan) == set(compose.load()["services"])
    order = list(cluster.plan)
    for name, service in cluster.plan.items():
        assert all(order.index(dep) < order.index(name) for dep in service.depends_on), name
    got = commands(cluster)
    assert set(got) == {"airflow-init", *[s for s in AIRFLOW_SERVICES if s != "airflow-worker"], *WORKERS}
    for instance, (argv, _) in got.items():
        service = cluster.plan[instance.rsplit("-", 1)[0] if instance in WORKERS else instance]
        if service.entrypoint:  # airflow-init: its own script, paths moved here
            assert argv[0].endswith("/bash") and argv[1] == "-c" and "airflow db migrate" in argv[2]
        else:
            assert Path(argv[0]).name == "airflow" and argv[1:1 + len(service.command)] == service.command


def test_every_airflow_service_gets_the_compose_settings_with_hosts_and_paths_moved_here(cluster):
    got = commands(cluster)
    declared = compose.load()["x-airflow-env"]
    for instance, (_, env) in got.items():
        assert env["AIRFLOW__CORE__EXECUTOR"] == declared["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        pg, redis, api = (cluster.ports[s][p] for s, p in (("postgres", 5432), ("redis", 6379),
                                                            ("airflow-apiserver", 8080)))
        assert f"@127.0.0.1:{pg}/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://127.0.0.1:{redis}/0"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == f"http://127.0.0.1:{api}/execution/"
        assert f"host=127.0.0.1 port={pg}" in env["NEWSFLOW_LAKE_CATALOG"]
        for key, value in declared.items():
            if not any(s in str(value) for s in ("postgres", "redis", "airflow-apiserver", "/", "${")):
                assert env[key] == str(value), (instance, key)
    # one secret for all: the api-server signs what the workers' task runners present
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert len({env[key] for _, env in got.values()}) == 1


def test_the_workers_share_the_data_volume_and_the_logs_and_nothing_else(cluster):
    got = commands(cluster)
    data, logs = cluster.volumes["newsflow-data"], cluster.volumes["airflow-logs"]
    for worker in WORKERS:
        env = got[worker][1]
        for key in ("NEWSFLOW_DB", "NEWSFLOW_STAGING_DIR", "NEWSFLOW_ARCHIVE_DIR"):
            assert Path(env[key]).is_relative_to(data), (worker, key)
        home = Path(env["AIRFLOW_HOME"])
        assert home.is_relative_to(cluster.folder / "hosts" / worker)
        assert (home / "logs").resolve() == logs.resolve()
    assert set(cluster.plan["airflow-worker"].volumes) == {"newsflow-data", "airflow-logs"}
    assert got[WORKERS[0]][1]["AIRFLOW_HOME"] != got[WORKERS[1]][1]["AIRFLOW_HOME"]
    assert got[WORKERS[0]][1]["HOSTNAME"] != got[WORKERS[1]][1]["HOSTNAME"]


def test_every_health_check_of_the_compose_file_has_a_command_here(cluster):
    for _name, service in cluster.plan.items():
        if service.restart == "no":
            continue
        for instance in service.instances():
            # Postgres' and Redis' programs come with `make cluster-test` (scripts/cluster-deps.sh),
            # so this test, in `make test`, holds on a machine that has not run it yet
            argv, env = cluster.health_command(service, instance, resolve=False)
            assert (argv[0] == "bash" or argv[0] in Cluster.DEBIAN_PROGRAMS
                    or shutil.which(argv[0], path=env["PATH"])), (instance, argv)
            assert "localhost" not in " ".join(argv) and "airflow-apiserver" not in " ".join(argv), argv
    worker_check = cluster.health_command(cluster.plan["airflow-worker"], WORKERS[0])
    assert "celery@${HOSTNAME}" in worker_check[0][2] and worker_check[1]["HOSTNAME"] == WORKERS[0]


def test_the_test_adds_settings_and_overrides_none_of_the_compose_file(tmp_path):
    declared = set(compose.load()["x-airflow-env"])
    assert not declared & (set(SAMPLE_SETTINGS) | set(CLUSTER_ONLY))
    clash = Cluster(tmp_path, variables(), {"NEWSFLOW_DB": "/elsewhere.duckdb"}, {})
    with pytest.raises(compose.ComposeError, match=r"override the compose file's \['NEWSFLOW_DB'\]"):
        commands(clash)


def test_a_required_variable_left_out_is_named():
    with pytest.raises(compose.ComposeError, match="AIRFLOW_JWT_SECRET is required: set AIRFLOW_JWT_SECRET"):
        compose.services({})


def test_variables_follow_the_compose_syntax():
    given = {"SET": "x"}
    assert compose.interpolate("${SET}-${UNSET:-d}-${SET:-d}-$${HOSTNAME}", given, "t") == "x-d-x-${HOSTNAME}"


def test_a_host_the_test_cannot_place_is_refused():
    where = compose.Localizer("svc", {"postgres": {5432: 15432}}, {}, {}, Path("/private"))
    assert where.value("postgresql://u:p@postgres/db", "t") == "postgresql://u:p@127.0.0.1:15432/db"
    assert where.value("dbname=x host=postgres", "t") == "dbname=x host=127.0.0.1 port=15432"
    with pytest.raises(compose.ComposeError, match="host 'mysql' is no service"):
        where.value("mysql://u@mysql/db", "svc.X")
    with pytest.raises(compose.ComposeError, match="postgres:6543 is not a port"):
        where.value("postgresql://postgres:6543/db", "svc.X")


def test_container_paths_land_in_the_shared_volume_or_the_instance_folder():
    where = compose.Localizer("w-1", {}, {}, {"/data": Path("/vol/data")}, Path("/hosts/w-1"))
    assert where.value("/data/staging", "t") == "/vol/data/staging"
    assert where.value("/opt/airflow", "t") == "/hosts/w-1/opt/airflow"
    assert where.value("mkdir -p /data/a /database", "t") == "mkdir -p /vol/data/a /hosts/w-1/database"
