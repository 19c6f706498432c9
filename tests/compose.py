"""docker-compose.yml read as the plan of a cluster on this machine, for `make cluster-test`.

The compose file is the one declaration of the multi-host deployment: its services, their
environment, commands, shared volumes, health checks, start order and restart policy. This module
turns each service into what a process on 127.0.0.1 needs to run it the same way, so the cluster
test runs the compose file itself and cannot drift from it. What changes on the way is only what a
container gives for free and a shared machine does not:

  hostnames     a service name (`postgres`, `redis`, `airflow-apiserver`) is 127.0.0.1 with a free
                port in place of the container's port; `localhost:<port>` in a health check is the
                service's own port
  paths         a named volume is a folder shared by the services that mount it; the image's
                /opt/newsflow is this repository; anything else under / (the image's AIRFLOW_HOME
                /opt/airflow, an unmounted /data) is the service instance's private folder
  hostname      each instance has its own HOSTNAME (`airflow-worker-1`), as a container has
  variables     `${NAME:-default}` and `${NAME:?message}` are filled from the variables given
                (the .env of the compose header)

Anything it cannot translate (an unknown host, a bind mount, a service without a health check
that something waits on) is an error that names the service and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
#: Where the image puts the repository (docker/Dockerfile's WORKDIR and COPY lines).
IMAGE_CODE = "/opt/newsflow"

_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


class ComposeError(ValueError):
    """docker-compose.yml holds something this plan cannot run on one machine."""


@dataclass(frozen=True)
class Service:
    """One compose service as local processes: `scale` instances named `<name>-<i>`."""

    name: str
    command: list[str]
    entrypoint: list[str] | None
    environment: dict[str, str]
    volumes: dict[str, str]  # named volume -> mount path in the container
    healthcheck: list[str] | None
    restart: str
    depends_on: dict[str, str]
    image: str
    uses_project_image: bool
    scale: int = 1

    def instances(self) -> list[str]:
        return [self.name] if self.scale == 1 else [f"{self.name}-{i}" for i in range(1, self.scale + 1)]


def load(path: Path = COMPOSE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def interpolate(value: str, variables: Mapping[str, str], where: str) -> str:
    """Compose's variable syntax: `${X}`, `${X:-default}`, `${X:?message}`; `$$` is a literal `$`."""
    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        got = variables.get(name, "")
        if op == "-":
            return got or arg
        if op == "?" and not got:
            raise ComposeError(f"{where}: {name} is required: {arg}")
        return got

    parts = value.split("$$")
    return "$".join(_VARIABLE.sub(one, part) for part in parts)


def services(variables: Mapping[str, str], compose: dict[str, Any] | None = None,
             scale: Mapping[str, int] | None = None) -> dict[str, Service]:
    """Every service of the compose file, variables filled in, in the order they can start."""
    compose = compose or load()
    out = {}
    for name, spec in compose["services"].items():
        env = spec.get("environment", {})
        if not isinstance(env, dict):
            raise ComposeError(f"{name}: environment must be a mapping")
        test = (spec.get("healthcheck") or {}).get("test")
        volumes = {}
        for mount in spec.get("volumes", []):
            source, target = mount.split(":")[:2]
            if source.startswith((".", "/", "~")):
                raise ComposeError(f"{name}: bind mount {source}: only named volumes are shared")
            volumes[source] = target
        depends = {dep: how["condition"] for dep, how in (spec.get("depends_on") or {}).items()}
        for dep, condition in depends.items():
            checked = (compose["services"][dep].get("healthcheck") or {}).get("test")
            if condition == "service_healthy" and not checked:
                raise ComposeError(f"{name} waits for {dep} to be healthy, but {dep} has no health check")
        out[name] = Service(
            name=name,
            command=[interpolate(c, variables, f"{name}.command") for c in _as_list(spec.get("command"))],
            entrypoint=_as_list(spec["entrypoint"]) if "entrypoint" in spec else None,
            environment={k: interpolate(str(v), variables, f"{name}.{k}") for k, v in env.items()},
            volumes=volumes,
            healthcheck=[interpolate(str(t), variables, f"{name}.healthcheck") for t in test]
            if test else None,
            restart=str(spec.get("restart", "no")),
            depends_on=depends,
            image=str(spec.get("image", "")),
            uses_project_image="build" in spec,
            scale=(scale or {}).get(name, 1),
        )
    return {name: out[name] for name in _start_order(out)}


def image_environment(dockerfile: Path = DOCKERFILE) -> dict[str, str]:
    """The AIRFLOW* variables the project's image sets (its ENV lines): the services inherit them."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text(encoding="utf-8"))
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for key, value in re.findall(r"(\w+)=(\S+)", line):
                if key.startswith("AIRFLOW"):
                    env[key] = value
    return env


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _start_order(found: dict[str, Service]) -> list[str]:
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise ComposeError(f"depends_on cycle: {' -> '.join((*path, name))}")
        for dep in found[name].depends_on:
            if dep not in found:
                raise ComposeError(f"{name} depends on {dep}, which is no service")
            visit(dep, (*path, name))
        order.append(name)

    for name in found:
        visit(name, ())
    return order


@dataclass(frozen=True)
class Localizer:
    """Translates one service instance's values from the compose network to this machine."""

    instance: str
    ports: Mapping[str, Mapping[int, int]]  # service -> container port -> local port
    own_ports: Mapping[int, int]  # this instance's container ports -> local ports
    mounts: Mapping[str, Path]  # container path -> local folder (shared volumes first)
    private: Path  # the instance's own root for every other container path

    def value(self, text: str, where: str) -> str:
        return self.paths(self.hosts(text, where))

    def hosts(self, text: str, where: str) -> str:
        def url_host(match: re.Match[str]) -> str:
            before, host, port, after = match.group(1), match.group(2), match.group(3), match.group(4)
            local = self._port(host, int(port) if port else None, where)
            return f"{before}127.0.0.1:{local}{after}"

        # scheme://[user[:pw]@]host[:port](/|end) and libpq's host=name
        text = re.sub(r"(://(?:[^@/\s]*@)?)([a-z][\w.-]*)(?::(\d+))?(/|$|\")", url_host, text)
        text = re.sub(r"\bhost=([a-z][\w.-]*)",
                      lambda m: f"host=127.0.0.1 port={self._port(m.group(1), None, where)}", text)
        return text

    def _port(self, host: str, port: int | None, where: str) -> int:
        if host == "localhost":
            table = self.own_ports
        elif host in self.ports:
            table = self.ports[host]
        else:
            raise ComposeError(f"{where}: host {host!r} is no service with a known port")
        if port is None:
            if len(table) != 1:
                raise ComposeError(f"{where}: {host} without a port, and it listens on {sorted(table)}")
            return next(iter(table.values()))
        if port not in table:
            raise ComposeError(f"{where}: {host}:{port} is not a port {host} listens on here")
        return table[port]

    def paths(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            return str(self.path(match.group(0)))

        return re.sub(r"(?<![\w.:/-])/(?:[\w.-]+/?)+", one, text)

    def path(self, container: str) -> Path:
        for prefix, local in sorted(self.mounts.items(), key=lambda kv: -len(kv[0])):
            if container == prefix or container.startswith(prefix.rstrip("/") + "/"):
                return local / container[len(prefix):].lstrip("/")
        return self.private / container.lstrip("/")


def localizer(service: Service, instance: str, ports: Mapping[str, Mapping[int, int]],
              volumes: Mapping[str, Path], private: Path) -> Localizer:
    mounts = {target: volumes[source] for source, target in service.volumes.items()}
    if service.uses_project_image:
        mounts[IMAGE_CODE] = ROOT
    return Localizer(instance, ports, ports.get(instance, ports.get(service.name, {})), mounts, private)
