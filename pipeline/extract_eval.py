"""How good the extract stage is, measured on real pages with gold annotations, beside bare
trafilatura with the same options in the same run.

Two sets, read from the shared corpora folder (never copied into the repo):
- `trafilatura-eval`: ~990 pages with snippets the main text must contain (`with`) and must not
  (`without`), and gold title, author and date for most. trafilatura was developed on it.
- `mozilla-readability`: Readability's test pages with the expected article (`expected.html`) and
  its metadata (`title`, `byline`, `publishedTime`).

Which pages are news articles was decided by reading each one; the labels are data
(`pipeline/pages/news-pages.tsv`, a tenth judged twice: Cohen's κ 0.96). Body scores:
- snippets: a `with` snippet found is a true positive, one missing a false negative, a `without`
  snippet found a false positive; precision, recall and F1 are over all snippets of a group.
- expected text: token F1 (bag of lower-cased words) per page, averaged over the group.
Metadata: title exact (case and spacing folded), date exact day (the page's own calendar day), and
authors exact (the set of names, case and spacing folded).
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import lxml.html

from pipeline.extract import Fields, bare_fields, page_fields

LABELS = Path(__file__).with_name("pages") / "news-pages.tsv"
SETS = ("trafilatura-eval", "mozilla-readability")
#: A token: a run of word characters, or one CJK character (those scripts put no spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORD = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")


@dataclass(frozen=True)
class Case:
    """One annotated page."""
    set: str
    page: str
    url: str
    path: Path
    news: bool
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    expected: str | None = None
    title: str | None = None
    day: date | None = None
    authors: tuple[str, ...] | None = None

    def html(self) -> bytes:
        return self.path.read_bytes()


def read_labels(path: Path = LABELS) -> dict[tuple[str, str], bool]:
    """(set, page) -> is a news article, as labelled by reading the page."""
    with path.open(encoding="utf-8") as f:
        return {(row["set"], row["page"]): row["news"] == "1" for row in csv.DictReader(f, delimiter="\t")}


def load_cases(root: Path, labels: dict[tuple[str, str], bool] | None = None) -> list[Case]:
    """Every annotated page of both sets under `root` (the shared `corpora/html` folder)."""
    labels = read_labels() if labels is None else labels
    cases = list(_trafilatura_eval(root / "trafilatura-eval", labels))
    cases += _readability(root / "mozilla-readability", labels)
    if not cases:
        raise FileNotFoundError(
            f"{root}: neither trafilatura-eval/ground_truth.jsonl nor mozilla-readability/pages")
    return cases


def _trafilatura_eval(folder: Path, labels: dict[tuple[str, str], bool]) -> Iterator[Case]:
    truth = folder / "ground_truth.jsonl"
    if not truth.exists():
        return
    for line in truth.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield Case(
            set="trafilatura-eval", page=row["path"], url=row["url"], path=folder / row["path"],
            news=labels.get(("trafilatura-eval", row["path"]), False),
            with_=tuple(row.get("with") or ()), without=tuple(row.get("without") or ()),
            title=row.get("title") or None, day=_day(row.get("date")),
            authors=gold_authors(row.get("author")),
        )


def _readability(folder: Path, labels: dict[tuple[str, str], bool]) -> Iterator[Case]:
    pages = folder / "pages"
    if not pages.is_dir():
        return
    for page in sorted(p for p in pages.iterdir() if (p / "source.html").exists()):
        meta_path = page / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        expected = _text_of((page / "expected.html").read_text(encoding="utf-8"))
        yield Case(
            set="mozilla-readability", page=page.name, url=f"http://fakehost/{page.name}/",
            path=page / "source.html", news=labels.get(("mozilla-readability", page.name), False),
            expected=expected, title=meta.get("title") or None,
            day=_day(meta.get("publishedTime")), authors=gold_authors(_first_line(meta.get("byline"))),
        )


def _text_of(html: str) -> str:
    """The words of an HTML fragment, with elements kept apart ("<p>a</p><p>b</p>" is "a b")."""
    return " ".join(" ".join(lxml.html.fromstring(html).itertext()).split())


def _first_line(byline: str | None) -> str | None:
    """Readability's byline is the page's raw text ("By X\\n March 11, 2015"): its first line,
    without a leading "By" ("Written by", "Par", "Von")."""
    if not byline:
        return None
    first = byline.strip().splitlines()[0]
    return re.sub(r"^(?:written by|by|par|von)\s+", "", first.strip(), flags=re.IGNORECASE) or None


def _day(value: str | None) -> date | None:
    """The calendar day a gold date names, as written (its own time zone)."""
    if not value:
        return None
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def gold_authors(value: str | list[str] | None) -> tuple[str, ...] | None:
    """A gold author field (a string or a list) as a set of names: split on ';', ',', '&', 'and',
    'und' (in any case: "GLEN OWEN AND BRENDAN CARLIN"), 'et' (not "ET Online"); a degree after a comma is the
    name's, not a name ("Brenda Goodman, MA")."""
    if isinstance(value, list):
        value = "; ".join(value)
    if not value or not value.strip():
        return None
    parts = re.split(r"\s*(?:;|,|&|(?i:\band\b|\bund\b)|\bet\b)\s*", value.strip())
    names = tuple(sorted({_fold(p) for p in parts if p.strip() and not _DEGREE.match(p.strip())}))
    return names or None


_DEGREE = re.compile(r"^(?:ph\.?\s?d|m\.?d|ma|msc|bsc|mph|mba)\.?$", re.IGNORECASE)


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


# --- scoring -----------------------------------------------------------------------------------

def snippet_counts(text: str, case: Case) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of the page's snippets in `text`."""
    folded = _fold(text)
    found = [_fold(s) in folded for s in case.with_]
    leaked = [_fold(s) in folded for s in case.without]
    return sum(found), sum(leaked), len(found) - sum(found)


def token_f1(text: str, expected: str) -> float:
    got, gold = Counter(_WORD.findall(text.lower())), Counter(_WORD.findall(expected.lower()))
    if not got or not gold:
        return float(got == gold)
    overlap = sum((got & gold).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(got.values()), overlap / sum(gold.values())
    return 2 * p * r / (p + r)


def local_day(value: datetime | None) -> date | None:
    return value.date() if value else None


@dataclass
class Scores:
    """One extractor's results over one group of pages."""
    pages: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    token_f1s: list[float] = field(default_factory=list)
    title: list[bool] = field(default_factory=list)
    day: list[bool] = field(default_factory=list)
    authors: list[bool] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def body_f1(self) -> float | None:
        """Snippet F1 for the snippet set, mean token F1 for the expected-text set (None for a
        group of both: the two are not one measure)."""
        if self.token_f1s and self.tp + self.fp + self.fn:
            return None
        if self.token_f1s:
            return sum(self.token_f1s) / len(self.token_f1s)
        if not self.tp + self.fp + self.fn:
            return None
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    @staticmethod
    def rate(hits: Sequence[bool]) -> float | None:
        return sum(hits) / len(hits) if hits else None


Extractor = Callable[[bytes, str], Fields]
EXTRACTORS: dict[str, Extractor] = {"newsflow": page_fields, "trafilatura": bare_fields}


@dataclass(frozen=True)
class Outcome:
    case: Case
    extractor: str
    fields: Fields
    seconds: float


def run(cases: Iterable[Case], extractors: dict[str, Extractor] | None = None,
        progress: Callable[[], object] | None = None) -> Iterator[Outcome]:
    """Every extractor over every page, each page read once; a page an extractor fails on counts
    as an empty extraction."""
    extractors = extractors or EXTRACTORS
    for case in cases:
        html = case.html()
        for name, extract in extractors.items():
            start = time.perf_counter()
            try:
                fields = extract(html, case.url)
            except Exception:  # noqa: BLE001 - a page that breaks an extractor scores nothing
                fields = Fields("")
            yield Outcome(case, name, fields, time.perf_counter() - start)
        if progress:
            progress()


def group_of(case: Case) -> str:
    return f"{case.set} {'news' if case.news else 'other'}"


def score(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Scores]:
    """(group, extractor) -> Scores; groups are each set's news and other pages, each set whole,
    and 'news' over both sets."""
    table: dict[tuple[str, str], Scores] = {}
    for o in outcomes:
        c, f = o.case, o.fields
        groups = [group_of(c), c.set] + (["news (both sets)"] if c.news else [])
        for g in groups:
            s = table.setdefault((g, o.extractor), Scores())
            s.pages += 1
            s.seconds += o.seconds
            if c.expected is not None:
                s.token_f1s.append(token_f1(f.text, c.expected))
            else:
                tp, fp, fn = snippet_counts(f.text, c)
                s.tp, s.fp, s.fn = s.tp + tp, s.fp + fp, s.fn + fn
            if c.title:
                s.title.append(_fold(f.title or "") == _fold(c.title))
            if c.day:
                s.day.append(local_day(f.published) == c.day)
            if c.authors:
                s.authors.append(gold_authors("; ".join(f.authors)) == c.authors)
    return table


def misses(outcomes: Iterable[Outcome], what: str, extractor: str = "newsflow") -> list[tuple[Case, str]]:
    """Pages whose `what` ('day' or 'authors') the extractor got wrong, with what it gave."""
    out = []
    for o in outcomes:
        if o.extractor != extractor:
            continue
        c, f = o.case, o.fields
        if what == "day" and c.day and local_day(f.published) != c.day:
            out.append((c, f"{f.published} ({f.date_source}) gold {c.day}"))
        if what == "authors" and c.authors and gold_authors("; ".join(f.authors)) != c.authors:
            out.append((c, f"{list(f.authors)} gold {list(c.authors)}"))
    return out


def groups(table: dict[tuple[str, str], Scores]) -> list[str]:
    """The groups of a score table, news first, then each set's groups, then each set whole."""
    names = {g for g, _ in table}
    order = ["news (both sets)"] + [f"{s} {k}" for s in SETS for k in ("news", "other")] + list(SETS)
    return [g for g in order if g in names]


def figures(table: dict[tuple[str, str], Scores]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """The table as plain numbers: group -> extractor -> figures."""
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for (group, name), sc in table.items():
        out.setdefault(group, {})[name] = {
            "pages": sc.pages, "body_f1": sc.body_f1, "title": Scores.rate(sc.title),
            "day": Scores.rate(sc.day), "day_pages": len(sc.day), "authors": Scores.rate(sc.authors),
            "author_pages": len(sc.authors), "ms_per_page": 1000 * sc.seconds / sc.pages,
        }
    return out
