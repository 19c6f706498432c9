"""Realistic synthetic feeds for the feed benchmark: RSS 2.0, Atom and RSS 1.0 (RDF), each with
the namespaces real feeds carry (dc, content, media, atom, sy), HTML in descriptions and content,
several date formats, categories, enclosures, and sizes of real news feeds (20-100 items, 30-300 KB)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

WORDS = tuple("""ukraine kyiv ministry said forces strike energy grid talks ceasefire officials region city
report government parliament sanctions minister week attack drones defence aid europe election market prices
weather football club season court police council budget""".split())  # noqa: SIM905


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _html_body(rng: random.Random, paragraphs: int) -> str:
    parts = []
    for k in range(paragraphs):
        text = " ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5)))
        if k % 3 == 1:
            text += f' <a href="/story/{rng.randint(1, 99999)}">Read more</a>'
        if k % 4 == 2:
            text = f"<strong>{_sentence(rng, 5)}</strong> {text} <img src=\"/img/{k}.jpg\" alt=\"photo\"/>"
        parts.append(f"<p>{text}</p>")
    return "".join(parts)


def rss(rng: random.Random, site: str, items: int, start: datetime) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">',
           f"<channel><title>{site} &amp; friends</title><link>https://{site}/</link>",
           f'<atom:link href="https://{site}/feed.xml" rel="self" type="application/rss+xml"/>',
           f"<description>News from {site}</description><language>en</language>",
           f"<lastBuildDate>{format_datetime(start)}</lastBuildDate><ttl>15</ttl>"]
    for i in range(items):
        when = start - timedelta(minutes=17 * i)
        link = f"https://{site}/news/{when:%Y/%m/%d}/story-{i}-{rng.randint(1000, 9999)}.html?utm_source=rss"
        out.append(
            f"<item><title>{escape(_sentence(rng, 9))}</title><link>{link}</link>"
            f'<guid isPermaLink="false">{site}-{i}-{rng.randint(1, 10**9)}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate><dc:creator>Reporter {i % 7}</dc:creator>"
            f"<category>World</category><category>Europe</category>"
            f"<description>{escape(_html_body(rng, 1))}</description>"
            f"<content:encoded><![CDATA[{_html_body(rng, rng.randint(3, 12))}]]></content:encoded>"
            f'<media:content url="https://{site}/img/{i}.jpg" medium="image" width="1200"/>'
            f'<enclosure url="https://{site}/img/{i}.jpg" type="image/jpeg" length="12345"/></item>')
    out.append("</channel></rss>")
    return "\n".join(out)


def atom(rng: random.Random, site: str, items: int, start: datetime) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" '
           'xml:lang="en">',
           f"<title>{site} &#8212; Europe</title><id>tag:{site},2026:feed</id>",
           f'<link rel="self" href="https://{site}/atom.xml"/><link rel="alternate" href="https://{site}/"/>',
           f"<updated>{start.isoformat()}</updated><author><name>{site}</name></author>"]
    for i in range(items):
        when = start - timedelta(minutes=23 * i)
        out.append(
            f'<entry><title type="html">{escape(_sentence(rng, 8))} &amp;amp; more</title>'
            f"<id>tag:{site},2026:article-{i}-{rng.randint(1, 10**9)}</id>"
            f'<link rel="alternate" type="text/html" href="https://{site}/a/{i}-{rng.randint(1, 99999)}"/>'
            f'<link rel="enclosure" type="image/jpeg" href="https://{site}/img/{i}.jpg"/>'
            f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
            f"<author><name>Reporter {i % 5}</name></author><author><name>Desk</name></author>"
            f'<category term="Europe"/>'
            f'<summary type="html">{escape(_html_body(rng, 1))}</summary>'
            f'<content type="html">{escape(_html_body(rng, rng.randint(3, 12)))}</content></entry>')
    out.append("</feed>")
    return "\n".join(out)


def rdf(rng: random.Random, site: str, items: int, start: datetime) -> str:
    links = [f"https://{site}/n/{i}-{rng.randint(1, 99999)}.html" for i in range(items)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/">',
           f'<channel rdf:about="https://{site}/rdf"><title>{site}</title><link>https://{site}/</link>',
           "<description>Wire</description><dc:language>en</dc:language><sy:updatePeriod>hourly"
           "</sy:updatePeriod><items><rdf:Seq>",
           *(f'<rdf:li rdf:resource="{link}"/>' for link in links), "</rdf:Seq></items></channel>"]
    for i, link in enumerate(links):
        when = start - timedelta(minutes=31 * i)
        out.append(
            f'<item rdf:about="{link}"><title>{escape(_sentence(rng, 10))}</title><link>{link}</link>'
            f"<description>{escape(_html_body(rng, 1))}</description>"
            f"<content:encoded>{escape(_html_body(rng, rng.randint(2, 8)))}</content:encoded>"
            f"<dc:creator>Reporter {i % 3}</dc:creator><dc:date>{when.isoformat()}</dc:date>"
            f"<dc:subject>News</dc:subject></item>")
    out.append("</rdf:RDF>")
    return "\n".join(out)


def feeds(count: int, seed: int = 8) -> list[tuple[str, bytes]]:
    """`count` feeds as (url, body): RSS, Atom and RDF in turn, 20-100 items each."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    makers = (rss, atom, rdf)
    out = []
    for k in range(count):
        site = f"news{k}.example"
        body = makers[k % 3](rng, site, rng.randint(20, 100), start)
        out.append((f"https://{site}/feed", body.encode("utf-8")))
    return out
