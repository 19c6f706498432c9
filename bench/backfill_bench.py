"""Benchmark: a backfill from WARC end to end, `newsflow ingest-warc` on 1k, 10k and 30k records.

Builds gzip WARC files with warcio from the shared corpus's real pages, repeated and perturbed
(each record has its own URL, a numbered title, and its body's articles and demonstratives
chosen at random: no two texts are the same, as in a real archive; until 5 December 2026 only the
titles differed, and the DuckLake stored each text once, in a Parquet dictionary),
then runs the real command in a child process per size, with a fresh database: extract ->
classify (the default semantic classifier) -> load, batch by batch, then clustering. Samples the
resident memory of the whole process tree (the command, the fork server, the workers) every
0.2 s, while the file is streamed and over the whole run: the streaming high-water mark must not
grow with the file. Prints the main process's peak and when it came (streaming, or the end:
clustering and the last publish), and how much of that peak was anonymous memory (heaps) and how
much file pages mapped in (the search index's files, which tantivy maps, and the libraries: the
kernel can drop them, but RSS counts them). A publish's spike lasts a second or two, so the
samples can miss its top by tens of MB: the main process's kernel high-water mark (`VmHWM`, read
at every sample) is printed beside them, and it misses nothing but the last 0.2 s before the
command exits (added 6 December 2026; earlier figures are sampled). `--timeline DIR` writes the
samples every 2 s (seconds, MB of the main process, MB of its children, phase, the main
process's anonymous and file MB) to DIR/rss-<records>.tsv as the run goes. Not a test.

    .venv/bin/python bench/backfill_bench.py [--sizes 1000,10000,30000] [--corpus 600] [--timeline DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
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
BODY = re.compile(rb"<body", re.IGNORECASE)
#: Small words of the corpus's languages, each drawn anew from its group in every record.
SMALL_WORDS = ((b"the", b"a", b"this", b"that"), (b"der", b"die", b"das", b"dem", b"den"),
               (b"und", b"oder"), (b"le", b"la", b"les"), (b"und", b"and"))
SMALL = re.compile(rb"\b(?:" + b"|".join(w for group in SMALL_WORDS for w in group) + rb")\b")
GROUP = {w: group for group in SMALL_WORDS for w in group}


def vary(body: bytes, k: int) -> bytes:
    """The page with the small words of its body drawn anew for record k (`SMALL_WORDS`)."""
    rng = random.Random(k)
    start = found.start() if (found := BODY.search(body)) else 0
    return body[:start] + SMALL.sub(lambda m: rng.choice(GROUP[m.group(0)]), body[start:])


def build_warc(path: Path, n: int, pages: list[tuple[str, bytes]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for k in range(n):
            name, body = pages[k % len(pages)]
            edition = f"Edition {k}: ".encode()
            body = vary(TITLE.sub(lambda m, e=edition: m.group(0) + e, body, count=1), k)
            url = f"https://corpus{k % 40}.example.org/{k}/{name}"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


def run_measured(args: list[str], env: dict[str, str], warc: Path,
                 timeline: Path | None = None) -> dict[str, float | str]:
    """Run the command; wall seconds and peak RSS (MB) of the process tree and of the main
    process, split into the streaming phase (while the command has the WARC file open: read,
    extract, classify, load batch by batch) and the whole run (which ends with clustering the
    window and publishing the snapshot with its full-text index, both over the database)."""
    with tempfile.TemporaryFile("w+") as log:  # not a pipe: a full pipe would stall the command
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        peak, streaming_ended = watch(proc, warc, start, timeline)
        seconds = time.perf_counter() - start
        log.seek(0)
        out = log.read()
    if proc.returncode != 0:
        sys.exit(f"ingest-warc failed:\n{out}")
    return {"seconds": seconds, "stream_seconds": streaming_ended or seconds, "output": out,
            **{k: (round(v / 2**20) if k != "main_peak_at" else round(v, 1)) for k, v in peak.items()}}


def watch(proc: subprocess.Popen[str], warc: Path, start: float,
          timeline: Path | None = None) -> tuple[dict[str, float], float | None]:
    """Sample the process tree's memory every 0.2 s until the command ends (every 2 s to
    `timeline`, if given)."""
    main = psutil.Process(proc.pid)
    peak: dict[str, float] = {"tree": 0, "main": 0, "stream_tree": 0, "stream_main": 0,
                              "main_peak_at": 0.0, "main_anon": 0, "main_anon_at_peak": 0,
                              "main_file_at_peak": 0, "main_hwm": 0}
    if timeline:
        timeline.parent.mkdir(parents=True, exist_ok=True)
    out = timeline.open("w") if timeline else None
    written = -2.0
    streaming_ended = None
    opened = False
    while proc.poll() is None:
        try:
            tree = [main, *main.children(recursive=True)]
            info = [p.memory_info() for p in tree]
            rss = [i.rss for i in info]
            # psutil's `shared`: the resident pages backed by files (and shared memory); the rest is heap
            mapped = info[0].shared
            anon = rss[0] - mapped
            reading = any(f.path == str(warc) for f in main.open_files())
        except psutil.Error:
            time.sleep(0.2)
            continue
        opened = opened or reading
        # the kernel's high-water mark of the main process's RSS: exact, where the samples can miss
        # a spike of a second or two (read while the process lives, so up to the last sample)
        with contextlib.suppress(OSError):  # gone since the sample above
            peak["main_hwm"] = max(peak["main_hwm"], machine.peak_rss_mb(proc.pid) * 2**20)
        now = time.perf_counter() - start
        if rss[0] > peak["main"]:
            peak["main_peak_at"] = now
            peak["main_anon_at_peak"], peak["main_file_at_peak"] = anon, mapped
        peak["main_anon"] = max(peak["main_anon"], anon)
        peak["tree"], peak["main"] = max(peak["tree"], sum(rss)), max(peak["main"], rss[0])
        if out and now - written >= 2.0:
            out.write(f"{now:.1f}\t{rss[0] / 2**20:.0f}\t{sum(rss[1:]) / 2**20:.0f}\t"
                      f"{'streaming' if reading else 'end' if opened else 'start'}\t"
                      f"{anon / 2**20:.0f}\t{mapped / 2**20:.0f}\n")
            out.flush()
            written = now
        if not opened or reading:
            peak["stream_tree"] = max(peak["stream_tree"], sum(rss))
            peak["stream_main"] = max(peak["stream_main"], rss[0])
        elif streaming_ended is None:
            streaming_ended = time.perf_counter() - start
        time.sleep(0.2)
    if out:
        out.close()
    return peak, streaming_ended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,30000")
    parser.add_argument("--corpus", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--timeline", type=Path, help="folder for the 2-second RSS samples")
    parser.add_argument("--workdir", type=Path,
                        help="keep the databases here (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = corpus_pages(args.corpus)
    info = machine.header()
    rows = []
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(str(args.workdir)) if args.workdir else tempfile.TemporaryDirectory() as tmp:
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
            timeline = args.timeline / f"rss-{n}.tsv" if args.timeline else None
            m = run_measured([NEWSFLOW, "ingest-warc", str(warc)], env, warc, timeline)
            if args.timeline:
                (args.timeline / f"output-{n}.txt").write_text(str(m["output"]))
            secs = float(m["seconds"])
            stages = re.search(r"time per stage\s*│?\s*(.*?)\s*│?\n", str(m["output"]))
            row = {"records": n, "warc_mb": round(warc.stat().st_size / 1e6, 1), "build_s": round(built, 1),
                   "seconds": round(secs, 1), "pages_per_s": round(n / secs, 1),
                   "stream_seconds": round(float(m["stream_seconds"]), 1),
                   "peak_rss_tree_mb": m["tree"], "peak_rss_main_mb": m["main"],
                   "stream_peak_rss_tree_mb": m["stream_tree"], "stream_peak_rss_main_mb": m["stream_main"],
                   "main_peak_at_s": m["main_peak_at"],
                   "main_peak_anon_mb": m["main_anon_at_peak"], "main_peak_file_mb": m["main_file_at_peak"],
                   "main_anon_peak_mb": m["main_anon"], "main_hwm_mb": m["main_hwm"],
                   "stages": stages.group(1) if stages else "", "load_before": round(load_before, 2),
                   "load_after": round(os.getloadavg()[0], 2)}
            rows.append(row)
            print(f"  {n} records: {secs:.0f}s, peak RSS {row['peak_rss_tree_mb']} MB ({row['stages']})",
                  flush=True)
            warc.unlink()
    print("peak RSS in MB of the process tree (the command, the fork server, 2 workers) and of the "
          "command alone;\n'streaming' is while the WARC file is read batch by batch, 'whole run' "
          "adds clustering the window and publishing the snapshot")
    print(f"{'records':>8} {'WARC MB':>8} {'seconds':>8} {'pages/s':>8} {'streaming: tree':>16} {'main':>5}"
          f" {'whole run: tree':>16} {'main':>5}  load")
    for r in rows:
        print(f"{r['records']:>8} {r['warc_mb']:>8} {r['seconds']:>8} {r['pages_per_s']:>8} "
              f"{r['stream_peak_rss_tree_mb']:>16} {r['stream_peak_rss_main_mb']:>5} "
              f"{r['peak_rss_tree_mb']:>16} {r['peak_rss_main_mb']:>5}  "
              f"{r['load_before']}->{r['load_after']}")
        print(f"{'':>8} seconds per stage (extract, classify, dedup summed over the workers): {r['stages']}; "
              f"streaming ended at {r['stream_seconds']}s; the main process peaked at {r['main_peak_at_s']}s "
              f"({r['main_peak_anon_mb']} MB anonymous, {r['main_peak_file_mb']} MB file pages; "
              f"its anonymous memory peaked at {r['main_anon_peak_mb']} MB; the kernel's high-water mark "
              f"of its RSS (VmHWM, no spike missed) {r['main_hwm_mb']} MB)")
    ten = next((r for r in rows if r["records"] == 10_000), None)
    if ten:
        print(f"10k records in {ten['seconds'] / 60:.1f} min (target <= 6 min on 2 cores)")
    machine.write("backfill", {"machine": info, "batch_size": args.batch_size, "runs": rows})


if __name__ == "__main__":
    main()
