"""Is an article on the story, and is it about ending the war? The learned heads of both modes.

Two decisions are learned from labelled real news (`pipeline/topics/eval/`, `newsflow train`):
**relevant** (the article is mainly about Russia's war against Ukraine or the diplomacy to end it)
and **peace** (relevant, and mainly about negotiating an end to it). Each is an L2-regularised
logistic regression over features an analyst can read back:

  * title words and word pairs (`t:`) and lead words (`l:`), weighted apart: a word in the
    headline says more than the same word in the lead;
  * the taxonomy's evidence (story terms in five languages, subtopic terms, seed similarity),
    which carries the model to languages the real headlines lack;
  * in the semantic mode, the multilingual-e5-small embedding of title and lead as well, and
    what the most similar labelled items were: the similarity-weighted share of on-the-story and
    peace labels among its `NEIGHBOURS` nearest labelled items (the model's memory, which
    analysts' corrections join at the next `newsflow train`).

An explanation lists the words that pushed the decision up and down with their weights, so a
false positive reads as "russia +1.9, oil +0.8, iran -2.4".

Words are cut to their first `STEM` characters: a crude stemmer that serves every language
alike (ukraine/ukrainian/ukraine's, negotiations/negotiator, Украина/Украины).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

from pipeline.models import Classification
from pipeline.taxonomy import TOPICS_DIR

#: The first day of the story: nothing published before Russia's full-scale invasion of
#: 24 February 2022 is on it (the labelling guide's pattern 6). A backfill of an old archive
#: meets Ukraine in 2014 or 2019 items; the date decides them, not the words.
WAR_START = date(2022, 2, 24)
#: Characters a word is cut to (see the module's doc).
STEM = 6
#: Words of the lead the features read, after the title (the embedding reads as many).
LEAD_WORDS = 60
#: Words of the explanation on each side.
EXPLAIN_TERMS = 4
#: Nearest labelled items read per item (a close circle and a wider one), and how sharply
#: similarity weighs them (softmax over cosine x SHARPNESS). Chosen by leave-one-month-out
#: cross-validation over the train and dev months: relevance F1 0.907 without neighbours,
#: k 5 0.926, k 10 0.924, k 30 0.916; k 5 and 20 with the nearest one's similarity 0.930.
NEIGHBOURS = (5, 20)
SHARPNESS = 20.0

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)


class Item(NamedTuple):
    """What the classifiers read of an article; `published` is optional evidence."""

    id: str
    title: str | None
    text: str | None
    published: datetime | date | None = None


def as_item(row: Sequence[Any]) -> Item:
    """An (id, title, text[, published]) tuple as an Item."""
    return row if isinstance(row, Item) else Item(*row)


def published_day(published: datetime | date | None) -> date | None:
    """The UTC day of a publication time (a naive time is taken as UTC), or the day itself."""
    if isinstance(published, datetime):
        return (published.astimezone(UTC) if published.tzinfo else published).date()
    return published


def before_the_war(published: datetime | date | None) -> bool:
    day = published_day(published)
    return day is not None and day < WAR_START


def stems(text: str) -> list[str]:
    return [w[:STEM] if not w.isdigit() else "#" for w in _WORD.findall(text.lower())]


def term_features(title: str | None, text: str | None) -> set[str]:
    """Title words and word pairs, and lead words, as feature names."""
    t = stems(title or "")
    lead = stems(" ".join((text or "").split()[:LEAD_WORDS]))
    feats = {f"t:{w}" for w in t}
    feats.update(f"t:{a}_{b}" for a, b in zip(t, t[1:], strict=False))
    feats.update(f"l:{w}" for w in lead)
    return feats


#: Dense features from the taxonomy's evidence (`LexicalClassifier`), by name.
EVIDENCE = ("story_concepts", "lexical_score", "subtopic_evidence", "seed_similarity", "no_text")


def evidence_features(decision: Classification, text: str | None) -> np.ndarray:
    ex = decision.explanation
    subtopic = sum(len(v) for v in ex.get("subtopic_terms", {}).values())
    return np.array([np.log1p(len(ex.get("story_terms", []))), decision.score, np.log1p(subtopic),
                     ex.get("seed_similarity", 0.0), float(not (text or "").strip())])


@dataclass(frozen=True)
class Head:
    """One logistic regression: weights over [terms, evidence, embedding], bias last, and the
    probability threshold chosen on held-out predictions."""

    w: np.ndarray
    threshold: float

    def logits(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.w[:-1]).ravel() + self.w[-1]

    def scores(self, x: sparse.csr_matrix) -> np.ndarray:
        """Probabilities moved so that the threshold sits at 0.5 (every score's decision line)."""
        return _sigmoid(self.logits(x) - _logit(self.threshold))


@dataclass(frozen=True)
class Heads:
    """The relevance and peace heads of one mode, with the feature space they were fitted on."""

    mode: str  # "lexical" or "semantic"
    vocab: tuple[str, ...]
    ev_mu: np.ndarray
    ev_sd: np.ndarray
    emb_mu: np.ndarray  # embedding centre and scale (semantic); empty for lexical
    emb_scale: float
    relevant: Head
    peace: Head
    trained_on: dict[str, Any] = field(default_factory=dict)  # items per source, corrections' cut-off
    memory: np.ndarray = field(default_factory=lambda: np.zeros((0, 384), np.float16))  # unit vectors
    memory_labels: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.uint8))  # rel, peace
    memory_titles: tuple[str, ...] = ()

    @cached_property
    def index(self) -> dict[str, int]:
        """Column of each word feature."""
        return {t: i for i, t in enumerate(self.vocab)}

    @property
    def uses_embedding(self) -> bool:
        return self.emb_mu.size > 0

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for arr in (self.relevant.w, self.peace.w):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        h.update(f"{self.relevant.threshold:.6f}{self.peace.threshold:.6f}".encode())
        h.update("\x1f".join(self.vocab).encode())
        return h.hexdigest()[:8]

    def neighbours(self, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per item: the similarity-weighted shares of relevant and of peace labels among its
        nearest labelled items (each circle of `NEIGHBOURS`) and the nearest one's similarity;
        and the indices of the closest items (most similar first)."""
        return neighbour_labels(emb, self.memory, self.memory_labels)

    def matrix(self, terms: Sequence[set[str]], evidence: np.ndarray,
               emb: np.ndarray | None = None) -> sparse.csr_matrix:
        z_emb = None if emb is None or not self.uses_embedding else (emb - self.emb_mu) * self.emb_scale
        return design(terms, self.index, (evidence - self.ev_mu) / self.ev_sd, z_emb)

    def score(self, terms: Sequence[set[str]], evidence: np.ndarray, emb: np.ndarray | None
              ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
        """The design matrix, the relevance and peace scores (0.5 is each decision line) and,
        where the heads have a memory, each item's closest labelled items."""
        near = np.zeros((len(terms), 0), dtype=int)
        if emb is not None and len(self.memory):
            shares, near = self.neighbours(emb)
            evidence = np.hstack([evidence, shares])
        x = self.matrix(terms, evidence, emb)
        return x, self.relevant.scores(x), self.peace.scores(x), near

    def parts(self, x: sparse.csr_matrix, head: Head) -> list[dict[str, float]]:
        """Per item, how much each kind of evidence added to the head's log-odds: the words, the
        taxonomy's evidence, the similar labelled items and the embedding (the bias and the
        threshold shift make up the rest)."""
        contrib = sparse.csr_matrix(x.multiply(head.w[:-1]))
        n_words, n_ev = len(self.vocab), len(self.ev_mu)
        n_taxonomy = len(EVIDENCE)
        bounds = {"words": (0, n_words), "taxonomy terms": (n_words, n_words + n_taxonomy),
                  "similar labelled": (n_words + n_taxonomy, n_words + n_ev),
                  "embedding": (n_words + n_ev, x.shape[1])}
        sums = {name: np.asarray(contrib[:, a:b].sum(axis=1)).ravel() for name, (a, b) in bounds.items()
                if b > a}
        return [{name: round(float(v[i]), 2) for name, v in sums.items()} for i in range(x.shape[0])]

    def explain(self, terms: set[str], head: Head) -> dict[str, float]:
        """The words of an item with the largest weights either way, strongest first."""
        weights = {t: float(head.w[self.index[t]]) for t in terms if t in self.index}
        up = sorted((t for t in weights if weights[t] > 0), key=lambda t: -weights[t])[:EXPLAIN_TERMS]
        down = sorted((t for t in weights if weights[t] < 0), key=lambda t: weights[t])[:EXPLAIN_TERMS]
        return {_readable(t): round(weights[t], 2) for t in up + down}

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {}
        for name, head in (("relevant", self.relevant), ("peace", self.peace)):
            arrays[f"{name}_w"] = head.w
            arrays[f"{name}_threshold"] = np.array(head.threshold)
        np.savez_compressed(path, mode=np.array(self.mode), vocab=np.array(self.vocab),
                            ev_mu=self.ev_mu, ev_sd=self.ev_sd, emb_mu=self.emb_mu,
                            emb_scale=np.array(self.emb_scale),
                            trained_on=np.array(json.dumps(self.trained_on)),
                            memory=self.memory.astype(np.float16), memory_labels=self.memory_labels,
                            memory_titles=np.array(self.memory_titles, dtype=str), **arrays)

    @classmethod
    def load(cls, path: Path) -> Heads:
        z = np.load(path, allow_pickle=False)
        return cls(mode=str(z["mode"]), vocab=tuple(str(v) for v in z["vocab"]), ev_mu=z["ev_mu"],
                   ev_sd=z["ev_sd"], emb_mu=z["emb_mu"], emb_scale=float(z["emb_scale"]),
                   relevant=Head(z["relevant_w"], float(z["relevant_threshold"])),
                   peace=Head(z["peace_w"], float(z["peace_threshold"])),
                   trained_on=json.loads(str(z["trained_on"])), memory=z["memory"],
                   memory_labels=z["memory_labels"],
                   memory_titles=tuple(str(t) for t in z["memory_titles"]))


def heads_file(mode: str) -> Path:
    return TOPICS_DIR / f"heads-{mode}.npz"


def unit(emb: np.ndarray) -> np.ndarray:
    return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)


def neighbour_labels(emb: np.ndarray, memory: np.ndarray, labels: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """See `Heads.neighbours`; `memory` holds unit vectors, `labels` (relevant, peace) rows."""
    k = min(max(NEIGHBOURS), len(memory))
    if k == 0:
        return np.zeros((len(emb), 2 * len(NEIGHBOURS) + 1)), np.zeros((len(emb), 0), dtype=int)
    sims = unit(emb.astype(np.float32)) @ memory.astype(np.float32).T
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    near = np.take_along_axis(sims, top, axis=1)
    order = np.argsort(-near, axis=1)
    top, near = np.take_along_axis(top, order, axis=1), np.take_along_axis(near, order, axis=1)
    w = np.exp(SHARPNESS * (near - near[:, :1]))
    shares = []
    for n in NEIGHBOURS:
        wn = w[:, :n] / w[:, :n].sum(axis=1, keepdims=True)
        shares.append(np.einsum("ik,ikj->ij", wn, labels[top[:, :n]].astype(np.float64)))
    return np.hstack([*shares, near[:, :1].astype(np.float64)]), top


def design(terms: Sequence[set[str]], index: dict[str, int], z_evidence: np.ndarray,
           z_emb: np.ndarray | None) -> sparse.csr_matrix:
    """[binary term indicators | standardised evidence | scaled embedding] as one sparse matrix."""
    rows, cols = [], []
    for r, feats in enumerate(terms):
        for f in feats:
            c = index.get(f)
            if c is not None:
                rows.append(r)
                cols.append(c)
    x_terms = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(terms), len(index)))
    blocks = [x_terms, sparse.csr_matrix(z_evidence)]
    if z_emb is not None:
        blocks.append(sparse.csr_matrix(z_emb))
    return sparse.hstack(blocks, format="csr")


def decisions(rel: np.ndarray, peace: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The heads' decisions from their scores (`Heads.score`): on the story at 0.5 and above,
    about the talks when also on the story and its own score is 0.5 or above."""
    relevant = rel >= 0.5
    return relevant, relevant & (peace >= 0.5)


def margins(rel: np.ndarray, peace: np.ndarray) -> np.ndarray:
    """How close each item's call is: the distance of its relevance score from the line, or of
    its peace score when it is on the story and that is nearer. The review queue lists the
    articles by it, smallest first (sql/migrations/026_review_queue.sql says the same in SQL)."""
    on_story, _ = decisions(rel, peace)
    return np.where(on_story, np.minimum(np.abs(rel - 0.5), np.abs(peace - 0.5)), np.abs(rel - 0.5))


def decide(heads: Heads, lexical: Sequence[Classification], items: Sequence[Item],
           emb: np.ndarray | None, version: str,
           topic_scores: Sequence[dict[str, float]] | None = None) -> list[Classification]:
    """Decisions for items that carry evidence of the story: relevance and peace from the heads,
    subtopic scores from `topic_scores` (the semantic subtopic models) or the lexical ones."""
    if not items:
        return []
    terms = [term_features(i.title, i.text) for i in items]
    ev = np.vstack([evidence_features(d, i.text) for d, i in zip(lexical, items, strict=True)])
    x, rel, peace, near = heads.score(terms, ev, emb)
    on_story, talks = decisions(rel, peace)
    parts = heads.parts(x, heads.relevant)
    out = []
    for k, lx in enumerate(lexical):
        relevant = bool(on_story[k])
        scores = dict(topic_scores[k]) if topic_scores is not None else dict(lx.topic_scores)
        primary = max(scores, key=lambda s: scores[s]) if relevant and any(scores.values()) else None
        explanation = {**lx.explanation, "lexical_score": lx.score,
                       "relevance_parts": parts[k],
                       "relevance_terms": heads.explain(terms[k], heads.relevant),
                       "peace_terms": heads.explain(terms[k], heads.peace) if relevant else {}}
        if near.shape[1]:
            explanation["similar_labelled"] = [
                {"title": heads.memory_titles[j], "relevant": bool(heads.memory_labels[j, 0]),
                 "peace": bool(heads.memory_labels[j, 1])} for j in near[k, :3]]
        out.append(Classification(
            article_id=lx.article_id, classifier_version=version, relevant=relevant,
            score=round(float(rel[k]), 4), topic_scores=scores, primary_topic=primary,
            explanation=explanation, peace=bool(talks[k]),
            peace_score=round(float(peace[k]) if relevant else min(float(peace[k]), float(rel[k])), 4)))
    return out


def off_the_story(lexical: Classification, version: str, reason: str,
                  subtopics: Iterable[str]) -> Classification:
    """The decision for an article the heads never see: it names nothing of the story, or it
    was published before the war."""
    return Classification(
        article_id=lexical.article_id, classifier_version=version, relevant=False, score=0.0,
        topic_scores=dict.fromkeys(subtopics, 0.0), primary_topic=None,
        explanation={**lexical.explanation, "lexical_score": lexical.score, "not_scored": reason})


#: Why an item that names nothing of the story is decided without a model.
NO_EVIDENCE = "no story or subtopic term: off the story without the model"


def has_evidence(decision: Classification) -> bool:
    """Whether the lexical classifier found any story or subtopic term (the gate to the model)."""
    return bool(decision.explanation.get("story_terms") or decision.explanation.get("subtopic_terms"))


def gate(lexical: Classification, item: Item) -> str | None:
    """Why an item is off the story without a model, or None when the model must decide."""
    if before_the_war(item.published):
        return f"published {published_day(item.published)}, before the war began on {WAR_START}"
    return None if has_evidence(lexical) else NO_EVIDENCE


def assemble(lexical: Sequence[Classification], reasons: Sequence[str | None],
             made: Sequence[Classification], version: str, subtopics: Iterable[str]) -> list[Classification]:
    """Decisions in item order: `made` (the model's) for the items whose reason is None, in
    order, and off the story, with its reason, for the others."""
    decided = dict(zip([i for i, why in enumerate(reasons) if why is None], made, strict=True))
    subtopics = tuple(subtopics)
    return [decided.get(i) or off_the_story(d, version, reasons[i] or "", subtopics)
            for i, d in enumerate(lexical)]


def reason(ex: dict[str, Any], decision: str) -> str:
    """A decision's explanation (`classifications.explanation`) in a line: for relevance the
    evidence's parts and strongest words; for peace its strongest words and the labelled headlines
    it was found most like."""
    def strongest(terms: dict[str, float]) -> str:
        return ", ".join(f"{k} {v:+.2f}" for k, v in list(terms.items())[:4])

    if ex.get("not_scored"):
        return str(ex["not_scored"])
    if decision == "relevant":
        parts = ", ".join(f"{k} {v:+.1f}" for k, v in ex.get("relevance_parts", {}).items())
        return f"{parts}; {strongest(ex.get('relevance_terms', {}))}"
    words = strongest(ex.get("peace_terms", {}))
    like = "; ".join(f"{'peace' if n['peace'] else 'on story' if n['relevant'] else 'off story'}: "
                     f"{n['title']}" for n in ex.get("similar_labelled", [])[:2])
    return " | ".join(part for part in (words, f"like {like}" if like else "") if part) or "-"


def _readable(feature: str) -> str:
    where, _, word = feature.partition(":")
    return f"{word.replace('_', ' ')} ({'title' if where == 't' else 'lead'})"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))
