"""The schema.org objects a page declares in JSON-LD, and its article among them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_ARTICLE_TYPES = ("article", "posting", "report", "story", "liveblogposting")
#: A script's JSON inside a CDATA section, as XHTML-minded CMSs write it ("<![CDATA[ {...} ]]>",
#: "//<![CDATA[ ... //]]>", "/*<![CDATA[*/ ... /*]]>*/").
_CDATA = re.compile(r"^\s*(?:/\*\s*|//\s*)?<!\[CDATA\[(?:\s*\*/)?(.*?)(?:/\*\s*|//\s*)?\]\]>(?:\s*\*/)?\s*$",
                    re.DOTALL)


def objects(tree: Any) -> list[dict[str, Any]]:
    """Every JSON object in the page's `application/ld+json` scripts, @graph and nested main
    entities included, a script's CDATA wrapper taken off; scripts that are not valid JSON are
    passed over."""
    if tree is None:
        return []
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "JSON", "json"), "ld+json")]'):
        text = script.text_content() or "null"
        text = m[1] if (m := _CDATA.match(text)) else text
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        found.extend(_walk(data, 0))
    return found


def _walk(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type") or ()
    return [str(k).lower() for k in ([kind] if isinstance(kind, str) else kind)]


def is_article(obj: dict[str, Any]) -> bool:
    """NewsArticle, BlogPosting, Report, ReportageNewsArticle and the other kinds of article."""
    return any(t.endswith(_ARTICLE_TYPES) for t in types(obj))


def article(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The page's article object: the first of an article type, else the first that has a
    `datePublished`."""
    return next((o for o in found if is_article(o)), None) \
        or next((o for o in found if "datePublished" in o), None)
