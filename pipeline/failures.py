"""The error ledger's vocabulary: every failure class a stage records, and whether a later run
should try it again.

Retryable classes are the ones the other side may fix by itself (a timeout, a 5xx, a rate limit,
a robots.txt that could not be read); the rest are facts about the URL or its content that a
retry would only repeat. Later runs retry a retryable failure once its `next_retry_at` has
passed (exponential backoff from `Settings.retry_backoff`) and give up after `max_attempts`.
"""

from __future__ import annotations

#: class -> (retryable, what it means)
CLASSES: dict[str, tuple[bool, str]] = {
    "timeout": (True, "no answer within the connect/read timeout or the total deadline"),
    "connection_error": (True, "the connection failed or was reset"),
    "http_5xx": (True, "the server answered 5xx"),
    "http_429": (True, "rate limited (429, or 503 with Retry-After); Retry-After is honoured"),
    "robots_unavailable": (True, "robots.txt answered 5xx or timed out: disallowed for now (RFC 9309)"),
    "http_4xx": (False, "the server answered 4xx (not 429)"),
    "robots_disallowed": (False, "robots.txt disallows this URL for our user agent"),
    "too_large": (False, "the body exceeds the size limit"),
    "decompression_bomb": (False, "the decoded body is too large or too compressed"),
    "not_html": (False, "the content type is not an HTML page"),
    "not_a_feed": (False, "a feed URL answered with an HTML page"),
    "blocked_address": (False, "the host resolves to a private, loopback or metadata address"),
    "bad_url": (False, "not an http(s) URL, or malformed"),
    "too_many_redirects": (False, "more redirects than max_redirects"),
    "redirect_loop": (False, "a redirect led back to a URL already visited"),
    "decoding_error": (False, "the body cannot be decoded (content encoding or charset)"),
    "parse_error": (False, "the feed XML is malformed"),
    "extract_error": (False, "the extractor failed on the page"),
    "extract_timeout": (False, "extracting the page took longer than Settings.extract_timeout"),
    "empty_extraction": (False, "no usable main text in the page"),
}


def is_retryable(error_class: str) -> bool:
    """Unknown classes are not retried (a new class must be added here to be retried)."""
    return CLASSES.get(error_class, (False, ""))[0]


def http_class(status: int) -> str:
    if status == 429:
        return "http_429"
    return "http_4xx" if status < 500 else "http_5xx"
