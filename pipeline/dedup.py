"""One story, one row: near-duplicate detection with MinHash LSH (datasketch) over word shingles.

Syndicated copies, lightly edited rewrites and the same text in other page furniture share most
of their 5-word shingles; two reports of the same event in different words share few. Articles
whose estimated Jaccard similarity reaches `THRESHOLD` (or whose normalised text is identical)
are joined into one story cluster; the earliest published member represents it.
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


def cluster(article_ids: Sequence[str], published: Sequence[datetime | None],
            sigs: Sequence[bytes], content_hashes: Sequence[str | None] | None = None,
            threshold: float = THRESHOLD) -> list[Member]:
    """Group articles into story clusters; every article gets a row (singletons too)."""
    n = len(article_ids)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    minhashes = [_minhash(s) for s in sigs]
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for i, m in enumerate(minhashes):
        for key in lsh.query(m):
            j = int(key)
            if minhashes[i].jaccard(minhashes[j]) >= threshold:
                union(i, j)
        lsh.insert(str(i), m)
    if content_hashes is not None:
        first: dict[str, int] = {}
        for i, h in enumerate(content_hashes):
            if h:
                union(i, first.setdefault(h, i))

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    members: list[Member] = []
    for idx in groups.values():
        rep = min(idx, key=lambda i: (published[i] is None, published[i] or 0, article_ids[i]))
        for i in idx:
            sim = 1.0 if i == rep else round(float(minhashes[i].jaccard(minhashes[rep])), 4)
            members.append(Member(article_ids[i], article_ids[rep], sim, i == rep))
    return members
