"""The lxml fast path for feeds gives feedparser's entries, and hands anything unusual to feedparser."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from pipeline import feedparse, poll
from pipeline.sources import FeedSource

FEEDS = Path(__file__).resolve().parent.parent / "pipeline" / "sample" / "site" / "feeds"
BASE = "http://127.0.0.1:8999"


def sample(name: str) -> tuple[str, bytes]:
    return f"{BASE}/feeds/{name}", (FEEDS / name).read_bytes().replace(b"{{BASE}}", BASE.encode())


def entries(parsed: object, url: str) -> list[poll.Entry]:
    return list(poll._entries(FeedSource(id="f", url=url), parsed, url))


@pytest.mark.parametrize("name", ["world.rss", "europe.atom", "baltic.rdf"])
def test_a_well_formed_sample_feed_takes_the_fast_path_and_gives_feedparsers_entries(name):
    url, body = sample(name)
    fast = feedparse.parse(body, url)
    assert fast is not None
    reference = feedparser.parse(body, response_headers={"content-location": url})
    assert fast["version"] == reference.version
    assert entries(fast, url) == entries(reference, url)
    assert len(entries(fast, url)) >= 5


@pytest.mark.parametrize("name", ["kyiv.rss", "notafeed.rss"])
def test_malformed_xml_and_html_pages_go_to_feedparser(name):
    url, body = sample(name)
    assert feedparse.parse(body, url) is None
    parsed = poll.parse_feed(body, url)
    reference = feedparser.parse(body, response_headers={"content-location": url})
    assert entries(parsed, url) == entries(reference, url)


def test_relative_links_and_ids_resolve_like_feedparser_and_a_non_permalink_guid_stays():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>A</title><guid>a-1</guid><pubDate>Tue, 10 Mar 2026 06:30:00 +0100</pubDate></item>
    <item><title>B</title><link> /news/b </link><guid isPermaLink="false">b-2</guid>
      <author>ann@x.example (Ann Lee)</author>
      <description>&lt;p&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;</description></item>
    </channel></rss>"""
    url = "https://x.example/feeds/main.xml"
    fast = entries(feedparse.parse(body, url), url)
    assert [(e.guid, e.link) for e in fast] == [("https://x.example/feeds/a-1", "https://x.example/feeds/a-1"),
                                               ("b-2", "https://x.example/news/b")]
    assert fast[0].published_at.isoformat() == "2026-03-10T05:30:00+00:00"
    assert fast[1].authors == ("Ann Lee",) and fast[1].summary == "Hi there"
    assert [(e.guid, e.link, e.published_at) for e in fast] == [
        (e.guid, e.link, e.published_at) for e in entries(feedparser.parse(
            body, response_headers={"content-location": url}), url)]


def test_a_feed_declaring_entities_is_never_expanded_by_the_fast_path():
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
    <rss version="2.0"><channel><title>&b;</title><item><title>&b;</title><link>https://x.example/1</link>
    </item></channel></rss>"""
    assert feedparse.parse(body, "https://x.example/feed") is None


def test_an_external_entity_is_not_fetched_or_read():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><item><title>&xxe;</title>
    <link>https://x.example/1</link></item></channel></rss>"""
    assert feedparse.parse(body, "https://x.example/feed") is None  # undeclared: not well-formed


def test_an_atom_xhtml_title_goes_to_feedparser():
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>B</b></div></title><id>tag:x,1</id>
    <link href="https://x.example/1"/></entry></feed>"""
    assert feedparse.parse(body, "https://x.example/feed") is None
