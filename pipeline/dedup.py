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
import pyarrow as pa
from datasketch import MinHash

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


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    cluster_id: str  # the representative's article id
    similarity: float  # estimated Jaccard similarity to the representative
    is_representative: bool


def cluster(article_ids: Sequence[str], published: Sequence[datetime | None],
            sigs: Sequence[bytes] | np.ndarray, content_hashes: Sequence[str | None] | None = None,
            threshold: float = THRESHOLD) -> list[Member]:
    """Group articles into story clusters; every article gets a row (singletons too). `sigs`:
    the signatures as bytes, or as one (articles x NUM_PERM) uint32 array.

    The same candidates and decisions as datasketch's MinHashLSH at `threshold` (BANDS bands of
    ROWS hash values: two articles are candidates when one band is equal, joined when their
    estimated Jaccard reaches `threshold`), computed over one array rather than an object and
    an index entry per article: about 0.6 KB an article instead of 4.2 (30,000 articles: 125 MB
    measured with datasketch), since a long run re-clusters the whole window it loaded."""
    n = len(article_ids)
    values = _matrix(sigs, n)
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

    # identical signatures are joined at once (Jaccard 1, every band equal), and only one of
    # them is compared further: syndicated copies make large buckets of equal rows
    distinct, first, inverse = _unique_rows(values)
    for i, d in enumerate(inverse.tolist()):
        union(i, first[d])
    needed = threshold * NUM_PERM
    for band in range(BANDS):
        keys = distinct[:, band * ROWS:(band + 1) * ROWS]
        _, _, bucket = _unique_rows(keys)
        order = np.argsort(bucket, kind="stable")
        sizes = np.bincount(bucket)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for b in np.flatnonzero(sizes > 1).tolist():
            members = order[starts[b]:starts[b] + sizes[b]]
            rows = distinct[members]
            for pos in range(1, len(members)):
                equal = np.count_nonzero(rows[:pos] == rows[pos], axis=1)
                for k in np.flatnonzero(equal >= needed).tolist():
                    union(int(first[members[pos]]), int(first[members[k]]))
    if content_hashes is not None:
        seen: dict[str, int] = {}
        for i, h in enumerate(content_hashes):
            if h:
                union(i, seen.setdefault(h, i))

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out: list[Member] = []
    for idx in groups.values():
        rep = min(idx, key=lambda i: (published[i] is None, published[i] or 0, article_ids[i]))
        same = np.count_nonzero(values[idx] == values[rep], axis=1) / np.float64(NUM_PERM)
        for i, sim in zip(idx, same.tolist(), strict=True):
            out.append(Member(article_ids[i], article_ids[rep], 1.0 if i == rep else round(sim, 4),
                              i == rep))
    return out


#: datasketch's banding for THRESHOLD and NUM_PERM (MinHashLSH(threshold=0.5, num_perm=128).b, .r):
#: 25 bands of 5 values, the ones that minimise its false positive and negative rates.
BANDS, ROWS = 25, 5


def as_matrix(signatures: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Stored signatures (a binary column) as one (articles x NUM_PERM) uint32 array."""
    column = signatures.combine_chunks() if isinstance(signatures, pa.ChunkedArray) else signatures
    fixed = column.cast(pa.binary(NUM_PERM * 4))
    data = fixed.buffers()[1]
    if data is None or not len(fixed):
        return np.zeros((0, NUM_PERM), np.uint32)
    return np.frombuffer(data, dtype=np.uint32, count=len(fixed) * NUM_PERM,
                         offset=fixed.offset * NUM_PERM * 4).reshape(len(fixed), NUM_PERM)


def _matrix(sigs: Sequence[bytes] | np.ndarray, n: int) -> np.ndarray:
    if isinstance(sigs, np.ndarray):
        return sigs.reshape(n, NUM_PERM)
    return np.frombuffer(b"".join(sigs), dtype=np.uint32).reshape(n, NUM_PERM)


def _row_hashes(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row (FNV-style, column by column): 8 bytes a row to sort, where
    sorting the rows themselves copies them."""
    h = np.full(len(values), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for column in range(values.shape[1]):
            h = (h ^ values[:, column].astype(np.uint64)) * prime
    return h


def _unique_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of a 2-D array, the index of each one's first row, and each row's
    distinct row. Rows are grouped by a hash and checked equal to their group's first row; a
    collision (never seen) falls back to sorting the rows themselves."""
    if not len(values):
        return values, np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, first, inverse = np.unique(_row_hashes(values), return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    for lo in range(0, len(values), 8192):  # checked a slice at a time: no copy of every row
        part = slice(lo, lo + 8192)
        if not np.array_equal(values[part], values[first[inverse[part]]]):
            rows = np.ascontiguousarray(values)
            keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            return rows[first], first, inverse.ravel()
    return values[first], first, inverse
