"""Benchmark of the analysts' review loop on the real test split. Not a test.

`newsflow review` lists the decisions nearest their line (`pipeline.relevance.margins`, the
`review_queue` view); an analyst corrects those that are wrong (`newsflow label`), the correction
wins in the current_* views at once, and `newsflow train` learns from the corrections. This plays
the loop over the three test months (June, July, August 2026) in order, with the labels of the set
standing in for the analyst: each month is decided by the heads of that moment, its K closest
calls are reviewed and corrected, and before the next month the heads are fitted again, as
`newsflow train --db` fits them, on the labelled set plus every correction so far. K = 0 is the
model alone (`newsflow eval`'s figures).

Printed per K: the headlines reviewed, the model's mistakes among them, and relevance and peace
F1 over every headline of the three months as an analyst then reads them (corrections applied),
with the heads trained again each month and with the packaged heads throughout (corrections
applied, never learned). The test labels serve only as the analyst's answers; nothing here is
chosen by them. Writes bench/results/review.json.

    .venv/bin/python bench/review_bench.py [--k 0 10 25 50]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from pipeline import evaluate, labelled  # noqa: E402
from pipeline.classify import LexicalClassifier  # noqa: E402
from pipeline.relevance import Heads, decisions, heads_file, margins  # noqa: E402
from pipeline.semantic import CachedEmbedder  # noqa: E402
from pipeline.train import _subset, fit_heads, head_inputs, training_items  # noqa: E402

MONTHS = ("2026-06", "2026-07", "2026-08")


def play(k: int, retrain: bool, items: list[dict[str, Any]], inputs: tuple[Any, ...],
         fitted: int, packaged: Heads) -> dict[str, Any]:
    """One pass of the loop over the test months; `items[:fitted]` are the labelled set."""
    fixes: list[int] = []
    rel_pred: dict[int, bool] = {}
    peace_pred: dict[int, bool] = {}
    reviewed = rel_found = peace_found = 0
    heads = packaged
    for month in MONTHS:
        if retrain and fixes:
            chosen = list(range(fitted)) + fixes
            heads = fit_heads("semantic", [items[j] for j in chosen], _subset(inputs, chosen))
        held = [j for j in range(fitted, len(items)) if items[j]["date"].startswith(month)]
        terms, ev, emb, passed = _subset(inputs, held)
        _x, rel, peace, _near = heads.score(terms, ev, emb)
        on_story, talks = decisions(rel, peace)
        on_story, talks = on_story & passed, talks & on_story & passed
        # the queue: the model's own calls (not those set aside unscored), closest first
        order = [i for i in np.argsort(np.where(passed, margins(rel, peace), np.inf), kind="stable")
                 if passed[i]][:k]
        for i, j in enumerate(held):
            rel_pred[j], peace_pred[j] = bool(on_story[i]), bool(talks[i])
        for i in order:
            j = held[i]
            wrong_rel = rel_pred[j] != items[j]["relevant"]
            wrong_peace = peace_pred[j] != items[j]["peace"]
            reviewed += 1
            rel_found += wrong_rel
            peace_found += wrong_peace
            rel_pred[j], peace_pred[j] = bool(items[j]["relevant"]), bool(items[j]["peace"])
            fixes.append(j)
    tested = sorted(rel_pred)
    rel_f = evaluate.binary([items[j]["relevant"] for j in tested], [rel_pred[j] for j in tested])
    peace_f = evaluate.binary([items[j]["peace"] for j in tested], [peace_pred[j] for j in tested])
    return {"reviewed": reviewed, "relevance_mistakes_found": rel_found, "peace_mistakes_found": peace_found,
            "relevance": rel_f.prf, "peace": peace_f.prf,
            "relevance_mistakes_left": rel_f.fp + rel_f.fn, "peace_mistakes_left": peace_f.fp + peace_f.fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[0, 10, 25, 50],
                        help="closest calls reviewed per month")
    args = parser.parse_args()
    header = machine.header()
    base, test = training_items(), labelled.headlines("test")
    items = [*base, *test]
    inputs = head_inputs(items, LexicalClassifier(), CachedEmbedder())
    packaged = Heads.load(heads_file("semantic"))
    rows, out = [], {}
    for k in args.k:
        for retrain in (False, True) if k else (False,):
            r = play(k, retrain, items, inputs, len(base), packaged)
            name = f"{k} a month, " + ("trained again" if retrain else "not learned") if k else "model alone"
            out[name] = r
            rows.append({"": name, "reviewed": r["reviewed"],
                         "mistakes found (relevance / peace)":
                             f"{r['relevance_mistakes_found']} / {r['peace_mistakes_found']}",
                         "relevance F1": f"{r['relevance'][2]:.3f}",
                         "mistakes left": r["relevance_mistakes_left"],
                         "peace F1": f"{r['peace'][2]:.3f}", "peace mistakes left": r["peace_mistakes_left"]})
    print(f"the test months ({len(test)} headlines, {sum(i['relevant'] for i in test)} on the story, "
          f"{sum(i['peace'] for i in test)} about the talks), read after the review loop")
    machine.table(rows, ["", "reviewed", "mistakes found (relevance / peace)", "relevance F1",
                         "mistakes left", "peace F1", "peace mistakes left"])
    machine.write("review", {"machine": header, "months": MONTHS, "runs": out})


if __name__ == "__main__":
    main()
