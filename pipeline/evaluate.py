"""The labelled set the project owns (`pipeline/topics/eval/items.jsonl`) and the scores on it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.taxonomy import TOPICS_DIR

EVAL_FILE = TOPICS_DIR / "eval" / "items.jsonl"


def load_items(split: str | None = None, path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [i for i in items if split is None or i["split"] == split]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Report:
    relevance: tuple[float, float, float]
    confusion: dict[str, int]  # tp, fp, fn, tn
    subtopics: dict[str, tuple[float, float, float, int]]  # P, R, F1, support
    by_language: dict[str, float] = field(default_factory=dict)  # relevance accuracy

    @property
    def macro_f1(self) -> float:
        return sum(v[2] for v in self.subtopics.values()) / len(self.subtopics)


def score(items: Sequence[dict[str, Any]], relevant: Sequence[bool],
          assigned: Sequence[Sequence[str]], subtopics: Sequence[str]) -> Report:
    """Relevance P/R/F1 over all items; subtopic P/R/F1 over the gold-relevant items, with
    subtopics counted only for items also predicted relevant."""
    c = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    per = {s: [0, 0, 0, 0] for s in subtopics}  # tp fp fn support
    langs: dict[str, list[int]] = {}
    for item, rel, subs in zip(items, relevant, assigned, strict=True):
        gold = bool(item["relevant"])
        key = ("t" if rel == gold else "f") + ("p" if rel else "n")
        c[key] += 1
        langs.setdefault(item["lang"], []).append(rel == gold)
        if gold:
            pred = set(subs) if rel else set()
            for s in subtopics:
                g, p = s in item["subtopics"], s in pred
                per[s][0] += g and p
                per[s][1] += p and not g
                per[s][2] += g and not p
                per[s][3] += g
    return Report(
        relevance=prf(c["tp"], c["fp"], c["fn"]),
        confusion=c,
        subtopics={s: (*prf(v[0], v[1], v[2]), v[3]) for s, v in per.items()},
        by_language={lang: sum(v) / len(v) for lang, v in sorted(langs.items())},
    )


# -- relevance and peace, side by side with the baselines ----------------------------------------

#: The keyword query an analyst would write first (the issue that asked for this evaluation
#: measured it at relevance F1 0.85 on real headlines); its peace is that plus a talks word.
KEYWORD_QUERY = re.compile(r"ukrain|kyiv|kiev|zelensk|donbas|crimea", re.IGNORECASE)
PEACE_WORDS = re.compile(r"peace|talks|ceasefire|cease-fire|truce|negotiat|envoy|summit", re.IGNORECASE)
#: For classifiers without a peace decision: a relevant item whose subtopics are the negotiation.
PEACE_SUBTOPICS = frozenset({"us_russia_talks", "ceasefire_guarantees"})


@dataclass
class Decided:
    """One classifier's decisions on the items, and its scores."""

    name: str
    version: str
    relevant: list[bool]
    peace: list[bool]
    score: list[float]
    explanation: list[dict[str, Any]]
    peace_score: list[float] = field(default_factory=list)  # as `score`, for the peace decision


@dataclass
class Binary:
    tp: int
    fp: int
    fn: int

    @property
    def prf(self) -> tuple[float, float, float]:
        return prf(self.tp, self.fp, self.fn)


def binary(gold: Sequence[bool], pred: Sequence[bool]) -> Binary:
    return Binary(sum(g and p for g, p in zip(gold, pred, strict=True)),
                  sum(p and not g for g, p in zip(gold, pred, strict=True)),
                  sum(g and not p for g, p in zip(gold, pred, strict=True)))


def keyword_query(items: Sequence[dict[str, Any]]) -> Decided:
    texts = [f"{i['title']}\n{i['text']}" for i in items]
    hits = [bool(KEYWORD_QUERY.search(t)) for t in texts]
    peace = [h and bool(PEACE_WORDS.search(t)) for h, t in zip(hits, texts, strict=True)]
    return Decided("keyword query", KEYWORD_QUERY.pattern, hits, peace, [float(h) for h in hits],
                   [{} for _ in items], [float(p) for p in peace])


def run_classifier(name: str, clf: Any, items: Sequence[dict[str, Any]]) -> Decided:
    """Decisions of a classifier (the pipeline's code path, dates included)."""
    out = clf.classify((i["id"], i["title"], i["text"], i.get("published")) for i in items)
    has_peace = getattr(clf, "heads", None) is not None
    peace = [d.peace if has_peace else bool(PEACE_SUBTOPICS & set(clf.assigned(d))) for d in out]
    return Decided(name, clf.version, [d.relevant for d in out], peace, [d.score for d in out],
                   [d.explanation for d in out],
                   [d.peace_score if has_peace else float(p) for d, p in zip(out, peace, strict=True)])


def reliability(gold: Sequence[bool], scores: Sequence[float], bands: int = 5) -> list[dict[str, Any]]:
    """What a score means: the items in each of `bands` equal bands of [0, 1] (the last one
    closed), their mean score and the share of them that are truly so. A score an analyst can
    take at its word has the two close."""
    rows = []
    for k in range(bands):
        low, high = k / bands, (k + 1) / bands
        inside = [(g, s) for g, s in zip(gold, scores, strict=True)
                  if low <= s < high or (k == bands - 1 and s == high)]
        rows.append({"band": (low, high), "items": len(inside),
                     "mean_score": sum(s for _, s in inside) / len(inside) if inside else None,
                     "share_true": sum(g for g, _ in inside) / len(inside) if inside else None})
    return rows


def brier(gold: Sequence[bool], scores: Sequence[float]) -> float:
    """Mean squared distance of the scores from the truth (0 is perfect; 0.25 is a coin's 0.5)."""
    return sum((s - g) ** 2 for g, s in zip(gold, scores, strict=True)) / max(len(scores), 1)


Mistake = tuple[dict[str, Any], float, dict[str, Any]]  # item, score, explanation


def worst(items: Sequence[dict[str, Any]], decided: Decided, n: int,
          label: str = "relevant") -> tuple[list[Mistake], list[Mistake]]:
    """The n false positives with the highest scores and the n false negatives with the lowest,
    of the relevance decision or (`label="peace"`) of the peace decision."""
    pred, scores = ((decided.relevant, decided.score) if label == "relevant"
                    else (decided.peace, decided.peace_score))
    rows = list(zip(items, pred, scores, decided.explanation, strict=True))
    fps = sorted((r for r in rows if r[1] and not r[0][label]), key=lambda r: -r[2])[:n]
    fns = sorted((r for r in rows if not r[1] and r[0][label]), key=lambda r: r[2])[:n]
    return [(i, s, e) for i, _, s, e in fps], [(i, s, e) for i, _, s, e in fns]
