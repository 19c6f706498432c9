"""Every publication date a page and its feed give, and the one the stage keeps.

The candidates, each named by where it came from:
- `visible`: the date printed with the headline (the first date written in a short line of the
  text just after the headline, or just before it; the headline is the <h1> the page's title
  names, see `headline.titled`);
- `feed`: the feed entry's `published`;
- `jsonld`: schema.org `datePublished` of the page's article object;
- `meta`: `article:published_time` and the other meta tags publishers use for it;
- `time`: a `<time>` element marked as the publication date (`pubdate`, `itemprop`, a class);
- `labelled`: a date the page labels as the publication ("Veröffentlicht am", "Published on"),
  anywhere in its text, else one it labels as the last change ("Letzte Änderung", "Last updated");
- `htmldate`: htmldate's search over the page (trafilatura's own date);
- `url`: a year, month and day in the URL's path.

How the dateline is read. The first date in a short line wins, with these exceptions:
- a relative date ("vor 4 Monaten", "3 hours ago") is the dateline but gives no day without the
  fetch time: the search ends there, and no farther date is taken for it;
- a date that opens a paragraph ("29.11.2022 – Mehrfach ...", "(21. November 2022) ...") is a
  dateline even though the line is long;
- of a date marked as the last change (class "updated"/"modified", itemprop dateModified) printed
  beside one marked as the publication, the latter is read: themes print both and hide the first;
- a bare ISO timestamp ("2022-12-07T10:10:52+01:00") is text written for machines, not a dateline;
- dates are read day first ("04.05.20" is 4 May 2020); a date written with slashes or a two-digit
  year that can be read either way ("11/01/2021") is read month first when that is the day the
  page's metadata declares and day first is not.

The choice, in words. Dates that are impossible (before 1995, or after the fetch; a date without
a time counts as midnight UTC) are dropped. Then the first of, in this order: the date readers
see with the headline; the feed's date; a declared date (jsonld, meta, time, in that order); the
labelled date; htmldate's; the URL's. Declared metadata is the machine's and often carries a
template's or the last update's date; on the trafilatura-eval pages the printed date was right
more often wherever the two disagreed. A dateline marked "Updated" counts: it is the date the page
shows, and the trafilatura-eval gold follows it (the mozilla-readability gold, on its two such
pages, does not). When the chosen date has no time of day, a feed or declared timestamp on the
same day supplies the time and its zone. A timestamp written in UTC gives way to the same instant
written with the publisher's own offset (its day is the one the publisher's readers saw).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
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
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])"), "dmy"),  # "04.05.20"
)
#: Words that label a date as the publication's, then as the last change's ("Veröffentlicht am 16.08.2019").
PUBLISHED_LABELS = ("veröffentlicht", "erschienen", "publiziert", "published", "posted", "publié",
                    "publicado", "pubblicato")
CHANGED_LABELS = ("letzte änderung", "zuletzt geändert", "last modified", "last updated", "aktualisiert")
_LABEL_TAIL = r")(?:\s+(?:am|on|le|el|il|den))?\s*:?\s*(.{6,40}|$)"
_PUBLISHED_LABEL = re.compile("(?:" + "|".join(PUBLISHED_LABELS) + _LABEL_TAIL, re.IGNORECASE)
_CHANGED_LABEL = re.compile("(?:" + "|".join(CHANGED_LABELS) + _LABEL_TAIL, re.IGNORECASE)
_LABEL_WORDS = re.compile("|".join(PUBLISHED_LABELS + CHANGED_LABELS))  # in lower-cased text
#: The texts of the page's body, and those of its code (no reader sees them), each in order.
_TEXTS = "//body//text()"
_CODE_TEXTS = "//body//script//text() | //body//style//text() | //body//noscript//text()"
#: A text longer than this is not a label with its date.
LABEL_CHARS = 120
#: A relative date: "vor 4 Monaten", "3 hours ago", "hace 13 horas", "il y a 2 jours", "Today 7:30AM".
_UNITS = ("sekunden? minuten? stunden? tagen? wochen? monaten? jahren?"
          " seconds? minutes? mins? hours? hrs? days? weeks? months? years?"
          " segundos? minutos? horas? días? dias? semanas? mes(?:es)? años?"
          " secondes? heures? jours? semaines? mois ans? secondi minuti ore giorni settimane mesi anni h m d")
_UNIT = "(?:" + "|".join(_UNITS.split()) + ")"
_RELATIVE = re.compile(
    r"\b(?:vor|hace|il y a)\s+(?:\d+|einer?|einem|un[ae]?)\s*" + _UNIT + r"\b"
    r"|\b\d+\s*" + _UNIT + r"\.?\s+(?:ago|fa)\b"
    r"|^(?:today|yesterday|heute|gestern|hoy|ayer|aujourd'hui|oggi|ieri)\b", re.IGNORECASE)
#: A long line that opens with its date: "29.11.2022 – Mehrfach ...", "Bern, 17.08.2007 - Rede ...",
#: "(21. November 2022) Energieverbraucher ...".
_OPENING = re.compile(r"^\W{0,3}(.{6,30}?)\W{0,3}\s[-–—]\s|^\((.{6,30}?)\)")
#: A bare ISO timestamp in the text: written for machines (microformats), not the dateline.
_MACHINE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\S*")
#: Texts left out of the dateline: those in an element marked as the last change when an element
#: beside it is marked as the publication (themes print both and hide the first with CSS).
_CHANGED = ("(@itemprop='dateModified' or contains(@class, 'updated') or contains(@class, 'modified'))"
            " and not(contains(@class, 'publish') or @itemprop='datePublished')")
_PUBLISHED = "contains(@class, 'publish') or @itemprop='datePublished'"
_BESIDE_PUBLISHED = (f"ancestor::*[position() <= 3][{_CHANGED}][preceding-sibling::*[{_PUBLISHED}]"
                     f" or following-sibling::*[{_PUBLISHED}]]")
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
    "2009-02-18", "18.02.09"); numeric dates are read day first."""
    found = _written(text)
    return found[0] if found else None


def _written(text: str) -> tuple[datetime, bool] | None:
    """The first date written out in `text`, and whether it could be read month first as well (a
    date with slashes or a two-digit year whose day and month are both 12 or less)."""
    best: tuple[int, datetime, bool] | None = None
    for pattern, order in _WRITTEN:
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            parts = dict(zip(order, m.groups(), strict=True))
            month = MONTHS[parts["M"].lower()] if "M" in parts else int(parts["m"])
            year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
            try:
                value = datetime(year, month, int(parts["d"]), tzinfo=UTC)
            except ValueError:
                continue
            either = (order == "dmy" and ("/" in m[0] or len(parts["y"]) == 2)
                      and int(parts["d"]) <= 12 and month <= 12 and int(parts["d"]) != month)
            best = (m.start(), value, either)
            break
    return best[1:] if best else None


def visible_date(tree: Any, declared: Iterable[Candidate] = ()) -> datetime | None:
    """The date printed with the headline: the first written date in a short line (a dateline,
    not a sentence of the story) among the text that follows the headline the page's title names,
    else among the text just before it; read by the rules in the module's docstring. `declared`
    (the page's metadata dates) settles a date that reads both ways."""
    shown = headline.titled(tree)
    for side, budget in ((headline.following, AFTER_HEADLINE), (headline.preceding, BEFORE_HEADLINE)):
        found, ended = _dateline(side(shown, _BESIDE_PUBLISHED), budget)
        if found:
            return _as_declared(*found, declared)
        if ended:
            return None
    return None


#: A text longer than this is a sentence, not a dateline.
DATELINE_CHARS = 80


def _dateline(lines: Iterator[str], budget: int) -> tuple[tuple[datetime, bool] | None, bool]:
    """The first written date in a short line, or opening a long one, within `budget` characters
    of lines; and whether the search ended there (a date, or a relative one)."""
    for line in lines:
        if _MACHINE.fullmatch(line):
            continue
        if len(line) <= DATELINE_CHARS:
            found = _written(line)
            if found:
                return found, True
            if _RELATIVE.search(line):
                return None, True
        else:
            opening = _OPENING.match(line)
            found = _written(opening[1] or opening[2]) if opening else None
            if found:
                return found, True
        budget -= len(line)
        if budget <= 0:
            return None, False
    return None, False


def _as_declared(value: datetime, either: bool, declared: Iterable[Candidate]) -> datetime:
    """A date that reads both ways, month first when that is a declared day and day first is not."""
    if not either:
        return value
    days = {_day(c) for c in declared}
    swapped = value.replace(day=value.month, month=value.day)
    return swapped if swapped.date() in days and value.date() not in days else value


def labelled_date(tree: Any) -> datetime | None:
    """The first date the page's text labels as the publication's ("Veröffentlicht am 16.08.2019",
    "Erschienen am" with the date in the next text), else as the last change's. Texts of scripts,
    styles and noscripts are no reader's: a text equal to one of theirs is passed over. (XPath
    hands back plain strings: a predicate on every text node, or strings that know their element,
    would cost more than the whole date search.)"""
    if tree is None:
        return None
    texts = tree.xpath(_TEXTS, smart_strings=False)
    joined = "\x00".join(texts).lower()
    starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    labelled = sorted({bisect_right(starts, m.start()) - 1 for m in _LABEL_WORDS.finditer(joined)
                       if m.start() == 0 or not joined[m.start() - 1].isalnum()})  # not "datePublished"
    if not labelled:  # most pages: no label
        return None
    code = set(tree.xpath(_CODE_TEXTS, smart_strings=False))
    return (_labelled(texts, code, labelled, _PUBLISHED_LABEL)
            or _labelled(texts, code, labelled, _CHANGED_LABEL))


def _labelled(texts: list[str], code: set[str], labelled: list[int],
              label: re.Pattern[str]) -> datetime | None:
    """The first date after `label` in one of the texts (by index) that hold a label word, with
    the `code` texts passed over."""
    for i in labelled:
        line = " ".join(texts[i].split())
        m = label.search(line) if len(line) <= LABEL_CHARS and texts[i] not in code else None
        if not m:
            continue
        rest = m[1] if m[1].strip() else next(
            (" ".join(t.split()) for t in texts[i + 1:] if t.strip() and t not in code), "")
        if re.match(r"\W{0,2}(?:\w+,?\s+(?:den\s+)?)?\d", rest):  # the date, perhaps after its weekday
            found = written_date(rest)
            if found:
                return found
    return None


def candidates(tree: Any, url: str | None, htmldate_value: str | None = None,
               feed_date: datetime | None = None, article: dict[str, Any] | None = None,
               fetched_at: datetime | None = None) -> list[Candidate]:
    """Every publication date the page (an lxml tree), its URL, htmldate and the feed give; the
    labelled date only when no source before it in `ORDER` gives a plausible one (fetched at
    `fetched_at`), as it could not be chosen: its search reads all of the page's text."""
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
    if feed_date:
        value = feed_date if feed_date.tzinfo else feed_date.replace(tzinfo=UTC)
        found.append(Candidate("feed", value, True))  # feedparser gives UTC: the feed's own zone is lost
    shown = visible_date(tree, list(found))
    if shown:
        found.append(Candidate("visible", shown, False))
    outranked = any(_plausible(c, fetched_at) for c in found if c.source in ORDER[:ORDER.index("labelled")])
    labelled = None if outranked else labelled_date(tree)
    if labelled:
        found.append(Candidate("labelled", labelled, False))
    day = url_date(url)
    if day:
        found.append(Candidate("url", day, False))
    if htmldate_value:
        add("htmldate", htmldate_value)
    return found


ORDER = ("visible", "feed", "jsonld", "meta", "time", "labelled", "htmldate", "url")


def choose(found: Iterable[Candidate], fetched_at: datetime | None = None) -> Candidate | None:
    """The publication date to keep, by the rules in the module's docstring."""
    plausible = [c for c in found if _plausible(c, fetched_at)]
    chosen = next((c for source in ORDER for c in plausible if c.source == source), None)
    if chosen is None or chosen.has_time:
        return _in_local_time(chosen, plausible)
    timed = (c for source in ("feed", *DECLARED) for c in plausible if c.source == source and c.has_time)
    same_day = next((c for c in timed if _day(c) == _day(chosen)), None)
    if same_day is None:
        return chosen
    local = _in_local_time(same_day, plausible)
    return Candidate(chosen.source, local.value, True, local.zone) if local else chosen


def _plausible(c: Candidate, fetched_at: datetime | None) -> bool:
    """Not before 1995 and not after the fetch (or now)."""
    return EARLIEST <= c.value <= (fetched_at or datetime.now(UTC))


def _in_local_time(chosen: Candidate | None, found: list[Candidate]) -> Candidate | None:
    """A timestamp written in UTC as another source writes the same instant with its own offset
    (2017-02-24T01:18Z is 2017-02-23T17:18-08:00: the day the publisher's readers saw)."""
    if chosen is None or not chosen.has_time or chosen.value.utcoffset() != timedelta(0):
        return chosen
    local = next((c for c in found if c.has_time and c.value == chosen.value
                  and c.value.utcoffset() not in (None, timedelta(0))), None)
    return Candidate(chosen.source, local.value, True, local.zone) if local else chosen


def zone(value: datetime | None) -> str | None:
    """The UTC offset a timestamp was written in ("+02:00"), None for none."""
    if value is None or value.utcoffset() is None:
        return None
    minutes = int(value.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day(c: Candidate) -> date:
    return c.value.date()
