"""One story, one row: near-duplicate detection with MinHash LSH (datasketch) over word shingles.

Syndicated copies, lightly edited rewrites and the same text in other page furniture share most
of their 5-word shingles; two reports of the same event in different words share few. Articles
whose estimated Jaccard similarity reaches `THRESHOLD` (or whose normalised text is identical)
are joined into one story cluster; the earliest published member represents it.

Clusters are kept up to date step by step (`Clusters`): the texts that are new or changed are
indexed, and the rest of the window is read past them; it keeps its clusters, which copies of
new texts join.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

#: Words per shingle: long enough that unrelated texts rarely share one, short enough that a
#: light edit leaves most shingles intact.
SHINGLE_WORDS = 5
#: MinHash permutations: 128 gives a Jaccard estimate within about ±0.09 (1/sqrt(128)).
NUM_PERM = 128
#: Estimated Jaccard at or above which two texts are copies of one story. Syndicated copies with
#: different furniture score 0.9+, light edits 0.5-0.8, different reports of one event < 0.1.
THRESHOLD = 0.5
SEED = 1
#: datasketch's hashing scheme for 32-bit values; stored signatures are only comparable within it.
SCHEME = "affine32"

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return [" ".join(words).encode()] if words else []
    return list({" ".join(words[i:i + SHINGLE_WORDS]).encode()
                 for i in range(len(words) - SHINGLE_WORDS + 1)})


def signatures(texts: Sequence[str], chunk: int = 500) -> list[bytes]:
    """MinHash signatures of texts as compact bytes (NUM_PERM uint32 values each). Shingle sets
    are built a chunk at a time: they are ~50x the size of the text, the signatures 512 bytes."""
    out: list[bytes] = []
    for i in range(0, len(texts), chunk):
        sets = [shingles(t) for t in texts[i:i + chunk]]
        hashes = MinHash.bulk(sets, num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
        out.extend(np.asarray(h.hashvalues, dtype=np.uint32).tobytes() for h in hashes)
    return out


def _minhash(signature: bytes) -> LeanMinHash:
    values = np.frombuffer(signature, dtype=np.uint32)
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    cluster_id: str  # the representative's article id
    similarity: float  # estimated Jaccard similarity to the representative
    is_representative: bool


@dataclass(frozen=True, slots=True)
class Text:
    """An article to cluster: its id, publication time, MinHash signature and content hash."""

    article_id: str
    published: datetime | None
    signature: bytes
    content_hash: str | None = None


class Clusters:
    """Story clusters of a window, computed afresh for some of its texts (`fresh`: new ones, changed
    ones and the other members of their old clusters) and joined to the clusters the rest of the
    window already has. Only the fresh texts are held in an LSH index; the rest is scanned past it
    batch by batch (`scan`), so memory grows with what is fresh, not with the window.

    Adding texts to a graph only joins its connected components, so the clusters this gives are
    those a recomputation of the whole window would give, as long as the rest's stored clusters
    are whole (a changed text's old cluster is fresh as a whole, and may split)."""

    def __init__(self, fresh: Sequence[Text], threshold: float = THRESHOLD) -> None:
        self.fresh = list(fresh)
        self.threshold = threshold
        self.parent = list(range(len(self.fresh)))
        self.nodes: dict[str, int] = {}  # a stored cluster's id -> its node, after the fresh texts
        self.minhashes = [_minhash(t.signature) for t in self.fresh]
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.by_hash: dict[str, int] = {}
        for i, m in enumerate(self.minhashes):
            for key in self.lsh.query(m):
                if m.jaccard(self.minhashes[int(key)]) >= threshold:
                    self._union(i, int(key))
            self.lsh.insert(str(i), m)
            h = self.fresh[i].content_hash
            if h:
                self._union(i, self.by_hash.setdefault(h, i))

    def _find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, i: int, j: int) -> None:
        ri, rj = self._find(i), self._find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def _node(self, cluster_id: str) -> int:
        if cluster_id not in self.nodes:
            self.nodes[cluster_id] = len(self.parent)
            self.parent.append(len(self.parent))
        return self.nodes[cluster_id]

    def scan(self, cluster_ids: Sequence[str], signatures: Sequence[bytes],
             content_hashes: Sequence[str | None]) -> None:
        """Join the fresh texts to the stored clusters of texts of the rest of the window that
        are copies of them (one batch of that rest: each text's cluster, signature, hash)."""
        for cluster_id, signature, h in zip(cluster_ids, signatures, content_hashes, strict=True):
            m = _minhash(signature)
            for key in self.lsh.query(m):
                if m.jaccard(self.minhashes[int(key)]) >= self.threshold:
                    self._union(int(key), self._node(cluster_id))
            if h and h in self.by_hash:
                self._union(self.by_hash[h], self._node(cluster_id))

    @property
    def joined(self) -> list[str]:
        """The stored clusters that some fresh text joined."""
        return list(self.nodes)

    def _groups(self, candidates: Sequence[tuple[int, Text]]) -> dict[int, Text]:
        """The representative of each group: the earliest published of its candidates (node, text)."""
        best: dict[int, Text] = {}
        for node, text in candidates:
            root = self._find(node)
            if root not in best or _earlier(text, best[root]):
                best[root] = text
        return best

    def _candidates(self, reps: Sequence[Text]) -> list[tuple[int, Text]]:
        """The fresh texts, and the stored representatives of joined clusters, with their nodes."""
        stored = [(self.nodes[t.article_id], t) for t in reps if t.article_id in self.nodes]
        return [*enumerate(self.fresh), *stored]

    def moved(self, reps: Sequence[Text]) -> list[str]:
        """The joined stored clusters whose representative changes (a fresh text published before
        it joined, or the cluster merged with an earlier one), or is not among `reps` (the
        stored representatives of `joined` that the window holds): every text of these must be
        written again. The others keep their rows, and only the fresh texts join them."""
        best = self._groups(self._candidates(reps))
        held = {t.article_id for t in reps}
        return [c for c, node in self.nodes.items()
                if c not in held or best[self._find(node)].article_id != c]

    def members(self, reps: Sequence[Text] = (), mates: Sequence[tuple[Text, str]] = ()) -> list[Member]:
        """A row for every fresh text and for every text of the `moved` clusters (`mates`: those
        texts, each with its stored cluster): its representative (the earliest published of its
        group) and its similarity to it. `reps`: the stored representatives of `joined`."""
        texts = [*self.fresh, *(t for t, _ in mates)]
        nodes = [*range(len(self.fresh)), *(self.nodes[c] for _, c in mates)]
        best = self._groups([*self._candidates(reps), *((self.nodes[c], t) for t, c in mates)])
        minhashes = {t.article_id: _minhash(t.signature) for t in (*reps, *(t for t, _ in mates))}
        minhashes.update((t.article_id, m) for t, m in zip(self.fresh, self.minhashes, strict=True))
        out: list[Member] = []
        for text, node in zip(texts, nodes, strict=True):
            rep = best[self._find(node)]
            sim = (1.0 if rep.article_id == text.article_id else
                   round(float(minhashes[text.article_id].jaccard(minhashes[rep.article_id])), 4))
            out.append(Member(text.article_id, rep.article_id, sim, rep.article_id == text.article_id))
        return out


def _earlier(a: Text, b: Text) -> bool:
    """Whether `a` comes before `b` as a representative: published earlier (undated last), then by id."""
    return ((a.published is None, a.published or 0, a.article_id)
            < (b.published is None, b.published or 0, b.article_id))  # type: ignore[operator]


def cluster(article_ids: Sequence[str], published: Sequence[datetime | None],
            sigs: Sequence[bytes], content_hashes: Sequence[str | None] | None = None,
            threshold: float = THRESHOLD) -> list[Member]:
    """Group articles into story clusters; every article gets a row (singletons too)."""
    hashes = content_hashes if content_hashes is not None else [None] * len(article_ids)
    texts = [Text(*row) for row in zip(article_ids, published, sigs, hashes, strict=True)]
    return Clusters(texts, threshold).members()
