"""URL normalisation and the stable ids derived from it (courlan does the normalising)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from courlan import normalize_url


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments, tracking parameters and a
    trailing slash on the path.

    `strict=True` makes courlan drop the tracking parameters (utm_*, fbclid, gclid, ...);
    news sites serve `/story/` and `/story` as one page, so `trailing_slash=False` folds them.
    A URL courlan cannot parse is returned stripped but otherwise unchanged.
    """
    url = url.strip()
    try:
        return normalize_url(url, strict=True, trailing_slash=False)
    except (ValueError, AttributeError):
        return url


def stable_id(*parts: str, length: int = 16) -> str:
    """A short hex id from a sha256 over the parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def article_id(url: str) -> str:
    """The id of an article: the same page through two feeds or two tracking links is one row."""
    return stable_id(normalise_url(url))


def domain(url: str) -> str:
    """The host of a URL without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def is_http_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in ("http", "https") and bool(
        urlsplit(url or "").hostname
    )
