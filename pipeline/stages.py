"""The CPU-bound stages of a batch on every core: extract -> classify -> sign.

A worker process (`pipeline.workers`) takes a few pages at a time and runs all three stages on
them: the page's bytes cross to the worker once and its article comes back with its decision and
MinHash signature. The process that reads the input (fetches, a WARC file, the archive) and
loads the database does none of the heavy work, so both cores stay busy: before, the lexical
classifier and the signatures ran in that one process while the pool waited.

Workers rebuild the packaged classifier of the run's mode once each (`default_classifier`). A
classifier object of another kind cannot be rebuilt there, so its batches are classified
in-process after a parallel extraction. Stage seconds are summed over the workers: CPU time per
stage, which exceeds the wall time when the workers run side by side.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from pipeline import dedup, extract, extract_pool, workers
from pipeline.classify import Classifier, default_classifier, is_default
from pipeline.models import Article, Classification, Page, Problem

#: Pages a worker takes at a time: small, because page costs vary a hundredfold.
CHUNK_PAGES = 4
#: Chunks in flight per worker while streaming: enough that a worker never waits for the reader
#: or the loader, few enough that pages are not read far ahead of the work.
AHEAD_PER_WORKER = 8


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a batch's counts and error ledger need of a page (not its bytes)."""

    link: str
    http_status: int | None
    problem: Problem | None  # the fetch's failure


@dataclass
class Worked:
    """What the stages made of some pages, in page order."""

    pages: list[Fetched] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # extraction problems
    decisions: list[Classification] = field(default_factory=list)  # usable articles only
    signatures: list[tuple[str, str | None, bytes]] = field(default_factory=list)  # id, text's hash
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, other: Worked) -> None:
        self.pages += other.pages
        self.articles += other.articles
        self.problems += other.problems
        self.decisions += other.decisions
        self.signatures += other.signatures
        for stage, secs in other.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + secs


def work(pages: Sequence[Page], classifier: Classifier | str, timeout: float) -> Worked:
    """Extract, classify and sign `pages` in this process (`classifier` may be a mode name)."""
    if isinstance(classifier, str):
        classifier = default_classifier(classifier)
    t0 = time.perf_counter()
    articles, problems = extract.extract_pages(pages, timeout)
    t1 = time.perf_counter()
    return _classify_and_sign(pages, articles, problems, classifier, {"extract": t1 - t0})


def _classify_and_sign(pages: Sequence[Page], articles: list[Article], problems: list[Problem],
                       classifier: Classifier, seconds: dict[str, float]) -> Worked:
    usable = [a for a in articles if a.extraction_status == "ok"]
    t1 = time.perf_counter()
    decisions = classifier.classify((a.article_id, a.title, a.text, a.published_at) for a in usable)
    t2 = time.perf_counter()
    signatures = list(zip([a.article_id for a in usable], [a.content_hash for a in usable],
                          dedup.signatures([a.text or "" for a in usable]), strict=True))
    t3 = time.perf_counter()
    seconds = {**seconds, "classify": t2 - t1, "dedup": t3 - t2}
    fetched = [Fetched(p.task.link, p.http_status, p.problem) for p in pages]
    return Worked(fetched, articles, problems, decisions, signatures, seconds)


def _chunks(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    chunk: list[Page] = []
    for page in pages:
        chunk.append(page)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(pages: Sequence[Page], classifier: Classifier, *, processes: int, timeout: float) -> Worked:
    """The stages over one batch of pages, on `processes` workers (a handful of pages is done
    in-process: a round trip to the pool is not worth it)."""
    if len(pages) < extract_pool.POOL_MIN_PAGES:
        return work(pages, classifier, timeout)
    out = Worked()
    for part in stream(pages, classifier, processes=processes, timeout=timeout):
        out.add(part)
    return out


def stream(pages: Iterable[Page], classifier: Classifier, *, processes: int,
           timeout: float) -> Iterator[Worked]:
    """The stages over a stream of pages, a chunk at a time, in order: the caller reads the next
    pages and loads the finished ones while the workers run."""
    if not is_default(classifier):
        yield from _stream_custom(pages, classifier, processes=processes, timeout=timeout)
        return
    fn = partial(work, classifier=classifier.mode, timeout=timeout)
    yield from workers.stream(fn, _chunks(pages, CHUNK_PAGES), workers=processes,
                              ahead=AHEAD_PER_WORKER * processes)


def _stream_custom(pages: Iterable[Page], classifier: Classifier, *, processes: int,
                   timeout: float) -> Iterator[Worked]:
    """A classifier the workers cannot rebuild: extract on the pool, classify here."""
    for chunk in _chunks(pages, 200):
        t0 = time.perf_counter()
        articles, problems = extract_pool.extract_pages(chunk, processes=processes, timeout=timeout)
        yield _classify_and_sign(chunk, articles, problems, classifier,
                                 {"extract": time.perf_counter() - t0})
