"""Benchmark: a backfill from WARC end to end, `newsflow ingest-warc` on 1k, 10k and 30k records.

Builds gzip WARC files with warcio from the shared corpus's real pages, repeated and perturbed
(each record has its own URL and a numbered title, so no two texts or embeddings are the same),
then runs the real command in a child process per size, with a fresh database: extract ->
classify (the default semantic classifier) -> load, batch by batch, then clustering. Samples the
resident memory of the whole process tree (the command, the fork server, the workers) every
0.2 s: its high-water mark must not grow with the file. Not a test.

    .venv/bin/python bench/backfill_bench.py [--sizes 1000,10000,30000] [--corpus 600]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine
import psutil
from corpus import corpus_pages
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

NEWSFLOW = str(Path(sys.executable).parent / "newsflow")
TITLE = re.compile(rb"<title[^>]*>", re.IGNORECASE)


def build_warc(path: Path, n: int, pages: list[tuple[str, bytes]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for k in range(n):
            name, body = pages[k % len(pages)]
            edition = f"Edition {k}: ".encode()
            body = TITLE.sub(lambda m, e=edition: m.group(0) + e, body, count=1)
            url = f"https://corpus{k % 40}.example.org/{k}/{name}"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS of the process tree and of the main process (bytes), and output."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    main = psutil.Process(proc.pid)
    peak_tree = peak_main = 0
    while proc.poll() is None:
        try:
            tree = [main, *main.children(recursive=True)]
            rss = [p.memory_info().rss for p in tree]
            peak_tree, peak_main = max(peak_tree, sum(rss)), max(peak_main, rss[0])
        except psutil.Error:
            pass
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        sys.exit(f"ingest-warc failed:\n{out}")
    return time.perf_counter() - start, peak_tree, peak_main, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,30000")
    parser.add_argument("--corpus", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = corpus_pages(args.corpus)
    info = machine.header()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            warc = Path(tmp) / f"bench-{n}.warc.gz"
            t0 = time.perf_counter()
            build_warc(warc, n, pages)
            built = time.perf_counter() - t0
            env = {**os.environ, "NEWSFLOW_DB": str(Path(tmp) / f"bench-{n}.duckdb"),
                   "NEWSFLOW_STAGING_DIR": str(Path(tmp) / "staging"),
                   "NEWSFLOW_BATCH_SIZE": str(args.batch_size),
                   "NEWSFLOW_FEEDS_FILE": str(Path(tmp) / "none.yaml")}
            load_before = os.getloadavg()[0]
            secs, tree, main_rss, out = run_measured([NEWSFLOW, "ingest-warc", str(warc)], env)
            stages = re.search(r"time per stage\s*│?\s*(.*?)\s*│?\n", out)
            row = {"records": n, "warc_mb": round(warc.stat().st_size / 1e6, 1), "build_s": round(built, 1),
                   "seconds": round(secs, 1), "pages_per_s": round(n / secs, 1),
                   "peak_rss_tree_mb": round(tree / 2**20), "peak_rss_main_mb": round(main_rss / 2**20),
                   "stages": stages.group(1) if stages else "", "load_before": round(load_before, 2),
                   "load_after": round(os.getloadavg()[0], 2)}
            rows.append(row)
            print(f"  {n} records: {secs:.0f}s, peak RSS {row['peak_rss_tree_mb']} MB ({row['stages']})",
                  flush=True)
            warc.unlink()
    print(f"{'records':>8} {'WARC MB':>8} {'seconds':>8} {'pages/s':>8} {'peak RSS tree':>14} {'main':>6}"
          "  load")
    for r in rows:
        print(f"{r['records']:>8} {r['warc_mb']:>8} {r['seconds']:>8} {r['pages_per_s']:>8} "
              f"{r['peak_rss_tree_mb']:>11} MB {r['peak_rss_main_mb']:>6}  "
              f"{r['load_before']}->{r['load_after']}")
        print(f"{'':>8} stages: {r['stages']}")
    ten = next((r for r in rows if r["records"] == 10_000), None)
    if ten:
        print(f"10k records in {ten['seconds'] / 60:.1f} min (target <= 6 min on 2 cores)")
    machine.write("backfill", {"machine": info, "batch_size": args.batch_size, "runs": rows})


if __name__ == "__main__":
    main()
