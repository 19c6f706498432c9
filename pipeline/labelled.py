"""The labelled sets: real news read and labelled by hand, the project's own written set, and
analysts' corrections. Every item is a dict with at least id, title, text, lang, relevant, peace.

  * `real-headlines.jsonl`: Google News (US) headlines, July 2025 - August 2026, split by time:
    train before March 2026, dev March-May, test June-August (the last three months).
  * `real-pages.jsonl`: labels of the real web pages in `shared/corpora/html/`; their text is
    read from that folder when it is present (the pages belong to their publishers and are not
    shipped).
  * `items.jsonl`: the project's written set, the unit tests of known cases and the subtopic
    labels (`pipeline.evaluate.load_items`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.evaluate import load_items
from pipeline.taxonomy import TOPICS_DIR

EVAL_DIR = TOPICS_DIR / "eval"
HEADLINES_FILE = EVAL_DIR / "real-headlines.jsonl"
PAGES_FILE = EVAL_DIR / "real-pages.jsonl"
#: Where the real pages' HTML lives: $NEWSFLOW_CORPUS, else `shared/corpora/html` beside the
#: checkout (whatever the working folder; `newsflow eval-extract` and the benchmarks read the same).
CORPORA_DIR = Path(os.environ.get("NEWSFLOW_CORPUS")
                   or Path(__file__).resolve().parents[2] / "shared" / "corpora" / "html")
#: The first day of each split of the real headlines (by the day they were first seen).
DEV_FROM, TEST_FROM = "2026-03-01", "2026-06-01"


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def headlines(split: str | None = None) -> list[dict[str, Any]]:
    """Real headlines (`split` train, dev or test; None for all), as classifier items."""
    rows = _read(HEADLINES_FILE)
    return [{**r, "text": "", "lang": "en", "published": date.fromisoformat(r["date"])}
            for r in rows if split is None or r["split"] == split]


def own(split: str | None = None) -> list[dict[str, Any]]:
    """The project's written set; its items count as peace when they carry the negotiation
    subtopics (talks, or ceasefire and guarantees)."""
    return [{**i, "peace": i["relevant"] and bool({"us_russia_talks", "ceasefire_guarantees"}
                                                   & set(i["subtopics"]))}
            for i in load_items(split)]


def pages(corpora: Path = CORPORA_DIR) -> list[dict[str, Any]]:
    """Real web pages with their extracted text, or [] when the corpora are not here."""
    if not corpora.is_dir():
        return []
    from pipeline import extract

    out = []
    for r in _read(PAGES_FILE):
        path = corpora / r["corpus"] / ("pages" if r["corpus"] == "mozilla-readability" else "") / r["path"]
        if r["corpus"] == "mozilla-readability":
            path = path / "source.html"
        if not path.is_file():
            continue
        meta = extract.extract_document(path.read_bytes(), r.get("url"))
        text = extract.normalise_text(meta.get("text"))
        published = _day(r.get("date"))
        out.append({**r, "title": meta.get("title") or r.get("title") or "", "text": text,
                    "lang": extract.detect_language(text, meta.get("language")) or "und",
                    "published": published})
    return out


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def kappa(pairs: Sequence[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two labellers' yes/no decisions on the same items."""
    n = len(pairs)
    if not n:
        return float("nan")
    agree = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def first_label(row: dict[str, Any]) -> dict[str, Any]:
    """The first labeller's decision: the item's label, unless an adjudicator overruled it."""
    return (row.get("adjudicated") or {}).get("first") or row


def agreement(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Agreement of the items labelled twice, independently (relevance and peace): the first
    labeller's decisions against the second's, before any adjudication."""
    twice = [r for r in rows if r.get("second")]
    rel = [(bool(first_label(r)["relevant"]), bool(r["second"]["relevant"])) for r in twice]
    peace = [(bool(first_label(r)["peace"]), bool(r["second"]["peace"])) for r in twice]
    return {"items": len(twice), "adjudicated": sum(bool(r.get("adjudicated")) for r in twice),
            "relevant_agree": sum(a == b for a, b in rel) / max(len(rel), 1),
            "relevant_kappa": kappa(rel),
            "peace_agree": sum(a == b for a, b in peace) / max(len(peace), 1),
            "peace_kappa": kappa(peace)}
