"""Every publication date a page and its feed give, and the one the stage keeps.

The candidates, each named by where it came from:
- `visible`: the date printed with the headline (the first date written in the text just after
  the page's first <h1>, or just before it);
- `feed`: the feed entry's `published`;
- `jsonld`: schema.org `datePublished` of the page's article object;
- `meta`: `article:published_time` and the other meta tags publishers use for it;
- `time`: a `<time>` element marked as the publication date (`pubdate`, `itemprop`, a class);
- `htmldate`: htmldate's search over the page (trafilatura's own date);
- `url`: a year, month and day in the URL's path.

The choice, in words. Dates that are impossible (before 1995, or after the fetch; a date without
a time counts as midnight UTC) are dropped. Then the first of, in this order: the date readers
see with the headline; the feed's date; a declared date (jsonld, meta, time, in that order);
htmldate's; the URL's. Declared metadata is the machine's and often carries a template's or the
last update's date; on the trafilatura-eval pages the printed date was right more often wherever
the two disagreed. A dateline marked "Updated" counts: it is the date the page shows, and the
gold dates of both annotated sets follow it. When the chosen date has no time of day, a feed or
declared timestamp on the same day supplies the time and its zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from dateutil import parser as dateparser

from pipeline import headline

#: A date before this is not a news article's: a template's or a parser's mistake.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
DECLARED = ("jsonld", "meta", "time")
#: Zone abbreviations pages write after a time, as UTC offsets in seconds.
ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 3600, "BST": 3600, "CET": 3600, "CEST": 7200,
         "MEZ": 3600, "MESZ": 7200, "EET": 7200, "EEST": 10800, "MSK": 10800, "EST": -18000,
         "EDT": -14400, "CST": -21600, "CDT": -18000, "MST": -25200, "MDT": -21600, "PST": -28800,
         "PDT": -25200}

#: meta tags (name or property, lower-cased) that name the publication date.
PUBLISHED_META = frozenset({
    "article:published_time", "og:published_time", "og:article:published_time",
    "article:published", "published_time", "publish-date", "publish_date", "publishdate",
    "pubdate", "date", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.date",
    "dcterms.issued", "dcterms.created", "sailthru.date", "parsely-pub-date", "datepublished",
    "article.published", "article_date_original", "original-publish-date", "cxenseparse:recs:publishtime",
    "date_published", "citation_publication_date", "citation_date", "release_date", "pdate",
    "displaydate", "dc:date", "article:post_date",
})
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_SLASHED = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$)")
_MONTH_NAMES = (
    "january jan januar janvier enero gennaio janeiro januari",
    "february feb februar février fevrier febrero febbraio fevereiro februari",
    "march mar märz mär maerz mars marzo março maart",
    "april apr avril abril aprile",
    "may mai mayo maggio maio mei",
    "june jun juni juin junio giugno junho",
    "july jul juli juillet julio luglio julho",
    "august aug août aout agosto augustus",
    "september sep sept septembre septiembre settembre setembro",
    "october oct okt oktober octobre octubre ottobre outubro",
    "november nov novembre noviembre novembro",
    "december dec dez dezember décembre decembre diciembre dicembre dezembro",
)
MONTHS = {name: i + 1 for i, names in enumerate(_MONTH_NAMES) for name in names.split()}
_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
_YEAR = r"((?:19|20)\d{2})"
#: Dates as people write them, each with the order of its day, month and year groups.
_WRITTEN = (
    (re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?" + _YEAR + r"(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)" + _YEAR + r"-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?(" + _MONTH + r")\.?,?\s+(?:de\s+)?"
                + _YEAR, re.IGNORECASE), "dMy"),
    (re.compile(r"\b(" + _MONTH + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR, re.IGNORECASE), "Mdy"),
    (re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/" + _YEAR + r"(?!\d)"), "dmy"),
)
#: Characters of the page's text after, then before, the headline searched for the date shown
#: with it (text of any length counts against the window; only short lines are read for a date).
AFTER_HEADLINE = 600
BEFORE_HEADLINE = 200


@dataclass(frozen=True)
class Candidate:
    source: str
    value: datetime
    has_time: bool
    zone: str | None = None  # the UTC offset the source wrote, None when it wrote none


def parse_date(text: str | None) -> tuple[datetime, bool, str | None] | None:
    """An ISO-like or written date as an aware datetime (UTC when the text names no zone), whether
    it carried a time of day, and the zone it named; None when it is not a date."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    if not re.search(r"\d{4}", text) or len(text) > 64:
        return None
    try:
        value = dateparser.parse(text, default=datetime(2000, 1, 1), tzinfos=ZONES)
    except (ValueError, OverflowError, TypeError):
        return None
    if value is None:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    named = zone(value) if has_time else None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value, has_time, named


def url_date(url: str | None) -> datetime | None:
    """A full date in the URL's path (/2019/05/31/, /20190531, -2019-05-31-)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.IGNORECASE)
    for pattern in (_URL_DATE_SLASHED, _URL_DATE):
        m = pattern.search(path)
        if m:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
            except ValueError:
                continue
    return None


def written_date(text: str) -> datetime | None:
    """The first date written out in `text` ("18.02.2009", "18. Februar 2009", "Feb. 18, 2009",
    "2009-02-18"); slashed dates are read day first."""
    best: tuple[int, datetime] | None = None
    for pattern, order in _WRITTEN:
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            parts = dict(zip(order, m.groups(), strict=True))
            month = MONTHS[parts["M"].lower()] if "M" in parts else int(parts["m"])
            try:
                value = datetime(int(parts["y"]), month, int(parts["d"]), tzinfo=UTC)
            except ValueError:
                continue
            best = (m.start(), value)
            break
    return best[1] if best else None


def visible_date(tree: Any) -> datetime | None:
    """The date printed with the headline: the first written date in a short line (a dateline,
    not a sentence of the story) among the text that follows the page's first <h1>, else among
    the text just before it."""
    return (_dateline(headline.after(tree), AFTER_HEADLINE)
            or _dateline(headline.before(tree), BEFORE_HEADLINE))


#: A text longer than this is a sentence, not a dateline.
DATELINE_CHARS = 80


def _dateline(lines: Iterable[str], budget: int) -> datetime | None:
    """The first written date in a short line, within `budget` characters of lines."""
    for line in lines:
        if len(line) <= DATELINE_CHARS:
            found = written_date(line)
            if found:
                return found
        budget -= len(line)
        if budget <= 0:
            return None
    return None


def candidates(tree: Any, url: str | None, htmldate_value: str | None = None,
               feed_date: datetime | None = None, article: dict[str, Any] | None = None) -> list[Candidate]:
    """Every publication date the page (an lxml tree), its URL, htmldate and the feed give."""
    found: list[Candidate] = []

    def add(source: str, text: Any) -> None:
        parsed = parse_date(text) if isinstance(text, str) else None
        if parsed:
            found.append(Candidate(source, *parsed))

    if article:
        add("jsonld", article.get("datePublished") or article.get("dateCreated"))
    if tree is not None:
        for meta in tree.xpath("//meta[@content]"):
            key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
            if key in PUBLISHED_META:
                add("meta", meta.get("content"))
        for el in tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
            add("time", el.get("datetime") or el.get("content") or el.text_content())
        for el in tree.xpath("//time[@pubdate] | //time[contains(@class, 'publish')]"
                             " | //time[contains(@class, 'entry-date')]"):
            add("time", el.get("datetime") or el.text_content())
    shown = visible_date(tree)
    if shown:
        found.append(Candidate("visible", shown, False))
    day = url_date(url)
    if day:
        found.append(Candidate("url", day, False))
    if htmldate_value:
        add("htmldate", htmldate_value)
    if feed_date:
        value = feed_date if feed_date.tzinfo else feed_date.replace(tzinfo=UTC)
        found.append(Candidate("feed", value, True))  # feedparser gives UTC: the feed's own zone is lost
    return found


ORDER = ("visible", "feed", "jsonld", "meta", "time", "htmldate", "url")


def choose(found: Iterable[Candidate], fetched_at: datetime | None = None) -> Candidate | None:
    """The publication date to keep, by the rules in the module's docstring."""
    latest = fetched_at or datetime.now(UTC)
    plausible = [c for c in found if EARLIEST <= c.value <= latest]
    chosen = next((c for source in ORDER for c in plausible if c.source == source), None)
    if chosen is None or chosen.has_time:
        return chosen
    timed = (c for source in ("feed", *DECLARED) for c in plausible if c.source == source and c.has_time)
    same_day = next((c for c in timed if _day(c) == _day(chosen)), None)
    return Candidate(chosen.source, same_day.value, True, same_day.zone) if same_day else chosen


def zone(value: datetime | None) -> str | None:
    """The UTC offset a timestamp was written in ("+02:00"), None for none."""
    if value is None or value.utcoffset() is None:
        return None
    minutes = int(value.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day(c: Candidate) -> date:
    return c.value.date()
