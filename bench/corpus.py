"""The shared real-world HTML corpus the extract and backfill benchmarks read."""

from __future__ import annotations

import sys

from pipeline.labelled import CORPORA_DIR as CORPUS  # $NEWSFLOW_CORPUS, else shared/ beside the checkout


def corpus_pages(n: int) -> list[tuple[str, bytes]]:
    """Up to n real-world pages from the shared corpus (never copied into the repository)."""
    files = [*sorted(CORPUS.glob("trafilatura-eval/cache/*.html")),
             *sorted(CORPUS.glob("mozilla-readability/pages/*/source.html")),
             *sorted(CORPUS.glob("trafilatura-eval/eval/*.html"))]
    if not files:
        sys.exit(f"no HTML corpus under {CORPUS} (set NEWSFLOW_CORPUS)")
    return [(str(f.relative_to(CORPUS)), f.read_bytes()) for f in files[:n]]
