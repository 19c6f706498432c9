"""Fit the semantic classifier on the dev split: `newsflow train` writes pipeline/topics/model.npz.

Recipe (chosen on dev by cross-validation; the test split is never used here):
  * features: the e5 embedding of title + lead, centred on the dev mean and scaled by the mean
    per-dimension standard deviation; for relevance the lexical story score and story-term
    count; for each subtopic its lexical score and its cosine to the subtopic's prototype (the
    mean embedding of its label, description and seed exemplars), standardised on dev;
  * L2-regularised logistic regression (C = 1, balanced class weights, L-BFGS), one for
    relevance over all dev items and one per subtopic over the gold-relevant dev items;
  * each decision threshold maximises F1 on 5-fold out-of-fold dev predictions (the middle of
    the best plateau), then the final weights are refitted on the whole dev split.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from pipeline.classify import LexicalClassifier
from pipeline.evaluate import load_items
from pipeline.semantic import (
    Embedder,
    Model,
    embed_text,
    lexical_features,
    predict,
    prototype_similarity,
    relevance_features,
    subtopic_features,
)

C = 1.0
FOLDS = 5
SEED = 0


def fit_lr(x: np.ndarray, y: np.ndarray, c: float = C) -> np.ndarray:
    """Weights (bias last) of a class-balanced, L2-regularised logistic regression."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    p = y.mean()
    w = np.where(y == 1, 0.5 / max(p, 1e-9), 0.5 / max(1 - p, 1e-9))

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ b
        value = float((w * (np.logaddexp(0, z) - y * z)).sum() / n + 0.5 / c * b[:-1] @ b[:-1])
        grad = xb.T @ (w * (1 / (1 + np.exp(-z)) - y)) / n
        grad[:-1] += b[:-1] / c
        return value, grad

    return np.asarray(minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                               options={"maxiter": 2000}).x)


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The probability threshold with the best F1, in the middle of the best plateau."""
    values = np.unique(scores)
    cands = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    f1 = []
    for t in cands:
        pred = scores >= t
        tp, fp, fn = (pred & (y == 1)).sum(), (pred & (y == 0)).sum(), (~pred & (y == 1)).sum()
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    best = np.flatnonzero(np.asarray(f1) >= max(f1) - 1e-12)
    return float(np.clip(cands[best[len(best) // 2]], 1e-4, 1 - 1e-4))


def oof(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Out-of-fold predicted probabilities."""
    out = np.zeros(len(y))
    for f in np.unique(folds):
        train = folds != f
        out[~train] = predict(fit_lr(x[train], y[train]), x[~train])
    return out


def fit(lexical: LexicalClassifier | None = None, embed: Callable[[list[str]], np.ndarray] | None = None,
        log: Callable[[str], None] = print) -> Model:
    lexical = lexical or LexicalClassifier()
    embed = embed or Embedder()
    subtopics = lexical.taxonomy.subtopic_ids
    items = load_items("dev")
    log(f"embedding {len(items)} dev items ...")
    emb = embed([embed_text(i["title"], i["text"]) for i in items])
    lex = lexical_features(lexical.classify((i["id"], i["title"], i["text"]) for i in items), subtopics)
    mu, sd = emb.mean(axis=0), float(emb.std(axis=0).mean())
    lex_mu, lex_sd = lex.mean(axis=0), lex.std(axis=0) + 1e-9
    x_rel = relevance_features(emb, lex, mu, sd, lex_mu, lex_sd)
    z_lex = (lex - lex_mu) / lex_sd
    prototypes = []
    for topic in lexical.taxonomy.subtopics:
        v = embed([f"{topic.label}: {topic.description}", *topic.exemplars]).mean(axis=0)
        prototypes.append(v / np.linalg.norm(v))
    protos = np.vstack(prototypes)
    sims = prototype_similarity(emb, protos)
    proto_mu, proto_sd = sims.mean(axis=0), sims.std(axis=0) + 1e-9
    z_proto = (sims - proto_mu) / proto_sd
    y_rel = np.array([int(i["relevant"]) for i in items])
    rng = np.random.default_rng(SEED)
    folds = rng.permutation(len(items)) % FOLDS

    thr_rel = best_threshold(oof(x_rel, y_rel, folds), y_rel)
    w_rel = fit_lr(x_rel, y_rel)
    gold = y_rel == 1
    w_sub, thr_sub = [], []
    for k, s in enumerate(subtopics):
        y = np.array([int(s in i["subtopics"]) for i in items])[gold]
        x = subtopic_features(x_rel, z_lex, z_proto, k)[gold]
        thr_sub.append(best_threshold(oof(x, y, folds[gold]), y))
        w_sub.append(fit_lr(x, y))
        log(f"  {s:22s} threshold {thr_sub[-1]:.3f}")
    log(f"  relevance threshold {thr_rel:.3f}")
    return Model(subtopics=tuple(subtopics), mu=mu, sd=sd, lex_mu=lex_mu, lex_sd=lex_sd,
                 w_rel=w_rel, thr_rel=thr_rel, w_sub=np.vstack(w_sub), thr_sub=np.array(thr_sub),
                 prototypes=protos, proto_mu=proto_mu, proto_sd=proto_sd,
                 lexical_version=lexical.version)
