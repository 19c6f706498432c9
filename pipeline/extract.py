"""Extract stage: trafilatura turns a page into main text and metadata.

The page's own metadata wins; the feed entry fills what the page lacks (title, authors, date).
A page with no usable text is kept as an article with `extraction_status = 'empty'` and a reason.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import py3langid
import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from pipeline import boilerplate, bylines, charset, jsonld, pagedates
from pipeline.models import Article, Page, Problem
from pipeline.timelimit import TimeLimitExceeded, time_limit
from pipeline.urls import article_id, domain, is_http_url, normalise_url

#: Fewer words than this is not an article (cookie walls, teasers, paywall stubs).
MIN_WORDS = 40
#: Characters of text the language identifier reads; more adds time, not accuracy: over 1,158
#: texts of the shared corpus, 1,000 characters gave the language 3,000 gave for every one, in
#: 0.38 s against 0.86 s.
LANGID_CHARS = 1000
#: Pages where trafilatura's fast pass finds fewer words than this get its full cascade.
FULL_BELOW = 150


def extract_pages(pages: Iterable[Page], timeout: float = 0.0) -> tuple[list[Article], list[Problem]]:
    """Extract every fetched page in this process, each within `timeout` seconds (0: no limit);
    pages that failed to fetch are passed over. `pipeline.extract_pool` spreads this over cores."""
    articles: list[Article] = []
    problems: list[Problem] = []
    for page in pages:
        if page.body is None:
            continue
        article, problem = extract_page(page, timeout)
        articles.append(article)
        if problem:
            problems.append(problem)
    return articles, problems


def extract_document(html: bytes | str | HtmlElement, url: str | None = None, *, fast: bool = False,
                     with_metadata: bool = True) -> dict[str, Any]:
    """trafilatura (with metadata unless told), as a plain dict; `fast` skips its comparison with
    its fallback extractors. Given a parsed page, trafilatura works on a copy of it."""
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=with_metadata, include_comments=False, include_tables=True,
        deduplicate=False, fast=fast,
    )
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {k: data.get(k) for k in ("title", "author", "date", "sitename", "language",
                                     "description", "text", "url")}


@dataclass(frozen=True)
class Fields:
    """What a page (with its feed's date) yields: main text and metadata."""
    text: str
    title: str | None = None
    published: datetime | None = None
    date_source: str | None = None
    authors: tuple[str, ...] = ()
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    url: str | None = None
    published_zone: str | None = None


def bare_fields(html: bytes | str, url: str | None = None) -> Fields:
    """Bare trafilatura with the options the stage gives it: the baseline of `newsflow eval-extract`."""
    meta = extract_document(html, url)
    found = pagedates.parse_date(meta.get("date"))
    return Fields(normalise_text(meta.get("text")), meta.get("title"), found[0] if found else None,
                  "htmldate" if found else None, split_authors(meta.get("author")),
                  published_zone=found[2] if found else None)


def page_fields(html: bytes | str, url: str | None = None, feed_date: datetime | None = None,
                fetched_at: datetime | None = None) -> Fields:
    """trafilatura's text and metadata, with the page's own evidence read beside it: every date
    the page and feed give, chosen by `pagedates`; bylines cleaned by `bylines`."""
    if isinstance(html, bytes):
        html = charset.decode_html(html)[0]
    tree = load_html(html)
    declared = jsonld.objects(tree)
    article = jsonld.article(declared)
    meta = extract_document(tree if tree is not None else html, url, fast=True)
    text = main_text(tree if tree is not None else html, url, meta)
    dates = pagedates.candidates(tree, url, meta.get("date"), feed_date, article, fetched_at)
    chosen = pagedates.choose(dates, fetched_at)
    authors = page_authors(tree, url, meta, article)
    return Fields(
        text=text, title=meta.get("title"), published=chosen.value if chosen else None,
        date_source=chosen.source if chosen else None,
        authors=authors, sitename=meta.get("sitename"), language=meta.get("language"),
        description=meta.get("description"), url=meta.get("url"),
        published_zone=chosen.zone if chosen else None,
    )


def page_authors(tree: HtmlElement | None, url: str | None, meta: dict[str, Any],
                 article: dict[str, Any] | None) -> tuple[str, ...]:
    """The byline as names, best source first: the article object, the byline printed after the
    headline when it names people as pages print names, the meta tags, trafilatura's byline (as the
    page prints it), any byline printed on the page; when nobody signs, whom the story credits
    (`bylines.credited`); see `bylines.choose`."""
    site = bylines.Site.of(url, meta.get("sitename"), bylines.publisher(article))
    trafilaturas = bylines.from_trafilatura(meta.get("author"), tree)
    near = bylines.after_headline(tree) if tree is not None else ()
    sources = (bylines.from_jsonld(article), bylines.as_signed(near), bylines.from_meta(tree), trafilaturas)
    printed = bylines.from_page(tree, near) or bylines.closing(tree, meta.get("text"))
    names = bylines.choose(*sources, printed=printed, site=site)
    if not bylines.names_a_person(names, site):  # nobody signs: whom it credits
        credited = bylines.credited(tree, meta.get("text"))
        names = bylines.choose(*sources, printed=printed, credited=credited, site=site) if credited else names
    if any(name in trafilaturas for name in names):  # the page read again only when it matters
        names = tuple(dict.fromkeys(bylines.as_printed(names, tree)))
    return names


def main_text(html: str | HtmlElement, url: str | None, meta: dict[str, Any]) -> str:
    """The body text: trafilatura's main extractor alone (`meta`, its fast mode); for a page where
    that finds less than FULL_BELOW words, trafilatura's full cascade, which compares its result
    with readability's and jusText's. Then without boilerplate lines (`pipeline.boilerplate`).
    On the news pages of mozilla-readability the main extractor alone is closer to the expected
    text (the cascade takes in related stories on long pages); on short pages the cascade finds
    what it misses."""
    text = meta.get("text") or ""
    if len(text.split()) < FULL_BELOW:
        # when the fast pass returned nothing at all, its metadata comes from this pass too
        full = extract_document(html, url, with_metadata=not meta)
        text = full.get("text") or text
        if not meta:
            meta.update(full)
    return boilerplate.strip(normalise_text(text))


def extract_page(page: Page, timeout: float = 0.0) -> tuple[Article, Problem | None]:
    task = page.task
    url = page.final_url or task.link
    html: bytes | str = page.html if page.html is not None else page.body or b""
    if page.encoding and isinstance(html, bytes):
        with contextlib.suppress(LookupError):  # unknown label: trafilatura detects it from bytes
            html = html.decode(page.encoding, errors="replace")
    problem: Problem | None = None
    try:
        with time_limit(timeout):
            fields = page_fields(html, url, task.published_at, page.fetched_at)
    except TimeLimitExceeded:
        fields = Fields("")
        problem = Problem("extract", task.link, "extract_timeout",
                          f"extraction took longer than {timeout:g}s: page skipped", task.feed_id)
    except Exception as exc:  # noqa: BLE001 - a broken page must not stop the batch
        fields = Fields("")
        problem = Problem("extract", task.link, "extract_error",
                          f"{type(exc).__name__}: {exc}"[:500], task.feed_id)

    text = fields.text
    words = len(text.split()) if text else 0
    status = "ok"
    if words < MIN_WORDS:
        status = "empty"
        problem = problem or Problem(
            "extract", task.link, "empty_extraction",
            f"no usable main text ({words} words, need {MIN_WORDS})", task.feed_id)

    published, date_source, zone = fields.published, fields.date_source, fields.published_zone
    if problem is not None and published is None:  # a page that could not be read: the feed's, URL's
        chosen = pagedates.choose(pagedates.candidates(None, url, None, task.published_at), page.fetched_at)
        if chosen:
            published, date_source, zone = chosen.value, chosen.source, chosen.zone
    canonical = canonical_url(fields.url, url) or task.url
    article = Article(
        article_id=article_id(canonical) if canonical != task.url else task.article_id,
        link_id=task.article_id,
        url=canonical,
        link=task.link,
        final_url=page.final_url,
        feed_id=task.feed_id,
        source_domain=domain(url),
        title=fields.title or task.title,
        authors=fields.authors or clean_feed_authors(task.authors),
        published_at=published.astimezone(UTC) if published else None,
        date_source=date_source,
        published_zone=zone,
        fetched_at=page.fetched_at,
        http_status=page.http_status,
        content_type=page.content_type,
        size_bytes=page.size_bytes,
        fetch_ms=page.elapsed_ms,
        language=detect_language(text, fields.language or task.language),
        site_name=fields.sitename,
        description=fields.description,
        text=text or None,
        word_count=words,
        content_hash=content_hash(text) if text else None,
        extraction_status=status,
        extraction_error=problem.message if problem else None,
        warc_file=page.warc_file,
        warc_offset=page.warc_offset,
        warc_length=page.warc_length,
    )
    return article, problem


def canonical_url(declared: str | None, page_url: str) -> str | None:
    """The page's rel=canonical / og:url (as trafilatura reads it), normalised, when it points to
    the same site as the page itself; an AMP or mobile page names its main page this way."""
    if not declared or not is_http_url(declared):
        return None
    if domain(declared) != domain(page_url):
        return None
    return normalise_url(declared)


def normalise_text(text: str | None) -> str:
    """Trim each line and drop empty ones; paragraphs stay one per line."""
    if not text:
        return ""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """sha256 of the text with case and whitespace folded: equal texts, equal hashes."""
    folded = " ".join(text.lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def clean_feed_authors(authors: tuple[str, ...]) -> tuple[str, ...]:
    """The feed's bylines as names, for pages that name nobody."""
    return tuple(dict.fromkeys(name for byline in authors for name in bylines.clean(byline)))


def split_authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    parts = [p.strip() for p in value.replace(" and ", ";").split(";")]
    return tuple(dict.fromkeys(p for p in parts if p))


def detect_language(text: str, declared: str | None = None) -> str | None:
    """py3langid over the start of the text; too little (or no) text falls back to what the
    page or feed declared."""
    if len(text) < 40:
        return declared
    lang, _ = py3langid.classify(text[:LANGID_CHARS])
    return str(lang)
