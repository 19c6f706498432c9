"""Benchmark: feed entries parsed per second, the pipeline's parser against feedparser's defaults.

Generates --feeds feeds (default 300: RSS 2.0, Atom and RSS 1.0/RDF in turn) of 20-60 entries
each, shaped like real news feeds: namespaces (dc, content, media, atom), HTML descriptions with
links, images and entities, CDATA full-text content, RFC 822 and W3C dates, authors and
categories. Measures `feedparser.parse` with its defaults, feedparser without the sanitiser and
URI resolver, and `poll.parse_feed` (the fast path of `pipeline.feedparse`), all followed by the
pipeline's `poll._entries` (what the pipeline keeps), and checks that they keep the same entries.
Not a test.

    .venv/bin/python bench/feed_bench.py [--feeds 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
from common import machine, print_machine, save

from pipeline import poll
from pipeline.sources import FeedSource

VOCABULARY = ("the minister said on Tuesday that talks on grain exports would resume after drone strikes "
         "hit the port city overnight officials reported damage to energy infrastructure")
WORDS = VOCABULARY.split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n)).capitalize() + "."


def description(rng: random.Random, k: int) -> str:
    return (f'<p><img src="/img/{k}.jpg" alt="photo" width="600"/> {sentence(rng, 25)} '
            f'<a href="/related/{k}">Read more &amp; more</a></p><p>{sentence(rng, 30)}</p>')


def rss(rng: random.Random, i: int, n: int, now: datetime) -> bytes:
    items = []
    for k in range(n):
        when = format_datetime(now - timedelta(minutes=17 * k))
        items.append(f"""<item><title>{sentence(rng, 9)} &#8211; update {k}</title>
<link>https://site{i}.example.org/news/{k}?utm_source=rss</link>
<guid isPermaLink="false">site{i}-{k}</guid><pubDate>{when}</pubDate>
<dc:creator>Reporter {k % 7}</dc:creator><category>World</category><category>Europe</category>
<description><![CDATA[{description(rng, k)}]]></description>
<content:encoded><![CDATA[{"".join(f"<p>{sentence(rng, 40)}</p>" for _ in range(6))}]]></content:encoded>
<media:content url="https://cdn.example.org/{k}.jpg" medium="image"/></item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Site {i}</title><link>https://site{i}.example.org/</link><description>News</description>
<atom:link href="https://site{i}.example.org/feed" rel="self" type="application/rss+xml"/>
{"".join(items)}</channel></rss>""".encode()


def atom(rng: random.Random, i: int, n: int, now: datetime) -> bytes:
    entries = []
    for k in range(n):
        when = (now - timedelta(minutes=13 * k)).isoformat()
        entries.append(f"""<entry><title type="html">{sentence(rng, 9)} &amp;lt;live&amp;gt; {k}</title>
<link rel="alternate" type="text/html" href="https://site{i}.example.org/a/{k}"/>
<link rel="enclosure" href="https://cdn.example.org/{k}.mp3" length="100" type="audio/mpeg"/>
<id>tag:site{i}.example.org,2026:{k}</id><published>{when}</published><updated>{when}</updated>
<author><name>Reporter {k % 5}</name></author><category term="politics"/>
<summary type="html">{description(rng, k).replace("&", "&amp;").replace("<", "&lt;")}</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{sentence(rng, 50)}</p></div></content>
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Site {i}</title>
<id>https://site{i}.example.org/</id><updated>{now.isoformat()}</updated>
<link rel="self" href="https://site{i}.example.org/atom.xml"/>{"".join(entries)}</feed>""".encode()


def rdf(rng: random.Random, i: int, n: int, now: datetime) -> bytes:
    items, refs = [], []
    for k in range(n):
        url = f"https://site{i}.example.org/r/{k}"
        refs.append(f'<rdf:li rdf:resource="{url}"/>')
        items.append(f"""<item rdf:about="{url}"><title>{sentence(rng, 9)}</title><link>{url}</link>
<description>{description(rng, k).replace("&", "&amp;").replace("<", "&lt;")}</description>
<dc:date>{(now - timedelta(hours=k)).strftime("%Y-%m-%dT%H:%M:%SZ")}</dc:date>
<dc:creator>Reporter {k % 3}</dc:creator><dc:subject>Europe</dc:subject></item>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://site{i}.example.org/">
<title>Site {i}</title><link>https://site{i}.example.org/</link><description>News</description>
<items><rdf:Seq>{"".join(refs)}</rdf:Seq></items></channel>{"".join(items)}</rdf:RDF>""".encode()


def feeds(n: int, seed: int = 3) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    makers = (rss, atom, rdf)
    return [(f"https://site{i}.example.org/feed", makers[i % 3](rng, i, rng.randint(20, 60), now))
            for i in range(n)]


def run(parse, docs: list[tuple[str, bytes]]) -> tuple[float, list]:
    start = time.perf_counter()
    out = []
    for url, body in docs:
        parsed = parse(body, url)
        out.append(list(poll._entries(FeedSource(id="f", url=url), parsed, url)))
    return time.perf_counter() - start, out


PARSERS = {
    "feedparser, defaults": lambda body, url: feedparser.parse(
        body, response_headers={"content-location": url, "content-type": "application/xml"}),
    "feedparser, no sanitise/resolve": lambda body, url: feedparser.parse(
        body, response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=False, resolve_relative_uris=False),
    "poll.parse_feed (fast path)": lambda body, url: poll.parse_feed(body, url,
                                                                      {"content-type": "application/xml"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    info = machine()
    docs = feeds(args.feeds)
    best = dict.fromkeys(PARSERS, float("inf"))
    kept: dict[str, list] = {}
    for _ in range(args.rounds):
        for name, parse in PARSERS.items():
            secs, kept[name] = run(parse, docs)
            best[name] = min(best[name], secs)
    n = sum(len(e) for e in kept["feedparser, defaults"])
    same = {name: kept[name] == kept["feedparser, defaults"] for name in PARSERS}
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print_machine(info)
    print(f"{args.feeds} feeds (RSS 2.0, Atom, RDF), {n} entries, "
          f"{sum(len(b) for _, b in docs) / 1e6:.1f} MB, best of {args.rounds}")
    print(f"{'parser':<34} {'seconds':>8} {'entries/s':>10} {'speed-up':>9}  same entries")
    base = best["feedparser, defaults"]
    for name, secs in best.items():
        print(f"{name:<34} {secs:>8.2f} {n / secs:>10.0f} {base / secs:>8.1f}x  {same[name]}")
    print("target: >= 3x feedparser's defaults")
    save("feed", {"machine": info, "feeds": args.feeds, "entries": n, "seconds": best,
                  "entries_per_s": {k: n / v for k, v in best.items()},
                  "speedup": {k: base / v for k, v in best.items()}, "same_entries": same})


if __name__ == "__main__":
    main()
