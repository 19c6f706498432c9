"""Cross-validation of the heads over months (`pipeline.train.cross_validate`, run over every
train and dev month by bench/classify_cv.py): each month of real headlines is decided by heads
that never saw it (leave-one-month-out), or only the months before it (forward in time), exactly
as the pipeline would decide it with those heads."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import pytest

from pipeline import labelled
from pipeline import train as fitting
from pipeline.classify import LexicalClassifier
from pipeline.semantic import Embedder, SemanticClassifier

MONTHS = ("2025-09", "2025-10", "2025-11")


class Months(NamedTuple):
    headlines: list[dict]
    written: list[dict]
    items: list[dict]
    embedder: Embedder
    inputs: tuple


@pytest.fixture(scope="module")
def months() -> Months:
    """70 real headlines of each of three months and 40 undated items of the written set."""
    headlines = [h for h in labelled.headlines("train") if h["date"][:7] in MONTHS]
    headlines = [h for m in MONTHS for h in [h for h in headlines if h["date"][:7] == m][:70]]
    written = labelled.own("dev")[:40]
    items = [*headlines, *written]
    embedder = Embedder(processes=1)
    return Months(headlines, written, items, embedder,
                  fitting.head_inputs(items, LexicalClassifier(), embedder))


def test_each_month_is_decided_by_heads_fitted_without_it_as_the_pipeline_decides(months):
    headlines, _written, items, embedder, inputs = months
    rows = fitting.cross_validate("semantic", items, inputs)

    # every headline once, in its own month; the written set (undated) is only learned from
    assert sorted(r["id"] for r in rows) == sorted(h["id"] for h in headlines)
    per_month = Counter(h["date"][:7] for h in headlines)
    assert {r["month"] for r in rows} == set(MONTHS)
    assert all(r["fitted_on"] == len(items) - per_month[r["month"]] for r in rows)
    assert sum(r["decided_relevant"] for r in rows) > 0 and sum(r["relevant"] for r in rows) > 0

    # the peace head's log-odds and its line give its decision (for studying other lines)
    assert all(r["decided_peace"] == (r["decided_relevant"] and r["peace_logit"] >= r["peace_cut"])
               for r in rows)
    assert all(r["gated"] for r in rows if r["decided_relevant"])
    assert all(0 < r["peace_share"] < 1 for r in rows)

    # the decisions of one month are the pipeline's own with heads fitted on the others
    month = MONTHS[1]
    others = [i for i in items if str(i.get("date", ""))[:7] != month]
    heads = fitting.fit_heads("semantic", others, fitting.head_inputs(others, LexicalClassifier(), embedder))
    held = [h for h in headlines if h["date"][:7] == month]
    decided = SemanticClassifier(heads=heads, embedder=embedder).classify(
        (h["id"], h["title"], h["text"], h["published"]) for h in held)
    mine = {r["id"]: r for r in rows if r["month"] == month}
    assert [(mine[d.article_id]["decided_relevant"], mine[d.article_id]["decided_peace"]) for d in decided] \
        == [(d.relevant, d.peace) for d in decided]


def test_forward_in_time_each_month_is_decided_by_heads_fitted_on_the_months_before_it_alone(months):
    headlines, written, items, embedder, inputs = months
    rows = fitting.cross_validate("semantic", items, inputs, forward=1)

    # the first month is only learned from; each later one is decided once, by heads that knew
    # the undated items and the months before it, never it or what came after
    per_month = Counter(h["date"][:7] for h in headlines)
    assert {r["month"] for r in rows} == set(MONTHS[1:])
    assert sorted(r["id"] for r in rows) == sorted(h["id"] for h in headlines if h["date"][:7] != MONTHS[0])
    earlier = {m: len(written) + sum(n for e, n in per_month.items() if e < m) for m in MONTHS}
    assert all(r["fitted_on"] == earlier[r["month"]] for r in rows)
    assert earlier[MONTHS[1]] < len(items) - per_month[MONTHS[1]]  # not the month after it

    # the second month's decisions are the pipeline's own, by heads fitted on the first and the
    # written set
    before = [i for i in items if not i.get("date") or i["date"][:7] == MONTHS[0]]
    heads = fitting.fit_heads("semantic", before, fitting.head_inputs(before, LexicalClassifier(), embedder))
    held = [h for h in headlines if h["date"][:7] == MONTHS[1]]
    decided = SemanticClassifier(heads=heads, embedder=embedder).classify(
        (h["id"], h["title"], h["text"], h["published"]) for h in held)
    mine = {r["id"]: r for r in rows}
    assert [(mine[d.article_id]["decided_relevant"], mine[d.article_id]["decided_peace"]) for d in decided] \
        == [(d.relevant, d.peace) for d in decided]
