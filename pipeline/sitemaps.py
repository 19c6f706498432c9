"""Discovery and sitemaps: a site's feeds and (news) sitemaps, and the article URLs a sitemap
lists for a date range — the backfill path for articles the feeds no longer show.

Everything is fetched through the guarded client (`pipeline.net`), so the address guard and
the limits apply; sitemap XML is parsed with entities and network access off.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from dateutil import parser as dateparser
from protego import Protego

from pipeline import net, poll
from pipeline.config import Settings
from pipeline.progress import ERRORS, Quiet, Reporter

#: Where sites commonly put their feeds and sitemaps, tried when the home page names none.
FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feeds/all.rss")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps.org limit, uncompressed
MAX_DEPTH = 3  # sitemap index -> index -> urlset is as deep as real sites go


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    url: str
    lastmod: datetime | None
    published: datetime | None  # news:publication_date
    title: str | None = None  # news:title

    @property
    def when(self) -> datetime | None:
        return self.published or self.lastmod


def discover(settings: Settings, site_url: str) -> dict[str, list[str]]:
    """{"feeds": [...], "sitemaps": [...]} of a site; raises net.FetchError if the site is unreachable.
    A home page that answers with an error (a 404, say) still leaves the common paths to try."""
    feeds: list[str] = []
    with net.make_client(settings) as client:
        try:
            home = client.get(site_url)
            base, body = home.url, home.body
        except net.FetchError as exc:
            if exc.status is None:  # no answer at all: nothing else there will answer either
                raise
            base, body = site_url, b""
        if body:
            doc = lxml.html.fromstring(body)
            for link in doc.xpath("//link[@href]"):
                rel = (link.get("rel") or "").lower().split()
                if "alternate" in rel and (link.get("type") or "").lower() in FEED_TYPES:
                    feeds.append(urljoin(base, link.get("href").strip()))
        if not feeds:
            feeds = [u for u in (urljoin(base, p) for p in FEED_PATHS) if _is_feed(client, u)]
        sitemaps: list[str] = []
        try:
            robots = client.get(urljoin(base, "/robots.txt"), max_bytes=500_000)
            sitemaps = list(Protego.parse(robots.body.decode("utf-8", "replace")).sitemaps)
        except net.FetchError:
            pass
        if not sitemaps:
            sitemaps = [u for u in (urljoin(base, p) for p in SITEMAP_PATHS) if _is_sitemap(client, u)]
    return {"feeds": list(dict.fromkeys(feeds)), "sitemaps": list(dict.fromkeys(sitemaps))}


def _is_feed(client: net.Client, url: str) -> bool:
    try:
        resp = client.get(url, max_bytes=10_000_000)
    except net.FetchError:
        return False
    return bool(resp.body) and not poll.declares_entities(resp.body) and bool(
        poll.parse_feed(resp.body, resp.url, resp.headers).get("version"))


def _is_sitemap(client: net.Client, url: str) -> bool:
    try:
        return _root(client.get(url, max_bytes=MAX_SITEMAP_BYTES).body).tag in (f"{SM}urlset",
                                                                                f"{SM}sitemapindex")
    except (net.FetchError, ValueError):
        return False


def sitemap_urls(settings: Settings, sitemap_url: str, since: datetime | None = None,
                 until: datetime | None = None, reporter: Reporter | None = None) -> list[SitemapUrl]:
    """Article URLs of a sitemap (following sitemap indexes) dated in [since, until); with a
    window, undated URLs are left out. Raises net.FetchError / ValueError for the top sitemap.
    `reporter` hears of every sitemap read, the URLs kept and the child sitemaps that failed."""
    reporter = reporter or Quiet()
    for stage in ("sitemaps", "urls", ERRORS):
        reporter.start(stage, 0)
    with net.make_client(settings) as client:
        return _walk(client, sitemap_url, since, until, 0, reporter)


def _walk(client: net.Client, url: str, since: datetime | None, until: datetime | None,
          depth: int, reporter: Reporter) -> list[SitemapUrl]:
    root = _root(client.get(url, max_bytes=MAX_SITEMAP_BYTES).body)
    reporter.advance("sitemaps")
    found: list[SitemapUrl] = []
    if root.tag == f"{SM}sitemapindex":
        for child in root.iter(f"{SM}sitemap"):
            loc, lastmod = child.findtext(f"{SM}loc"), _date(child.findtext(f"{SM}lastmod"))
            if not loc or depth >= MAX_DEPTH or (since and lastmod and lastmod < since):
                continue  # a child sitemap last changed before the window holds nothing in it
            try:
                found += _walk(client, loc.strip(), since, until, depth + 1, reporter)
            except (net.FetchError, ValueError):
                reporter.advance(ERRORS)
                continue
        return found
    for item in root.iter(f"{SM}url"):
        loc = (item.findtext(f"{SM}loc") or "").strip()
        if not loc:
            continue
        entry = SitemapUrl(loc, _date(item.findtext(f"{SM}lastmod")),
                           _date(item.findtext(f"{NEWS}news/{NEWS}publication_date")),
                           item.findtext(f"{NEWS}news/{NEWS}title"))
        when = entry.when
        if (since or until) and when is None:
            continue
        if (since and when and when < since) or (until and when and when >= until):
            continue
        found.append(entry)
        reporter.advance("urls")
    return found


def _root(body: bytes) -> lxml.etree._Element:
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as a file
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            body = f.read(MAX_SITEMAP_BYTES + 1)
        if len(body) > MAX_SITEMAP_BYTES:
            raise ValueError("sitemap larger than 50 MB uncompressed")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise ValueError(f"not a sitemap: {exc}") from None


def _date(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        parsed = dateparser.isoparse(value.strip())
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_entries(urls: Sequence[SitemapUrl], feed_id: str) -> list[dict[str, object]]:
    """Rows for `entries` (under a pseudo-feed id), so the next run fetches the URLs."""
    from pipeline.urls import article_id

    now = datetime.now(UTC)
    return [{"feed_id": feed_id, "guid": u.url[:2000], "link": u.url, "article_id": article_id(u.url),
             "title": u.title, "summary": None, "published_at": u.when, "authors": [], "seen_at": now}
            for u in urls]
