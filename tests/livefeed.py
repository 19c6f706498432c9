"""A news site that publishes while it is watched, on a loopback address: for the feed watcher's
tests and bench/latency_bench.py.

Routes (GET):
  /feed/<name>.xml      an RSS feed of the entries published to it so far (newest first, at most
                        `keep`), with an ETag and Last-Modified; 304 when either validator matches.
                        A feed's `head` (e.g. "<ttl>30</ttl>") goes in its channel; a feed set to
                        `limited` answers 429 with `Retry-After: <limited>`
  /article/<id>.html    the article page of an entry, on topic (talks, ceasefire, Kyiv), after
                        `article_delay` seconds
Every request is kept in `requests` (path, the conditional headers it sent, answer status, time),
so a test can count polls and see which were conditional.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.hostile import article
from tests.replies import in_thread, reply


@dataclass
class Feed:
    head: str = ""
    limited: int | None = None  # seconds of Retry-After: the feed answers 429 while set
    entries: list[tuple[str, str, datetime]] = field(default_factory=list)  # (id, title, published)
    changed: datetime = field(default_factory=lambda: datetime.now(UTC))


class Site:
    """The feeds and what was asked of them; `publish` adds an entry at once."""

    def __init__(self, keep: int = 30) -> None:
        self.keep = keep
        self.feeds: dict[str, Feed] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.base = ""
        self.article_delay = 0.0  # seconds an article page takes (to keep a processing run busy)

    def feed(self, name: str, head: str = "", limited: int | None = None) -> str:
        """Create (or change) a feed; returns its URL."""
        with self.lock:
            feed = self.feeds.setdefault(name, Feed())
            feed.head, feed.limited = head, limited
        return f"{self.base}/feed/{name}.xml"

    def publish(self, name: str, entry_id: str, title: str | None = None) -> str:
        """Put a new entry at the top of feed `name`; returns its article URL."""
        now = datetime.now(UTC)
        with self.lock:
            feed = self.feeds[name]
            feed.entries.insert(0, (entry_id, title or f"Talks in Geneva, report {entry_id}", now))
            feed.changed = now
        return self.article_url(entry_id)

    def article_url(self, entry_id: str) -> str:
        return f"{self.base}/article/{entry_id}.html"

    def polls(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"] == f"/feed/{name}.xml"]

    def render(self, name: str) -> tuple[bytes, str, str]:
        """(body, ETag, Last-Modified) of a feed now."""
        with self.lock:
            feed = self.feeds[name]
            items = "".join(
                f"<item><title>{escape(title)}</title><link>{self.article_url(eid)}</link>"
                f'<guid isPermaLink="false">{eid}</guid>'
                f"<pubDate>{email.utils.format_datetime(at)}</pubDate>"
                f"<description>{escape(title)}</description></item>"
                for eid, title, at in feed.entries[:self.keep])
            body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                    'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
                    f"<title>{name}</title><link>{self.base}/</link><description>live</description>"
                    f"{feed.head}{items}</channel></rss>").encode()
            modified = email.utils.format_datetime(feed.changed.replace(microsecond=0), usegmt=True)
        return body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"', modified


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._answer()

        def _answer(self) -> int:
            if self.path.startswith("/feed/") and self.path.endswith(".xml"):
                name = self.path[len("/feed/"):-len(".xml")]
                if name not in site.feeds:
                    return self._send(404, b"no such feed", "text/plain")
                if site.feeds[name].limited is not None:
                    return self._send(429, b"slow down", "text/plain",
                                      {"Retry-After": str(site.feeds[name].limited)})
                body, etag, modified = site.render(name)
                headers = {"ETag": etag, "Last-Modified": modified}
                if self.headers.get("If-None-Match") == etag or (
                        not self.headers.get("If-None-Match")
                        and self.headers.get("If-Modified-Since") == modified):
                    return self._send(304, b"", None, headers)
                return self._send(200, body, "application/rss+xml", headers)
            if self.path.startswith("/article/") and self.path.endswith(".html"):
                entry_id = self.path[len("/article/"):-len(".html")]
                time.sleep(site.article_delay)
                return self._send(200, article(zlib.crc32(entry_id.encode()) % 10_000,
                                               f"Talks in Geneva, report {entry_id}").encode(),
                                  "text/html; charset=utf-8")
            return self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, ctype: str | None,
                  headers: dict[str, str] | None = None) -> int:
            # kept before the answer goes out, so a client that has its answer finds it recorded
            with site.lock:
                site.requests.append({"path": self.path, "status": status, "at": time.time(),
                                      "if_none_match": self.headers.get("If-None-Match"),
                                      "if_modified_since": self.headers.get("If-Modified-Since")})
            return reply(self, status, body, ctype, headers)

    return Handler


@contextmanager
def serving(site: Site | None = None) -> Iterator[Site]:
    """The site on 127.0.0.1 at a free port, for the duration of the block."""
    site = site or Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    with in_thread(server):
        yield site
