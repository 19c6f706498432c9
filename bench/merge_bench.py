"""Benchmark: the search index over many publishes, with and without waiting for its merges.

Each commit of the tantivy index can start a merge of its segments. A publish drops its writer
without waiting (`compact` merges, later), and a dropped writer throws the merge away. This
writes N publishes of D prose documents each (the index's own schema and document builder, texts
like `bench/store_bench.py`'s) into a fresh index, once dropping the writer after each commit (a
publish) and once waiting for its merges (a long run, `Settings.long_run`), each in a fresh child
process, and prints per publish: seconds, the peak anonymous and mapped-file memory of the
process (sampled every 50 ms, from the commit's start to three seconds after the writer is gone),
the live segments and the index's size on disk (live segments, and files of no live segment).
Not a test.

    .venv/bin/python bench/merge_bench.py [--publishes 12] [--docs 10000]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import machine  # noqa: E402
import tantivy  # noqa: E402
from store_bench import TEXT_WORDS, Prose  # noqa: E402

from pipeline import fts  # noqa: E402

SEGMENT_FILE = re.compile(r"^([0-9a-f]{32})\.")


def memory() -> tuple[int, int]:
    """(anonymous, mapped-file) resident MB of this process."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssFile:")):
            key, value = line.split(":")
            values[key] = int(value.split()[0]) // 1024
    return values["RssAnon"], values["RssFile"]


class Peak:
    """The highest (anonymous, file, sum) seen by a 50 ms sampler since the last reset."""

    def __init__(self) -> None:
        self.values = (0, 0, 0)
        self.stop = threading.Event()
        threading.Thread(target=self.sample, daemon=True).start()

    def sample(self) -> None:
        while not self.stop.is_set():
            anon, file = memory()
            a, f, s = self.values
            self.values = (max(a, anon), max(f, file), max(s, anon + file))
            time.sleep(0.05)

    def reset(self) -> None:
        self.values = (0, 0, 0)


def on_disk(folder: Path) -> tuple[int, float, float]:
    """Live segments, MB of their files, MB of files that belong to no live segment."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    live = {s["segment_id"].replace("-", "") for s in meta["segments"]}
    mb_live = mb_other = 0.0
    for f in folder.iterdir():
        m = SEGMENT_FILE.match(f.name)
        if m:
            size = f.stat().st_size / 2**20
            if m.group(1) in live:
                mb_live += size
            else:
                mb_other += size
    return len(live), round(mb_live), round(mb_other)


def run(mode: str, publishes: int, docs: int, folder: Path) -> list[dict]:
    """One mode's publishes, in this process."""
    prose = Prose(3)
    peak = Peak()
    rows = []
    for p in range(publishes):
        texts, titles = prose.texts(docs, TEXT_WORDS), prose.texts(docs, 9)
        start = time.perf_counter()
        peak.reset()
        index = fts._register(tantivy.Index(fts.schema(), path=str(folder), reuse=True))
        writer = index.writer(fts.WRITER_HEAP, fts.WRITER_THREADS)
        for k in range(docs):
            i = p * docs + k
            row = {"article_id": f"a{i}", "title": titles[k].rstrip("."), "text": texts[k], "language": "en",
                   "published": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
                   "on_topic": i % 3 == 0, "primary_topic": "battlefield",
                   "source": f"site{i % 97}.example.org", "url": f"https://site{i % 97}.example.org/a/{i}"}
            writer.add_document(fts.document(row))
        writer.commit()
        if mode == "wait":
            writer.wait_merging_threads()
        else:
            del writer
        del index
        seconds = time.perf_counter() - start
        time.sleep(3)  # what a dropped writer's merge does meanwhile
        anon, file, both = peak.values
        segments, live_mb, other_mb = on_disk(folder)
        rows.append({"publish": p + 1, "docs": (p + 1) * docs, "seconds": round(seconds, 1),
                     "peak_anon_mb": anon, "peak_file_mb": file, "peak_mb": both, "segments": segments,
                     "live_mb": live_mb, "other_mb": other_mb})
    peak.stop.set()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publishes", type=int, default=12)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--mode", choices=("drop", "wait"), help=argparse.SUPPRESS)  # the child
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run(args.mode, args.publishes, args.docs, args.folder)))
        return
    machine.header()
    results = {}
    for mode in ("drop", "wait"):
        with tempfile.TemporaryDirectory(prefix="newsflow-merge-") as tmp:
            argv = [sys.executable, __file__, "--mode", mode, "--publishes", str(args.publishes),
                    "--docs", str(args.docs), "--folder", tmp]
            child = subprocess.run(argv, check=True, capture_output=True, text=True)
            results[mode] = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"\n{mode}: the writer {'waits for' if mode == 'wait' else 'is dropped without waiting for'} "
              "its merges")
        print(f"{'publish':>7} {'docs':>8} {'s':>5} {'anon MB':>8} {'file MB':>8} {'sum MB':>7} "
              f"{'segments':>8} {'live MB':>8} {'other MB':>8}")
        for r in results[mode]:
            print(f"{r['publish']:>7} {r['docs']:>8} {r['seconds']:>5} {r['peak_anon_mb']:>8} "
                  f"{r['peak_file_mb']:>8} {r['peak_mb']:>7} {r['segments']:>8} {r['live_mb']:>8} "
                  f"{r['other_mb']:>8}")
    print(json.dumps({"publishes": args.publishes, "docs": args.docs, **results}))


if __name__ == "__main__":
    main()
