"""HTTP at the edge: one httpx client per stage, bodies read with a size cap and a deadline.

Failures are turned into a reason code here, once, so every stage records them the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TypeVar

import httpx

from pipeline.config import Settings

T = TypeVar("T")
R = TypeVar("R")


class FetchError(Exception):
    """A failed request, with a reason code from the error ledger's vocabulary."""

    def __init__(self, error_class: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed_ms: float
    encoding: str | None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def make_client(settings: Settings) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout + settings.read_timeout,
    )
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
        limits=httpx.Limits(max_connections=settings.concurrency * 2),
    )


def get(client: httpx.Client, url: str, *, max_bytes: int, deadline_s: float) -> Response:
    """GET a URL; the body is streamed and cut off past `max_bytes` or `deadline_s`.

    Raises FetchError for transport failures and for any status that is not 2xx.
    """
    started = time.monotonic()
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                kind = "http_4xx" if resp.status_code < 500 else "http_5xx"
                raise FetchError(kind, f"HTTP {resp.status_code} {resp.reason_phrase}", resp.status_code)
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("too_large", f"Content-Length {declared} exceeds {max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large", f"body exceeds {max_bytes} bytes")
                if time.monotonic() - started > deadline_s:
                    raise FetchError("timeout", f"response took longer than {deadline_s:g} s")
                chunks.append(chunk)
            return Response(
                url=str(resp.url),
                status=resp.status_code,
                headers=resp.headers,
                body=b"".join(chunks),
                elapsed_ms=(time.monotonic() - started) * 1000,
                encoding=resp.charset_encoding,
            )
    except FetchError:
        raise
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", f"{type(exc).__name__}: timed out") from None
    except httpx.TooManyRedirects:
        raise FetchError("too_many_redirects", "too many redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError("bad_url", f"unsupported URL: {exc}") from None
    except httpx.InvalidURL as exc:
        raise FetchError("bad_url", f"invalid URL: {exc}") from None
    except httpx.DecodingError as exc:
        raise FetchError("decoding_error", f"cannot decode body: {exc}") from None
    except httpx.HTTPError as exc:
        raise FetchError("connection_error", f"{type(exc).__name__}: {exc}") from None


def parallel_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """Apply `fn` to items with a thread pool, yielding results as they complete (I/O bound)."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        for future in as_completed(futures):
            yield future.result()
