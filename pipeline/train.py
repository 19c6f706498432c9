"""Fit the classifiers: `newsflow train` writes pipeline/topics/heads-*.npz (relevance and peace,
from labelled real news; see `fit_heads`) and, with --subtopics, pipeline/topics/model.npz.

The subtopic models' recipe (chosen on the written set's dev split by cross-validation; its test
split is never used here):
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

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from pipeline.classify import LexicalClassifier
from pipeline.evaluate import load_items
from pipeline.relevance import (
    NEIGHBOURS,
    Head,
    Heads,
    Item,
    decisions,
    evidence_features,
    gate,
    heads_file,
    neighbour_labels,
    term_features,
    unit,
)
from pipeline.semantic import (
    MODEL_FILE,
    CachedEmbedder,
    Embedder,
    Model,
    embed_text,
    lexical_features,
    logit,
    prototype_similarity,
    relevance_features,
    subtopic_features,
)

C = 1.0
FOLDS = 5
SEED = 0


def fit_lr(x: Any, y: np.ndarray, c: float = C) -> np.ndarray:
    """Weights (bias last) of a class-balanced, L2-regularised logistic regression."""
    n, d = x.shape
    xb = sparse.hstack([x, np.ones((n, 1))], format="csr") if sparse.issparse(x) \
        else np.hstack([x, np.ones((n, 1))])
    p = y.mean()
    w = np.where(y == 1, 0.5 / max(p, 1e-9), 0.5 / max(1 - p, 1e-9))

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ b
        value = float((w * (np.logaddexp(0, z) - y * z)).sum() / n + 0.5 / c * b[:-1] @ b[:-1])
        grad = np.asarray(xb.T @ (w * (1 / (1 + np.exp(-z)) - y))).ravel() / n
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


def oof(x: Any, y: np.ndarray, folds: np.ndarray, c: float = C) -> np.ndarray:
    """Out-of-fold predicted probabilities."""
    out = np.zeros(len(y))
    for f in np.unique(folds):
        train = folds != f
        w = fit_lr(x[train], y[train], c)
        out[~train] = np.asarray(x[~train] @ w[:-1]).ravel() + w[-1]
    return 1.0 / (1.0 + np.exp(-out))


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


# -- the relevance and peace heads (pipeline.relevance), fitted on labelled real news ------------

#: L2 strength of the heads (inverse; per mode) and the least number of training items a word
#: feature must occur in. Chosen by leave-one-month-out cross-validation over the train and dev
#: months of the real headlines (the test months never took part): relevance F1 of the semantic
#: mode 0.88 at C 1, 0.925 at C 10 (with neighbours), 0.913 at C 1,000; the lexical mode rose
#: from 0.86 at C 1 to 0.90 at C 100 and 0.914 at C 1,000, flat to 10,000.
HEAD_C = {"lexical": 1000.0, "semantic": 10.0}
MIN_DF = 2
#: Scale of the standardised embedding beside the binary word features (per dimension):
#: 0.5, 1 and 1.5 were within 0.01 F1 of each other.
EMB_SCALE = 1.0
#: How many fold draws' out-of-fold scores, pooled, choose each decision line.
DRAWS = 5


def folds_of(ids: Sequence[str], draw: int = 0) -> np.ndarray:
    """Each item's fold, from a hash of its id and the draw: an item added (a correction) joins a
    fold and leaves every other item where it was, so the lines do not move with a new draw."""
    return np.array([int.from_bytes(hashlib.blake2b(f"{draw}:{i}".encode(), digest_size=8).digest(), "big")
                     % FOLDS for i in ids], dtype=np.int64)


def head_inputs(items: Sequence[dict[str, Any]], lexical: LexicalClassifier,
                embed: Callable[[list[str]], np.ndarray] | None = None
                ) -> tuple[list[set[str]], np.ndarray, np.ndarray | None, np.ndarray]:
    """Word features, evidence, embeddings (with `embed`) and the gate's verdict per item."""
    rows = [Item(i["id"], i["title"], i["text"], i.get("published")) for i in items]
    decisions = lexical.classify((r.id, r.title, r.text) for r in rows)
    terms = [term_features(r.title, r.text) for r in rows]
    ev = np.vstack([evidence_features(d, r.text) for d, r in zip(decisions, rows, strict=True)])
    passed = np.array([gate(d, r) is None for d, r in zip(decisions, rows, strict=True)])
    emb = embed([embed_text(r.title, r.text) for r in rows]) if embed is not None else None
    return terms, ev, emb, passed


def fit_heads(mode: str, items: Sequence[dict[str, Any]], inputs: tuple[Any, ...],
              c: float | None = None, emb_scale: float = EMB_SCALE,
              trained_on: dict[str, Any] | None = None, draws: int = DRAWS) -> Heads:
    """Relevance and peace over the items the gate lets through (peace over all of them, so that
    talks on other wars teach it too). Thresholds: best F1 on the out-of-fold predictions of
    `draws` draws of 5 folds pooled (`folds_of`: by the items' ids); then refitted on all. The
    semantic mode keeps the items as its memory of labelled neighbours; their neighbour features
    in training are out-of-fold as well."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    keep = np.flatnonzero(inputs[3]).tolist()
    terms, ev, emb, _passed = _subset(inputs, keep)
    c = HEAD_C[mode] if c is None else c
    y_rel = np.array([int(items[k]["relevant"]) for k in keep])
    y_peace = np.array([int(items[k]["peace"]) for k in keep])
    ids = [str(items[k]["id"]) for k in keep]
    df: dict[str, int] = {}
    for feats in terms:
        for f in feats:
            df[f] = df.get(f, 0) + 1
    vocab = tuple(sorted(f for f, n in df.items() if n >= MIN_DF))
    memory = np.zeros((0, 384), np.float16)
    labels = np.column_stack([y_rel, y_peace]).astype(np.uint8)
    if mode == "semantic":
        assert emb is not None
        emb_mu, scale = emb.mean(axis=0), emb_scale / float(emb.std(axis=0).mean())
        memory = unit(emb).astype(np.float16)
    else:
        emb, emb_mu, scale = None, np.zeros(0), 0.0
    # the heads learn from the first draw's out-of-fold neighbours; every draw's out-of-fold
    # scores, pooled, choose the lines
    draw_folds = [folds_of(ids, draw) for draw in range(draws)]
    ev0 = _with_neighbours(ev, emb, memory, labels, draw_folds[0])
    ev_mu, ev_sd = ev0.mean(axis=0), ev0.std(axis=0) + 1e-9
    draft = Heads(mode, vocab, ev_mu, ev_sd, emb_mu, scale, Head(np.zeros(1), 0.5), Head(np.zeros(1), 0.5))
    x = draft.matrix(terms, ev0, emb)
    scores_rel, scores_peace = [], []
    for draw, folds in enumerate(draw_folds):
        x_draw = x if draw == 0 else draft.matrix(
            terms, _with_neighbours(ev, emb, memory, labels, folds), emb)
        scores_rel.append(oof(x_draw, y_rel, folds, c))
        scores_peace.append(oof(x_draw, y_peace, folds, c))
    relevant = Head(fit_lr(x, y_rel, c), best_threshold(np.concatenate(scores_rel), np.tile(y_rel, draws)))
    peace = Head(fit_lr(x, y_peace, c), best_threshold(np.concatenate(scores_peace), np.tile(y_peace, draws)))
    titles = tuple(items[k]["title"] for k in keep) if len(memory) else ()
    return Heads(mode, vocab, ev_mu, ev_sd, emb_mu, scale, relevant, peace, trained_on or {},
                 memory, labels if len(memory) else np.zeros((0, 2), np.uint8), titles)


def _with_neighbours(ev: np.ndarray, emb: np.ndarray | None, memory: np.ndarray, labels: np.ndarray,
                     folds: np.ndarray) -> np.ndarray:
    """The evidence with each item's labelled neighbours among the other folds' items beside it
    (nothing beside it without a memory: the lexical mode)."""
    if not len(memory):
        return ev
    assert emb is not None
    shares = np.zeros((len(ev), 2 * len(NEIGHBOURS) + 1))
    for f in range(FOLDS):
        shares[folds == f] = neighbour_labels(emb[folds == f], memory[folds != f], labels[folds != f])[0]
    return np.hstack([ev, shares])


def cross_validate(mode: str, items: Sequence[dict[str, Any]], inputs: tuple[Any, ...],
                   forward: int | None = None) -> list[dict[str, Any]]:
    """Leave-one-month-out: for each month of the dated items (the real headlines), the heads
    fitted as `fit_heads` fits them on every other item (undated ones, the written set, always
    among them) decide that month's items as the pipeline does: the gate, then each head's
    decision line. With `forward=N`, forward in time instead, as the pipeline meets the news:
    each month after the first N is decided by heads fitted on the months before it alone (and
    the undated items); the first N months are only learned from. One row per held-out item: its
    id, month, labels, the decisions and how many items the heads that decided it were fitted on;
    and, for studying the decision line, whether the gate let it through, the peace head's
    log-odds (class-balanced, so calibrated as if half were about the talks), its decision line in
    log-odds and the share about the talks among the items the heads were fitted on."""
    months = [str(i["date"])[:7] if i.get("date") else None for i in items]
    rows = []
    for month in sorted({m for m in months if m is not None})[forward or 0:]:
        fitted = [k for k, m in enumerate(months)
                  if m != month and (forward is None or m is None or m < month)]
        held = [k for k, m in enumerate(months) if m == month]
        heads = fit_heads(mode, [items[k] for k in fitted], _subset(inputs, fitted))
        terms, ev, emb, passed = _subset(inputs, held)
        x, rel, peace, _near = heads.score(terms, ev, emb)
        on_story, talks = decisions(rel, peace)
        peace_logits, peace_cut = heads.peace.logits(x), float(logit(heads.peace.threshold))
        peace_share = float(np.mean([items[k]["peace"] for k in fitted if inputs[3][k]]))
        for j, k in enumerate(held):
            relevant = bool(passed[j] and on_story[j])
            rows.append({"id": items[k]["id"], "month": month, "relevant": bool(items[k]["relevant"]),
                         "peace": bool(items[k]["peace"]), "decided_relevant": relevant,
                         "decided_peace": relevant and bool(talks[j]), "fitted_on": len(fitted),
                         "gated": bool(passed[j]), "peace_logit": float(peace_logits[j]),
                         "peace_cut": peace_cut, "peace_share": peace_share})
    return rows


def _subset(inputs: tuple[Any, ...], keep: Sequence[int]) -> tuple[Any, ...]:
    terms, ev, emb, passed = inputs
    return ([terms[k] for k in keep], ev[keep], None if emb is None else emb[keep], passed[keep])


def training_items(corrections: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """What the heads learn from: the real headlines of the train and dev months, the written
    set's dev split (its four other languages) and the analysts' corrections."""
    from pipeline import labelled

    return [*labelled.headlines("train"), *labelled.headlines("dev"), *labelled.own("dev"), *corrections]


def fit_all(corrections: Sequence[dict[str, Any]] = (), log: Callable[[str], None] = print,
            embed: Callable[[list[str]], np.ndarray] | None = None, subtopics: bool = False) -> list[Path]:
    """Both modes' heads (`training_items`) and, with `subtopics`, the subtopic models (written
    dev split; needed when the taxonomy changes). Returns the files written."""
    from pipeline import labelled

    lexical = LexicalClassifier()
    embed = embed or CachedEmbedder()
    written = []
    if subtopics:
        model = fit(lexical, embed, log)
        model.save(MODEL_FILE)
        written.append(MODEL_FILE)
    items = training_items(corrections)
    until = max((c["labelled_at"] for c in corrections), default=None)
    trained_on = {"real_headlines": len(items) - len(corrections) - len(labelled.own("dev")),
                  "written": len(labelled.own("dev")), "corrections": len(corrections),
                  "corrections_until": until.isoformat() if until is not None else None}
    log(f"fitting the heads on {len(items)} labelled items ...")
    inputs = head_inputs(items, lexical, embed)
    for mode in ("lexical", "semantic"):
        heads = fit_heads(mode, items, inputs, trained_on=trained_on)
        heads.save(heads_file(mode))
        log(f"  {mode}: {len(heads.vocab)} words, relevance threshold {heads.relevant.threshold:.3f}, "
            f"peace threshold {heads.peace.threshold:.3f}")
        written.append(heads_file(mode))
    return written
