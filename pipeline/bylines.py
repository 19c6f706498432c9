"""Bylines as names: "By Jane Doe and John Roe, Staff Writers | March 3, 2024" becomes
("Jane Doe", "John Roe").

Where the names come from, best first: the page's article object in JSON-LD (`author` as Person
names, written as the publisher wrote them), its author meta tags, trafilatura's byline, a "By ..."
line after the headline or an element marked as the author, then the feed's. What is
removed: lead-ins ("By", "Von", "Par", "View all posts by"...), roles and titles after a name
("Staff Writer", "PhD"), dates and times, and words that are not names ("Follow", "Admin").
Co-authors are split on commas, semicolons, "&", and the word "and" in the page's languages. An
organisation is dropped when a person also signs the piece, and kept when it is the only byline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_LEAD_INS = re.compile(
    r"^(?:(?:view|see) all (?:posts|articles|stories) by|zeige alle beiträge von|alle beiträge von|"
    r"weitere artikel von|more (?:articles|stories) (?:by|from)|articles? by|posts? by|posted by|"
    r"written by|reported by|story by|words by|text(?: und fotos?)?:?|fotos?:|interview:?|"
    r"ein (?:beitrag|artikel|kommentar|interview) von|artikel von|beitrag von|zum profil von|"
    r"author:?|autor(?:in)?:?|auteur:?|redakteur(?:in)?:?|by|von|vom|par|por|di|door|av|af|de|"
    r"from|mit)\s+",
    re.IGNORECASE)
_ROLES = re.compile(
    r",?\s*\b(?:ph\.?\s?d|m\.?\s?d|ma|msc|bsc|rd|mph|jr\.?\s+(?=$)|staff (?:writer|reporter)s?|"
    r"senior (?:writer|editor|reporter|correspondent)|(?:chief|political|foreign|deputy|economics|"
    r"business|science|sports?|health|technology|tech|legal|white house|washington|europe|moscow|"
    r"kyiv)\s+(?:editor|correspondent|reporter|writer)s?|correspondents?|contributors?|reporters?|"
    r"editors?|columnists?|redakteur(?:in)?|korrespondent(?:in)?|reporter(?:in)?|chefredakteur(?:in)?|"
    r"journaliste|rédact(?:eur|rice))\b\.?",
    re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?\S*)?|"
    r"\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?(?:\s?[A-Z]{2,4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|"
    r"dezember)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}\.?\s+(?:jan|feb|mar|mär|apr|may|mai|jun|jul|aug|sep|oct|okt|nov|dec|dez)[a-zä]*\.?\s+\d{4})",
    re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:;|,|&|\||\s/\s|\n|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\boch\b|\bog\b)\s*",
                    re.IGNORECASE)
_TRAILERS = re.compile(r"\s+(?:says|said|schreibt|sagt|stand|updated|aktualisiert|veröffentlicht|"
                       r"published|posted|on|am|le|el|vor)$", re.IGNORECASE)
#: Bylines that are not names at all.
NOT_NAMES = frozenset({
    "admin", "administrator", "follow", "name", "posted", "author", "autor", "no author", "unknown",
    "anonymous", "guest", "editor", "staff", "share", "teilen", "more", "mehr", "wordpressadmin",
    "human", "view", "contributor", "contributors", "redaktion", "webmaster", "user", "default",
})
_ORGANISATION = re.compile(
    r"(?:\b(?:gmbh|ag|inc|ltd|llc|e\.\s?v|s\.a|media|médias?|news|zeitung|nachrichten|online|verlag|"
    r"press|presse|team|redaktion|editorial|agency|agentur|agenturen|tv|radio|magazin|magazine|"
    r"times|post|journal|tribune|herald|daily|group|gruppe|stiftung|foundation|institut|"
    r"university|universität|ministry|ministerium|verband|associated)\b|\.(?:de|com|at|ch|org|net|fr|"
    r"uk|eu|it|es|info)\b|^[A-Z]{2,6}$)",
    re.IGNORECASE)


def clean(byline: str | None) -> tuple[str, ...]:
    """One byline as it is written on a page or in a feed, as names."""
    if not byline or not byline.strip():
        return ()
    text = re.sub(r"https?://\S+|\S+@\S+\.\w+|\(.*?\)", " ", byline)
    text = _DATE.sub(" ", text)
    # "Richard David Precht im Gespräch mit Karin Fischer": both are authors of the piece.
    text = re.sub(r"\s+(?:im gespräch mit|in conversation with|interviewed by|with)\s+", ";", text,
                  flags=re.IGNORECASE)
    names: list[str] = []
    for part in _SPLIT.split(text):
        name = _name(part)
        if name:
            names.append(name)
    return _people_first(tuple(dict.fromkeys(names)))


def _name(part: str) -> str | None:
    part = _trim(part)
    for _ in range(3):
        stripped = _LEAD_INS.sub("", part)
        stripped = _ROLES.sub("", stripped)
        stripped = _trim(_TRAILERS.sub("", stripped))
        if stripped == part:
            break
        part = stripped
    if not part or part.lower() in NOT_NAMES or not re.search(r"\w", part):
        return None
    if len(part) > 60 or len(part.split()) > 6 or part.isdigit():
        return None
    return part


def _trim(part: str) -> str:
    """Spacing folded, stray punctuation off both ends; a final full stop stays after an
    abbreviation ("Jr.", "M.")."""
    part = " ".join(part.split()).strip(" -–—:·|•*,")
    if part.endswith(".") and len(part.rsplit(" ", 1)[-1]) > 3:
        part = part.rstrip(".")
    return part.lstrip(".")


def _people_first(names: tuple[str, ...]) -> tuple[str, ...]:
    people = tuple(n for n in names if not is_organisation(n))
    return people or names


def is_organisation(name: str) -> bool:
    return bool(_ORGANISATION.search(name))


def from_jsonld(article: dict[str, Any] | None) -> tuple[str, ...]:
    """The names of a JSON-LD article object's `author` (Persons; Organizations only when no
    person is named)."""
    if not article:
        return ()
    authors = article.get("author") or article.get("creator")
    items = authors if isinstance(authors, list) else [authors]
    people: list[str] = []
    organisations: list[str] = []
    for item in items:
        if isinstance(item, str):
            people.extend(clean(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            kind = str(item.get("@type") or "").lower()
            target = organisations if "organization" in kind else people
            target.extend(clean(item["name"]))
    return _people_first(tuple(dict.fromkeys(people or organisations)))


def choose(*sources: Iterable[str]) -> tuple[str, ...]:
    """The first source that names anyone."""
    for names in sources:
        names = tuple(names)
        if names:
            return names
    return ()


#: meta tags that carry a byline (name or property, lower-cased).
AUTHOR_META = frozenset({"author", "article:author", "dc.creator", "dcterms.creator", "parsely-author",
                         "sailthru.author", "byl", "citation_author", "og:article:author"})


def from_meta(tree: Any) -> tuple[str, ...]:
    """The names in the page's author meta tags (profile URLs are passed over)."""
    if tree is None:
        return ()
    names: list[str] = []
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = meta.get("content") or ""
        if key in AUTHOR_META and not content.strip().startswith(("http://", "https://", "/")):
            names.extend(clean(content))
    return _people_first(tuple(dict.fromkeys(names)))


_BYLINE_LINE = re.compile(r"^(?:by|von|par|por|di|door|av|af|text|texte|autor|author|written by)\s*:?\s+\S",
                          re.IGNORECASE)
_TEXT_AFTER_HEADLINE = "following::text()[not(ancestor::script or ancestor::style or ancestor::h1)]"
_AUTHOR_ELEMENTS = ('//body//*[@rel="author" or @itemprop="author" or contains(@class, "author")'
                    ' or contains(@class, "byline")]')
#: A byline is a short line; text nodes after the headline read for one.
BYLINE_CHARS = 80
NEAR_HEADLINE_NODES = 40


def from_page(tree: Any) -> tuple[str, ...]:
    """Names the page prints: a short line after the headline that starts with "By", "Von",
    "Par"..., else the first short element marked as an author or byline (class, rel, itemprop)."""
    if tree is None:
        return ()
    headlines = tree.xpath("//body//h1")
    if headlines:
        for text in headlines[0].xpath(_TEXT_AFTER_HEADLINE)[:NEAR_HEADLINE_NODES]:
            line = " ".join(text.split())
            if line and len(line) <= BYLINE_CHARS and _BYLINE_LINE.match(line):
                names = clean(line)
                if names:
                    return names
    for element in tree.xpath(_AUTHOR_ELEMENTS)[:5]:
        line = " ".join(element.text_content().split())
        if 2 < len(line) <= BYLINE_CHARS:
            names = clean(line)
            if names:
                return names
    return ()
