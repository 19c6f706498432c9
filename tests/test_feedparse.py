"""The fast feed parser gives the pipeline the same entries as feedparser, and hands anything it
cannot read safely to feedparser."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from pipeline import feedparse, poll
from pipeline.sources import FeedSource

FEEDS = Path(__file__).resolve().parent.parent / "pipeline" / "sample" / "site" / "feeds"
URL = "http://127.0.0.1:8000/feeds/"


def entries(parsed, name):
    return list(poll._entries(FeedSource(id="f", url=URL + name), parsed, URL + name))


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.iterdir()))
def test_the_sample_feeds_give_the_same_entries_as_feedparser(name):
    body = (FEEDS / name).read_bytes().replace(b"{{BASE}}", URL.rstrip("/").encode())
    reference = feedparser.parse(body, response_headers={"content-location": URL + name,
                                                         "content-type": "application/xml"})
    parsed = feedparse.parse(body, URL + name, "application/xml")
    assert entries(reference, name) or name == "notafeed.rss"
    assert entries(parsed, name) == entries(reference, name)
    assert bool(parsed["bozo"]) == bool(reference.get("bozo"))


def test_well_formed_rss_atom_and_rdf_take_the_fast_path():
    fast = {p.name for p in FEEDS.iterdir() if feedparse._fast(p.read_bytes(), URL) is not None}
    assert fast == {"world.rss", "europe.atom", "baltic.rdf"}  # kyiv.rss is malformed on purpose


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rss version="2.0"><channel><title>t</title><item><title>&d;</title>
<link>https://example.org/a</link></item></channel></rss>"""


def test_a_feed_with_a_doctype_is_not_read_by_the_fast_path():
    assert feedparse._fast(BILLION_LAUGHS, URL) is None


def test_malformed_xml_goes_to_feedparser_which_keeps_what_it_can():
    body = b"<rss version='2.0'><channel><item><title>One & two</title><link>https://example.org/1</link>" \
           b"</item></channel></rss>"
    assert feedparse._fast(body, URL) is None
    parsed = feedparse.parse(body, URL)
    assert parsed["bozo"] and [e.link for e in entries(parsed, "x")] == ["https://example.org/1"]


def test_relative_links_resolve_against_the_feed_url():
    body = b"<rss version='2.0'><channel><item><title>T</title><link>/news/1</link></item></channel></rss>"
    assert [e.link for e in entries(feedparse.parse(body, URL + "x.rss"), "x.rss")] == [
        "http://127.0.0.1:8000/news/1"]
