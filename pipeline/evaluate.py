"""The labelled set the project owns (`pipeline/topics/eval/items.jsonl`) and the scores on it."""

from __future__ import annotations

import json
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
