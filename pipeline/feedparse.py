"""Feed parsing: a fast path for well-formed RSS 2.0, RSS 1.0 (RDF) and Atom, feedparser for the rest.

feedparser reads a feed through SAX into a universal dict, sanitises the HTML of every text field
and resolves relative URIs inside it; the pipeline then throws that HTML away (`poll._clean` keeps
the text). The fast path reads the few fields the pipeline keeps (id, link, title, summary, dates,
authors) straight from an lxml tree and returns them in feedparser's shape, so `poll._entries`
reads either. It never expands entities, loads a DTD or touches the network, and refuses huge
trees; anything it does not recognise as a clean feed (a syntax error, a DOCTYPE, an unknown root)
goes to feedparser, without its sanitiser and URI resolver (`sanitize_html=False`,
`resolve_relative_uris=False`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree as etree
from feedparser.datetimes import _parse_date

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          remove_comments=True, remove_pis=True, strip_cdata=True, recover=False)


def parse(body: bytes, url: str, content_type: str | None = None) -> Any:
    """The parsed feed as feedparser's dict: `entries`, `version`, `bozo` (and `bozo_exception`)."""
    fast = _fast(body, url)
    if fast is not None:
        return fast
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(body, response_headers=headers, sanitize_html=False,
                            resolve_relative_uris=False)


def _fast(body: bytes, url: str) -> dict[str, Any] | None:
    if b"<!DOCTYPE" in body[:4096] or b"<!doctype" in body[:4096]:
        return None  # DTDs and entity declarations: feedparser (and its guards) decide
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    base = root.base or url
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            return None
        items = [_rss_item(i, base) for i in channel.iterfind("item")]
        return _feed(items, "rss20")
    if root.tag == f"{{{ATOM}}}feed":
        return _feed([_atom_entry(e, base) for e in root.iterfind(f"{{{ATOM}}}entry")], "atom10")
    if root.tag == f"{{{RDF}}}RDF":
        return _feed([_rdf_item(i, base) for i in root.iterfind(f"{{{RSS1}}}item")], "rss10")
    return None


def _feed(entries: list[dict[str, Any]], version: str) -> dict[str, Any]:
    return {"entries": entries, "version": version, "bozo": False}


def _text(node: Any) -> str | None:
    if node is None:
        return None
    return "".join(node.itertext()).strip() or None


def _dated(entry: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        parsed = _parse_date(value)
        if parsed is not None:
            entry[key] = parsed


def _with_authors(entry: dict[str, Any], names: list[str | None]) -> dict[str, Any]:
    kept = [n.strip() for n in names if n and n.strip()]
    if kept:
        entry["authors"] = [{"name": n} for n in kept]
        entry["author"] = kept[0]
    return entry


def _rss_item(item: Any, base: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    link = _text(item.find("link"))
    guid = item.find("guid")
    guid_text = _text(guid)
    if guid_text:
        entry["id"] = guid_text
        if not link and guid is not None and guid.get("isPermaLink", "true").lower() == "true":
            link = guid_text
    if link:
        entry["link"] = urljoin(base, link)
        entry["links"] = [{"rel": "alternate", "href": entry["link"]}]
    title = _text(item.find("title")) or _text(item.find(f"{{{DC}}}title"))
    if title:
        entry["title"] = title
    summary = _text(item.find("description")) or _text(item.find(f"{{{CONTENT}}}encoded"))
    if summary:
        entry["summary"] = summary
    _dated(entry, "published_parsed", _text(item.find("pubDate")) or _text(item.find(f"{{{DC}}}date")))
    names = [_text(a) for a in item.iterfind(f"{{{DC}}}creator")] or [_text(item.find("author"))]
    return _with_authors(entry, names)


def _rdf_item(item: Any, base: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    about = item.get(f"{{{RDF}}}about")
    link = _text(item.find(f"{{{RSS1}}}link")) or about
    if about:
        entry["id"] = about
    if link:
        entry["link"] = urljoin(base, link)
        entry["links"] = [{"rel": "alternate", "href": entry["link"]}]
    title = _text(item.find(f"{{{RSS1}}}title")) or _text(item.find(f"{{{DC}}}title"))
    if title:
        entry["title"] = title
    summary = _text(item.find(f"{{{RSS1}}}description")) or _text(item.find(f"{{{CONTENT}}}encoded"))
    if summary:
        entry["summary"] = summary
    _dated(entry, "updated_parsed", _text(item.find(f"{{{DC}}}date")))
    entry["published_parsed"] = entry.get("updated_parsed")
    return _with_authors(entry, [_text(a) for a in item.iterfind(f"{{{DC}}}creator")])


def _atom_entry(node: Any, base: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    base = node.base or base
    ident = _text(node.find(f"{{{ATOM}}}id"))
    if ident:
        entry["id"] = ident
    links = []
    for link in node.iterfind(f"{{{ATOM}}}link"):
        href = link.get("href")
        if href:
            links.append({"rel": link.get("rel", "alternate"), "href": urljoin(base, href.strip())})
    if links:
        entry["links"] = links
        alternate = [lk["href"] for lk in links if lk["rel"] == "alternate"]
        entry["link"] = alternate[0] if alternate else links[0]["href"]
    title = _text(node.find(f"{{{ATOM}}}title"))
    if title:
        entry["title"] = title
    summary = _text(node.find(f"{{{ATOM}}}summary")) or _text(node.find(f"{{{ATOM}}}content"))
    if summary:
        entry["summary"] = summary
    _dated(entry, "published_parsed", _text(node.find(f"{{{ATOM}}}published")))
    _dated(entry, "updated_parsed", _text(node.find(f"{{{ATOM}}}updated")))
    names = [_text(a.find(f"{{{ATOM}}}name")) for a in node.iterfind(f"{{{ATOM}}}author")]
    return _with_authors(entry, names)
