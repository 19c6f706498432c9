"""Fetch benchmark: 1,000 pages over 20 local hosts, each answering after an injected delay.

Politeness bounds the wall time from below: a host's pages cannot take less than
pages per host x delay / per-host concurrency. The figure that matters is the ratio of the
measured wall time to that bound (target <= 1.25): the hosts must run in parallel and the
scheduler must keep every host's slots busy. Archiving is on (every page goes to a WARC file).

    .venv/bin/python bench/fetch_bench.py [--pages 1000] [--hosts 20] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import fetch  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.models import PageTask  # noqa: E402
from pipeline.urls import article_id, normalise_url  # noqa: E402
from tests import hostile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--delay", type=float, default=0.2, help="seconds each server waits per request")
    ap.add_argument("--per-host", type=int, default=2, help="per_host_concurrency")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.hosts, args.delay)
    per_host_pages = args.pages // args.hosts
    # the servers run in their own process, so they do not compete for the fetcher's GIL
    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--hosts", str(args.hosts),
                             "--delay", str(args.delay)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdin is not None
    bases: list[str] = json.loads(proc.stdout.readline())
    with tempfile.TemporaryDirectory() as tmp:
        servers = [SimpleNamespace(base=b, host=b.removeprefix("http://")) for b in bases]
        settings = Settings(
            allow_hosts=[s.host for s in servers], concurrency=args.hosts * args.per_host,
            per_host_concurrency=args.per_host, per_host_delay=args.delay / args.per_host,
            archive_dir=Path(tmp) / "archive", db=Path(tmp) / "x.duckdb")
        tasks = [PageTask(article_id=article_id(u), url=normalise_url(u), link=u, feed_id=None)
                 for i in range(per_host_pages) for s in servers
                 for u in [f"{s.base}/article/{i}.html"]]
        started = time.perf_counter()
        pages = fetch.fetch_pages(tasks, settings)
        wall = time.perf_counter() - started
        failed = sum(1 for p in pages if p.problem)
        archived = sum(f.stat().st_size for f in (Path(tmp) / "archive").rglob("*.warc.gz"))
    proc.stdin.close()
    proc.wait(timeout=30)
    bound = per_host_pages * args.delay / args.per_host
    result = {"pages": len(tasks), "hosts": args.hosts, "delay_s": args.delay,
              "per_host_concurrency": args.per_host, "per_host_delay_s": args.delay / args.per_host,
              "concurrency": args.hosts * args.per_host, "failed": failed,
              "wall_s": round(wall, 2), "politeness_bound_s": round(bound, 2),
              "ratio": round(wall / bound, 3), "pages_per_s": round(len(tasks) / wall, 1),
              "archive_bytes": archived}
    print(f"{len(tasks)} pages over {args.hosts} hosts ({args.delay:g} s per response, "
          f"{args.per_host} per host): {wall:.2f} s wall, bound {bound:.2f} s, "
          f"ratio {wall / bound:.3f} (target <= 1.25), {failed} failed, "
          f"{len(tasks) / wall:.0f} pages/s, {archived / 1e6:.1f} MB archived")
    out = ROOT / "bench" / "results" / "fetch.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def serve(hosts: int, delay: float) -> None:
    """Serve `hosts` hostile servers on 127.0.0.10...; print their bases; stop when stdin closes."""
    with ExitStack() as stack:
        servers = [stack.enter_context(hostile.serve(f"127.0.0.{10 + i}", delay=delay))
                   for i in range(hosts)]
        print(json.dumps([s.base for s in servers]), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
