"""A local web server for the bundled sample: feeds and article pages on 127.0.0.1.

Serves `site/` (or another folder laid out the same way) with `{{BASE}}` in feeds and pages
replaced by the server's own address, and a few routes that misbehave on purpose:

  /broken/500          answers 500
  /broken/slow         sends headers, then one byte a second (never finishes within a timeout)
  /redirect/<path>     301 to /<path>
"""

from __future__ import annotations

import mimetypes
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from pipeline.sources import FeedSource, parse_feeds

SITE = Path(__file__).resolve().parent / "site"
FEEDS = Path(__file__).resolve().parent / "feeds.yaml"
TEXT_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".html"}
CONTENT_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml",
                 ".rdf": "application/rdf+xml", ".xml": "application/xml",
                 ".html": "text/html; charset=utf-8"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/broken/500":
            return self._send(500, b"internal error", "text/plain")
        if path == "/broken/slow":
            return self._drip()
        if path.startswith("/redirect/"):
            self.send_response(301)
            self.send_header("Location", "/" + path.removeprefix("/redirect/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        site = self.server.site
        file = (site / path.lstrip("/")).resolve()
        if site not in file.parents or not file.is_file():
            return self._send(404, b"not found", "text/plain")
        body = file.read_bytes()
        if file.suffix in TEXT_SUFFIXES:
            body = body.replace(b"{{BASE}}", self.server.base.encode())
        ctype = (CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                 or "application/octet-stream")
        if file.name == "notafeed.rss":
            ctype = "text/html; charset=utf-8"
        return self._send(200, body, ctype)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(120):
                if self.server.stopping.is_set():
                    return
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(1.0)
        except OSError:
            return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    base: str
    site: Path
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (the fetcher giving up on the slow feed, a pooled connection
        closed) is no error of the sample's: socketserver would print its traceback into the
        demo's output. Anything else is still printed."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


#: The port the sample is served on when it is free: the same address on every run keeps the
#: articles' URLs (and so their ids) the same, so a rerun of the demo updates its rows.
SAMPLE_PORT = 8765


@contextmanager
def serve(host: str = "127.0.0.1", port: int = 0, site: Path = SITE) -> Iterator[str]:
    """Serve `site` (the bundled sample by default) in a background thread; yields its base URL.
    Port 0 picks a free port; a busy `port` falls back to a free one."""
    try:
        server = _Server((host, port), _Handler)
    except OSError:
        if not port:
            raise
        server = _Server((host, 0), _Handler)
    server.site = site.resolve()
    server.stopping = threading.Event()
    server.base = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="sample-server", daemon=True)
    thread.start()
    try:
        yield server.base
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def sample_feeds(base: str) -> list[FeedSource]:
    """The sample feed list with `{base}` filled in."""
    data = yaml.safe_load(FEEDS.read_text(encoding="utf-8"))
    for feed in data["feeds"]:
        feed["url"] = feed["url"].replace("{base}", base)
    return parse_feeds(data, str(FEEDS))
