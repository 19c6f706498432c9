"""Decode an HTML body once, with the encoding it really has.

Order of evidence: a byte-order mark; the HTTP header's charset; a `<meta charset>` or
`<meta http-equiv="Content-Type">` in the first 4 KB; then detection (charset_normalizer).
A declaration is not trusted blindly: servers often say latin-1 (or nothing) for UTF-8 bytes,
so a body that is valid UTF-8 and has non-ASCII bytes is read as UTF-8 whatever a single-byte
declaration says, and a declared encoding that cannot decode the bytes gives way to detection.
A UTF-8 body with a few broken bytes stays UTF-8 (detection would call it a legacy encoding and
garble every accented letter).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
#: Single-byte encodings that servers declare by default for bytes that are really UTF-8.
SINGLE_BYTE = frozenset({"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"})


def codec_name(label: str | None) -> str | None:
    """Python's name for an encoding label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("x-user-defined", "unicode"):
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    found = META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii", "replace") if found else None


#: A body whose undecodable bytes are at most this share of its non-ASCII characters is UTF-8
#: with a few broken bytes (a truncated or pasted fragment), not another encoding.
BROKEN_UTF8 = 0.01


def _mostly_utf8(text: str) -> bool:
    broken = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii >= 20 and broken <= BROKEN_UTF8 * non_ascii


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Never raises: the last resort replaces undecodable bytes."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    declared = codec_name(header_charset) or codec_name(meta_charset(body))
    if declared in SINGLE_BYTE or declared in (None, "utf-8"):
        try:
            text = body.decode("utf-8")
            if declared is None or not body.isascii():
                return text, "utf-8"
        except UnicodeDecodeError:
            text = body.decode("utf-8", errors="replace")
            if _mostly_utf8(text):
                return text, "utf-8"
    if declared is not None:
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # wrongly declared: detect
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    guessed = codec_name(best.encoding) if best is not None else None
    name = guessed or declared or "cp1252"
    return body.decode(name, errors="replace"), name
