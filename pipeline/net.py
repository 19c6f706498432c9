"""HTTP at the edge: one guarded client per stage; redirects followed by hand, bodies streamed
under limits, every response archived.

- Every URL, and every redirect hop, passes `guard.check_url` before a connection is made.
- Redirects count against `max_redirects`; a hop back to a URL already visited is a loop.
- The body is read raw and decoded here (gzip/deflate) so that both the transferred and the
  decoded size are capped while streaming: `max_bytes` transferred, `max_decoded_bytes`
  decoded, and no more than `max_compression_ratio` decoded bytes per transferred byte.
- 429 (and 503 with Retry-After) is `http_429` with the Retry-After delay (seconds or date).
Failures are turned into a reason code here, once (vocabulary: `pipeline.failures`).
"""

from __future__ import annotations

import email.utils
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TypeVar
from urllib.parse import urldefrag, urljoin

import httpx

from pipeline import failures, guard
from pipeline.archive import ArchiveWriter, Pointer
from pipeline.config import Settings

T = TypeVar("T")
R = TypeVar("R")

REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: The ratio check starts once this much is decoded: small pages compress 5-20x, a bomb 1000x.
RATIO_FLOOR = 1_000_000


class FetchError(Exception):
    """A failed request, with a reason code from the error ledger's vocabulary."""

    def __init__(self, error_class: str, message: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    body: bytes  # decoded (no content encoding)
    elapsed_ms: float
    encoding: str | None  # the charset the Content-Type header declares
    warc: Pointer | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Client:
    """An httpx client with the guard, the limits and the archive of one stage."""

    def __init__(self, settings: Settings, archive: ArchiveWriter | None = None) -> None:
        self.settings = settings
        self.archive = archive
        timeout = httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                                write=settings.read_timeout,
                                pool=settings.connect_timeout + settings.read_timeout)
        self.http = httpx.Client(
            timeout=timeout, follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=max(settings.concurrency * 2, 10)))

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()
        if self.archive is not None:
            self.archive.close()

    def get(self, url: str, *, max_bytes: int | None = None, deadline_s: float | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
        """GET a URL, following redirects under the guard. Returns 2xx and 304 responses;
        raises FetchError for anything else."""
        s = self.settings
        max_bytes = max_bytes or s.max_page_bytes
        deadline_s = deadline_s or s.deadline
        started = time.monotonic()
        visited = {urldefrag(url)[0]}
        current = url
        for _hop in range(s.max_redirects + 1):
            resp = self._one(current, headers, max_bytes, deadline_s, started)
            if resp.status not in REDIRECTS:
                return resp
            location = resp.headers.get("location")
            if not location:
                raise FetchError("http_4xx", f"HTTP {resp.status} redirect without a Location", resp.status)
            current = urljoin(current, location.strip())
            key = urldefrag(current)[0]
            if key in visited:
                raise FetchError("redirect_loop", f"redirect loop: {current} was already visited",
                                 resp.status)
            visited.add(key)
        raise FetchError("too_many_redirects", f"more than {s.max_redirects} redirects (last {current})")

    def _one(self, url: str, headers: Mapping[str, str] | None, max_bytes: int, deadline_s: float,
             started: float) -> Response:
        try:
            guard.check_url(url, self.settings.allow_hosts)
        except guard.BlockedAddress as exc:
            raise FetchError(exc.error_class, exc.message) from None
        try:
            with self.http.stream("GET", url, headers=dict(headers or {})) as resp:
                status = resp.status_code
                if status >= 400:
                    raise _status_error(resp)
                body = b""
                if status not in REDIRECTS and status != 304:
                    body = self._read(resp, max_bytes, deadline_s, started)
                pointer = None
                if self.archive is not None:
                    pointer = self.archive.write(
                        str(resp.url), status=status, reason=resp.reason_phrase,
                        headers=resp.headers.multi_items(), body=body,
                        request_headers=resp.request.headers.multi_items())
                return Response(url=str(resp.url), status=status, headers=resp.headers, body=body,
                                elapsed_ms=(time.monotonic() - started) * 1000,
                                encoding=resp.charset_encoding, warc=pointer)
        except FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{type(exc).__name__}: timed out") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise FetchError("bad_url", f"invalid URL: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError("connection_error", f"{type(exc).__name__}: {exc}") from None

    def _read(self, resp: httpx.Response, max_bytes: int, deadline_s: float, started: float) -> bytes:
        s = self.settings
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} exceeds {max_bytes} bytes")
        decoder = _decoder(resp.headers.get("content-encoding", ""))
        chunks: list[bytes] = []
        raw = decoded = 0
        for chunk in resp.iter_raw():  # each network read, so the deadline is checked often
            raw += len(chunk)
            if raw > max_bytes:
                raise FetchError("too_large", f"body exceeds {max_bytes} bytes")
            if time.monotonic() - started > deadline_s:
                raise FetchError("timeout", f"response took longer than {deadline_s:g} s")
            if decoder is None:
                out = chunk
            else:
                budget = min(s.max_decoded_bytes,
                             max(RATIO_FLOOR, int(raw * s.max_compression_ratio))) - decoded
                try:
                    out = decoder.decompress(chunk, budget + 1)
                except zlib.error as exc:
                    raise FetchError("decoding_error", f"cannot decode the body: {exc}") from None
                if len(out) > budget or decoder.unconsumed_tail:
                    decoded += len(out)
                    why = (f"decoded body exceeds {s.max_decoded_bytes} bytes"
                           if decoded > s.max_decoded_bytes else
                           f"compression ratio above {s.max_compression_ratio:g} "
                           f"({decoded} bytes from {raw})")
                    raise FetchError("decompression_bomb", why)
            decoded += len(out)
            chunks.append(out)
        if decoder is not None:
            chunks.append(decoder.flush())
        return b"".join(chunks)


def _decoder(content_encoding: str) -> zlib._Decompress | None:
    enc = content_encoding.strip().lower()
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected
    raise FetchError("decoding_error", f"unsupported Content-Encoding {content_encoding!r}")


def _status_error(resp: httpx.Response) -> FetchError:
    status = resp.status_code
    message = f"HTTP {status} {resp.reason_phrase}".strip()
    retry_after = parse_retry_after(resp.headers.get("retry-after"))
    if status == 429 or (status == 503 and retry_after is not None):
        if retry_after is not None:
            message += f", Retry-After {retry_after:g} s"
        return FetchError("http_429", message, status, retry_after)
    return FetchError(failures.http_class(status), message, status)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def make_client(settings: Settings, *, archive: bool = False, feeds: bool = False) -> Client:
    """A guarded client; with `archive` (and archiving on), responses go to the WARC archive,
    marked as feeds' answers with `feeds`."""
    writer = ArchiveWriter(settings, feeds=feeds) if archive and settings.archive else None
    return Client(settings, writer)


def get(client: Client, url: str, *, max_bytes: int | None = None, deadline_s: float | None = None,
        headers: Mapping[str, str] | None = None) -> Response:
    """`client.get` as a function."""
    return client.get(url, max_bytes=max_bytes, deadline_s=deadline_s, headers=headers)


def parallel_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """Apply `fn` to items with a thread pool, yielding results as they complete (I/O bound)."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        for future in as_completed(futures):
            yield future.result()
