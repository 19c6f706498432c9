"""A misbehaving web server for the fetching tests and the benchmark, on a loopback address.

Routes (GET):
  /article/<n>.html      a plain article page (after `delay` seconds)
  /drip                  declares 1,000 bytes, sends one every 0.5 s
  /endless               an HTML body that never ends
  /bomb                  50 MB of HTML-ish zeros gzip-compressed to ~50 KB
  /loop/a, /loop/b       redirect to each other
  /chain/<n>             n redirects in a row, then a page
  /to?url=U              302 to U
  /charset/<case>        wrong, missing, meta-declared and BOM-marked charsets (CHARSET_CASES)
  /429, /503-date        rate limited, Retry-After in seconds / as an HTTP-date
  /robots.txt            `robots` attribute (404 when None); /private/... is what tests disallow
  /feed.xml              an RSS feed with an ETag and Last-Modified; answers 304 to either
  /laughs.xml, /xxe.xml  feeds with an entity-expansion payload, an external entity
  /, /sitemap*.xml       a home page naming its feed; a sitemap index, a news sitemap, an old one
Every request is counted in `hits` (path -> count) so a test can prove a server was not reached.
"""

from __future__ import annotations

import email.utils
import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.replies import in_thread, reply

WORDS = ("Negotiators from Kyiv and Moscow met again in Geneva on Tuesday as European officials "
         "pressed for a ceasefire along the front line, while drone strikes continued overnight "
         "and sanctions on Russian energy exports were tightened by the European Union. ")


def article(n: int, title: str = "", body: str = "") -> str:
    title = title or f"Report number {n} on the talks"
    paragraphs = "".join(f"<p>{body or WORDS} Paragraph {i} of report {n}.</p>" for i in range(6))
    return (f"<!doctype html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{paragraphs}</article></body></html>")


CHARSET_CASES: dict[str, tuple[str, bytes]] = {
    # declared latin-1, bytes are UTF-8 (the most common lie on the web)
    "latin1-but-utf8": ("text/html; charset=iso-8859-1",
                        article(1, "Zürich café talks – Київ", "Zürich café – Київ заявляє " + WORDS)
                        .encode("utf-8")),
    # nothing declared anywhere, bytes are windows-1252
    "missing-cp1252": ("text/html", article(2, "Café crème à Genève", "Café crème à Genève, où "
                                            "les négociateurs se réunissent. " + WORDS).encode("cp1252")),
    # no header charset; <meta charset> says windows-1251, bytes are windows-1251
    "meta-cp1251": ("text/html", article(3, "Переговоры в Женеве", "Переговоры в Женеве продолжаются. "
                                         * 12).replace("<head>", '<head><meta charset="windows-1251">')
                    .encode("cp1251")),
    # a UTF-8 BOM wins over a wrong header
    "bom-utf8": ("text/html; charset=iso-8859-1",
                 b"\xef\xbb\xbf" + article(4, "Überblick: Gespräche", "Gespräche über Waffenruhe. "
                                           + WORDS).encode("utf-8")),
}

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>
<link>http://example.org/</link><description>d</description><ttl>30</ttl>
<item><title>One</title><link>{base}/article/1.html</link><guid>one</guid></item>
</channel></rss>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<rss version="2.0"><channel><title>&i;</title><link>http://example.org/</link>
<item><title>&i;</title><link>{base}/article/1.html</link></item></channel></rss>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&x;</title><link>http://example.org/</link>
<item><title>&x;</title><link>{base}/article/1.html</link></item></channel></rss>"""
HOME = """<!doctype html><html><head><title>Home</title>
<link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml"></head>
<body><p>Welcome</p></body></html>"""
SITEMAPS = {
    "/sitemap.xml": """<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>2026-03-02</lastmod></sitemap>
<sitemap><loc>{base}/sitemap-2019.xml</loc><lastmod>2019-12-31</lastmod></sitemap></sitemapindex>""",
    "/sitemap-news.xml": """<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/article/21.html</loc><news:news><news:publication_date>2026-03-01T08:00:00+01:00
</news:publication_date><news:title>Talks resume</news:title></news:news></url>
<url><loc>{base}/article/22.html</loc><lastmod>2026-03-02</lastmod></url>
<url><loc>{base}/article/23.html</loc><lastmod>2026-02-10</lastmod></url>
<url><loc>{base}/article/24.html</loc></url></urlset>""",
    "/sitemap-2019.xml": """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/article/99.html</loc><lastmod>2019-06-01</lastmod></url></urlset>""",
}
ETAG = '"feed-v1"'
LAST_MODIFIED = "Tue, 24 Nov 2026 10:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: with Nagle on, each response waits for the
    # client's delayed ACK (40 ms on Linux), which the benchmark would count as the fetcher's
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parts = urlsplit(self.path)
        path = parts.path
        with self.server.lock:
            self.server.hits[path] += 1
        if self.server.delay:
            time.sleep(self.server.delay)
        if path.startswith("/article/"):
            return self.send(200, article(int(path.split("/")[-1].split(".")[0])).encode())
        if path == "/drip":
            return self.drip()
        if path == "/endless":
            return self.endless()
        if path == "/bomb":
            return self.send(200, BOMB, headers={"Content-Encoding": "gzip"})
        if path in ("/loop/a", "/loop/b"):
            return self.redirect("/loop/b" if path == "/loop/a" else "/loop/a")
        if path.startswith("/chain/"):
            n = int(path.split("/")[-1])
            return self.redirect(f"/chain/{n - 1}") if n > 0 else self.send(200, article(0).encode())
        if path == "/to":
            return self.redirect(parse_qs(parts.query)["url"][0], 302)
        if path.startswith("/charset/"):
            ctype, body = CHARSET_CASES[path.split("/")[-1]]
            return self.send(200, body, ctype)
        if path == "/429":
            return self.send(429, b"slow down", "text/plain", {"Retry-After": "120"})
        if path == "/503-date":
            when = email.utils.formatdate(time.time() + 3600, usegmt=True)
            return self.send(503, b"busy", "text/plain", {"Retry-After": when})
        if path == "/robots.txt":
            if self.server.robots is None:
                return self.send(404, b"no robots here", "text/plain")
            return self.send(200, self.server.robots.replace("{base}", self.server.base).encode(),
                             "text/plain")
        if path == "/":
            return self.send(200, HOME.format(base=self.server.base).encode())
        if path in SITEMAPS:
            return self.send(200, SITEMAPS[path].format(base=self.server.base).encode(), "application/xml")
        if path.startswith("/private/"):
            return self.send(200, article(9).encode())
        if path == "/feed.xml":
            if (self.headers.get("If-None-Match") == ETAG
                    or self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                return self.send(304, b"", None, {"ETag": ETAG})
            return self.send(200, FEED.format(base=self.server.base).encode(), "application/rss+xml",
                             {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        if path in ("/laughs.xml", "/xxe.xml"):
            text = LAUGHS if path == "/laughs.xml" else XXE
            return self.send(200, text.format(base=self.server.base).encode(), "application/rss+xml")
        return self.send(404, b"not found", "text/plain")

    def send(self, status: int, body: bytes, ctype: str | None = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        reply(self, status, body, ctype, headers)

    def redirect(self, location: str, status: int = 301) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass

    def endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"more " * 2000 + b"</p>"
        try:
            self.wfile.write(b"<html><body>")
            while True:
                self.wfile.write(chunk)
        except OSError:
            pass
        self.close_connection = True


BOMB = gzip.compress(b"<html><body>" + b"\0" * 50_000_000, compresslevel=9)


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str, delay: float = 0.0, robots: str | None = None) -> None:
        super().__init__((address, 0), Handler)
        self.delay = delay
        self.robots = robots
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.base = f"http://{address}:{self.server_address[1]}"

    @property
    def host(self) -> str:
        return self.base.removeprefix("http://")


@contextmanager
def serve(address: str = "127.0.0.1", delay: float = 0.0,
          robots: str | None = None) -> Iterator[HostileServer]:
    server = HostileServer(address, delay, robots)
    with in_thread(server):
        yield server
