"""Benchmark: articles classified per second in each mode, on this machine. Not a test.

Uses the written set's items repeated to --n articles; the semantic mode embeds the title and
the first 60 words (see pipeline.semantic), the lexical mode reads up to 20,000 characters.
"semantic as it was" is the default mode before the real labelled set (its relevance head
fitted on the written set, no peace, no neighbours), measured in the same run: the default must
be no slower per article. Prints a table and writes bench/results/classify.json.

    .venv/bin/python bench/classify_bench.py [--n 500]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from pipeline.classify import default_classifier
from pipeline.evaluate import load_items
from pipeline.semantic import SemanticClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    items = load_items()
    texts = [(f"b{k}", items[k % len(items)]["title"], items[k % len(items)]["text"])
             for k in range(args.n)]
    words = sum(len((t or "").split()) for _, _, t in texts) / len(texts)
    rows = []
    contenders = [(mode, default_classifier(mode)) for mode in ("lexical", "semantic")]
    contenders.append(("semantic as it was", SemanticClassifier(legacy=True)))
    best: dict[str, float] = {}
    for round_ in range(args.rounds):  # interleaved rounds, the best of each: less noise
        for mode, clf in (contenders if round_ % 2 == 0 else contenders[::-1]):
            clf.classify(texts[:5])  # load the model outside the timing
            start = time.perf_counter()
            for i in range(0, len(texts), args.batch):
                clf.classify(texts[i:i + args.batch])
            best[mode] = min(best.get(mode, float("inf")), time.perf_counter() - start)
    for mode, clf in contenders:
        secs = best[mode]
        rows.append({"mode": mode, "version": clf.version, "articles": len(texts),
                     "seconds": round(secs, 2), "articles_per_s": round(len(texts) / secs, 1)})
    print(f"{len(texts)} articles, {words:.0f} words on average, {os.cpu_count()} CPUs")
    print(f"{'mode':<20} {'seconds':>8} {'articles/s':>11}  version")
    for r in rows:
        print(f"{r['mode']:<20} {r['seconds']:>8} {r['articles_per_s']:>11}  {r['version']}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "classify.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
