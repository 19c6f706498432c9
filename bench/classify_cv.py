"""Benchmark of judgement: the heads' recipe in cross-validation over months. Not a test.

The test split (June-August 2026) has 18 headlines about the talks, so its peace figure moves by
several points with one headline. This scores the recipe where there is more to score: for each
month of the train and dev months of the real headlines, both modes' heads are fitted as
`newsflow train` fits them (`pipeline.train.fit_heads`) on every other month and the written
set, then decide that month's headlines as the pipeline does. Then forward in time, as the
pipeline meets the news: each month after the first three is decided by heads fitted on the
months before it alone (leave-one-month-out also learns from the months after a month, which
flatters a model when the story drifts). The keyword query of `newsflow eval` is scored on the
same headlines in the same run. The test months never take part. Prints the pooled and
per-month figures; writes bench/results/classify_cv.json.

One more row studies a decision line the pipeline does not have (yet): peace decided against each
month's own share of talks. The share about the talks moves from month to month (0.5 % to 50 % of
the items the gate lets through), and a head fitted on all months draws its line for their
average. "with each month's prior" moves the peace head's log-odds by log-odds(the month's share)
minus log-odds(the fitting months' share), the month's share estimated without its labels: the
mean of the head's probabilities over the month's items, calibrated to the fitting months' share
(probabilistic classify-and-count).

    .venv/bin/python bench/classify_cv.py [--modes semantic lexical] [--forward 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from pipeline import evaluate  # noqa: E402
from pipeline.classify import LexicalClassifier  # noqa: E402
from pipeline.semantic import CachedEmbedder, logit, sigmoid  # noqa: E402
from pipeline.train import cross_validate, head_inputs, training_items  # noqa: E402


def figures(gold: Sequence[bool], decided: Sequence[bool]) -> dict[str, float]:
    b = evaluate.binary(gold, decided)
    p, r, f = b.prf
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(f, 3)}


def with_monthly_prior(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with peace decided against each month's estimated share of talks (see above)."""
    out = []
    for month in sorted({r["month"] for r in rows}):
        mine = [r for r in rows if r["month"] == month]
        gated = np.array([r["peace_logit"] for r in mine if r["gated"]])
        trained = mine[0]["peace_share"]
        share = float(sigmoid(gated + logit(trained)).mean()) if len(gated) else trained
        shift = float(logit(share) - logit(trained))
        out += [{**r, "decided_peace": r["decided_relevant"] and r["peace_logit"] + shift >= r["peace_cut"],
                 "estimated_share": round(share, 3)} for r in mine]
    return out


def scored(runs: dict[str, list[dict[str, Any]]], seconds: dict[str, float], scheme: str
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pooled and per-month rows of each run of one scheme."""
    pooled, monthly = [], []
    for name, rows in runs.items():
        rel = figures([r["relevant"] for r in rows], [r["decided_relevant"] for r in rows])
        peace = figures([r["peace"] for r in rows], [r["decided_peace"] for r in rows])
        pooled.append({"scheme": scheme, "": name, "relevance P": rel["P"], "R": rel["R"], "F1": rel["F1"],
                       "peace P": peace["P"], "peace R": peace["R"], "peace F1": peace["F1"],
                       "seconds": seconds.get(name, "")})
        for month in sorted({r["month"] for r in rows}):
            mine = [r for r in rows if r["month"] == month]
            monthly.append({"scheme": scheme, "month": month, "": name, "headlines": len(mine),
                            "on the story": sum(r["relevant"] for r in mine),
                            "about the talks": sum(r["peace"] for r in mine),
                            "estimated share": mine[0].get("estimated_share", ""),
                            "relevance F1": figures([r["relevant"] for r in mine],
                                                    [r["decided_relevant"] for r in mine])["F1"],
                            "peace F1": figures([r["peace"] for r in mine],
                                                [r["decided_peace"] for r in mine])["F1"]})
    return pooled, monthly


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["semantic", "lexical"])
    parser.add_argument("--forward", type=int, default=3,
                        help="forward in time: the first N months are only learned from")
    args = parser.parse_args()
    header = machine.header()
    items = training_items()
    start = time.perf_counter()
    inputs = head_inputs(items, LexicalClassifier(), CachedEmbedder())
    by_id = {i["id"]: i for i in items}
    pooled, monthly = [], []
    for scheme, forward in (("leave one month out", None), ("forward in time", args.forward)):
        runs: dict[str, list[dict[str, Any]]] = {}
        seconds: dict[str, float] = {}
        for mode in args.modes:
            began = time.perf_counter()
            runs[mode] = cross_validate(mode, items, inputs, forward=forward)
            seconds[mode] = round(time.perf_counter() - began, 1)
        if forward is None:
            for mode in args.modes:
                runs[f"{mode}, peace with each month's prior"] = with_monthly_prior(runs[mode])
        held = [by_id[r["id"]] for r in runs[args.modes[0]]]
        keyword = evaluate.keyword_query(held)
        runs["keyword query"] = [{**r, "decided_relevant": k, "decided_peace": p} for r, k, p in
                                 zip(runs[args.modes[0]], keyword.relevant, keyword.peace, strict=True)]
        rows = runs[args.modes[0]]
        months = sorted({r["month"] for r in rows})
        print(f"{scheme}: {len(rows)} headlines of {len(months)} months ({months[0]} to {months[-1]}; "
              f"{sum(r['relevant'] for r in rows)} on the story, {sum(r['peace'] for r in rows)} about the "
              f"talks), each month decided by heads fitted on "
              + ("the other months" if forward is None else "the months before it")
              + " and the written set")
        p, m = scored(runs, seconds, scheme)
        pooled += p
        monthly += m
        machine.table(p, ["", "relevance P", "R", "F1", "peace P", "peace R", "peace F1", "seconds"])
        print()
    machine.table(sorted(monthly, key=lambda m: (m["scheme"], m["month"], m[""])),
                  ["scheme", "month", "", "headlines", "on the story", "about the talks", "estimated share",
                  "relevance F1", "peace F1"])
    print(f"{time.perf_counter() - start:.0f} s in all")
    machine.write("classify_cv", {"machine": header, "pooled": pooled, "monthly": monthly})


if __name__ == "__main__":
    main()
