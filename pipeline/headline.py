"""The text printed around a page's headline (its first <h1>), where the dateline and the byline
are: the short lines that follow it, and those just before it, as the reader sees them (no
script, style or the headline itself).

Many pages have more than one <h1> (the site's logo, a section, "Navigation"), or none; the headline
the page's title names (`titled`) is the one its <title> or og:title repeats, and the dates are read
around it. The bylines are read around the first <h1>.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: Text nodes read on each side of the headline: a dateline or byline sits within a few dozen.
NODES = 120
_SHOWN = "not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::h1)"
_AFTER = f"following::text()[position() <= {NODES}][{_SHOWN}]"
_BEFORE = f"preceding::text()[position() <= {NODES}][{_SHOWN}]"


#: Share of an <h1>'s words the page's title must repeat for it to be the headline the title names.
TITLE_SHARE = 0.6


def _headline(tree: Any) -> Any | None:
    if tree is None:
        return None
    found = tree.xpath("//body//h1")
    return found[0] if found else None


def titled(tree: Any) -> Any | None:
    """The headline the page's title names: of its <h1>s, the one with the most words in common with
    <title> or og:title (at least `TITLE_SHARE` of its own words), else the first <h1>; on a page
    without an <h1>, the element marked itemprop="headline"."""
    if tree is None:
        return None
    found = tree.xpath("//body//h1")
    titles = [_words(t) for t in (tree.xpath("string(//head/title)"),
                                  tree.xpath("string(//meta[@property='og:title']/@content)"))]
    best, common = None, 0
    for h1 in found:
        words = _words(h1.text_content())
        shared = max(len(words & t) for t in titles)
        if words and shared >= TITLE_SHARE * len(words) and shared > common:
            best, common = h1, shared
    if found:
        return best if best is not None else found[0]
    marked = tree.xpath("//body//*[@itemprop='headline'][not(self::meta)]")
    return marked[0] if marked else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _lines(nodes: Any) -> Iterator[str]:
    for text in nodes:
        if line := " ".join(text.split()):
            yield line


def after(tree: Any) -> Iterator[str]:
    """The lines of text after the headline (the first <h1>), nearest first; none without one."""
    return following(_headline(tree))


def before(tree: Any) -> Iterator[str]:
    """The lines of text before the headline (the first <h1>), nearest first; none without one."""
    return preceding(_headline(tree))


def following(element: Any | None, unless: str = "") -> Iterator[str]:
    """The lines of text after an element (a headline), nearest first; `unless` is an XPath
    condition that leaves a text out."""
    return _lines(element.xpath(_only(_AFTER, unless))) if element is not None else iter(())


def preceding(element: Any | None, unless: str = "") -> Iterator[str]:
    """The lines of text before an element, nearest first (as `following`)."""
    return _lines(reversed(element.xpath(_only(_BEFORE, unless)))) if element is not None else iter(())


def _only(path: str, unless: str) -> str:
    return f"{path}[not({unless})]" if unless else path
