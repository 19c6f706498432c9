"""Benchmark: how good the extract stage's text, dates and bylines are on real pages with gold
annotations, beside bare trafilatura with the same options, in the same run.

The two annotated sets of the shared corpus (trafilatura-eval: snippets the text must and must not
contain; mozilla-readability: the expected article), news pages (labelled by reading each one,
pipeline/pages/news-pages.tsv) apart from the others. Prints one table per set and group: body F1,
title, exact day, exact authors, time per page; the targets of the extraction issue beside them.
Writes bench/results/extract_quality.json. Not a test.

    .venv/bin/python bench/extract_quality.py [--corpus ../shared/corpora/html]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import machine
from corpus import CORPUS

from pipeline import extract_eval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    args = parser.parse_args()
    info = machine.header()
    cases = extract_eval.load_cases(Path(args.corpus))
    table = extract_eval.score(extract_eval.run(cases))
    figures = extract_eval.figures(table)
    print(f"{len(cases)} annotated pages under {args.corpus}")
    print(f"{'group':<28} {'extractor':<12} {'pages':>5} {'body F1':>8} {'title':>6} {'day':>6} "
          f"{'authors':>7} {'ms/page':>7}")
    for group in extract_eval.groups(table):
        for name, f in figures[group].items():
            print(f"{group:<28} {name:<12} {f['pages']:>5} {_pct(f['body_f1']):>8} {_pct(f['title']):>6} "
                  f"{_pct(f['day']):>6} {_pct(f['authors']):>7} {f['ms_per_page']:>7.0f}")
    print("targets:")
    for group in ("trafilatura-eval news", "mozilla-readability news"):
        gain = _gain(figures, group)
        print(f"  body F1 on {group}: {gain:+.2f} points over bare trafilatura (target >= +1.0)")
    worst = min(_gain(figures, g) for g in extract_eval.groups(table) if "both" not in g)
    print(f"  worst group: {worst:+.2f} points (target >= -0.5)")
    day = figures["trafilatura-eval"]["newsflow"]
    print(f"  exact day on the {day['day_pages']} dated trafilatura-eval pages: {_pct(day['day'])}"
          " (target >= 93.0)")
    authors = [figures[s]["newsflow"] for s in extract_eval.SETS if s in figures]
    hits = sum((a["authors"] or 0) * a["author_pages"] for a in authors)
    pages = sum(a["author_pages"] for a in authors)
    print(f"  exact authors on the {pages} pages with gold authors: {_pct(hits / pages if pages else None)}"
          " (target >= 90.0)")
    machine.write("extract_quality", {"machine": info, "pages": len(cases), "figures": figures})


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _gain(figures: dict, group: str) -> float:
    mine, bare = figures[group]["newsflow"]["body_f1"], figures[group]["trafilatura"]["body_f1"]
    return 100 * (mine - bare) if mine is not None and bare is not None else 0.0


if __name__ == "__main__":
    main()
