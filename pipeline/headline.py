"""The text printed around a page's headline (its first <h1>), where the dateline and the byline
are: the short lines that follow it, and those just before it, as the reader sees them (no
script, style or the headline itself)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Text nodes read on each side of the headline: a dateline or byline sits within a few dozen.
NODES = 120
_SHOWN = "not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::h1)"
_AFTER = f"following::text()[position() <= {NODES}][{_SHOWN}]"
_BEFORE = f"preceding::text()[position() <= {NODES}][{_SHOWN}]"


def _headline(tree: Any) -> Any | None:
    if tree is None:
        return None
    found = tree.xpath("//body//h1")
    return found[0] if found else None


def _lines(nodes: Any) -> Iterator[str]:
    for text in nodes:
        if line := " ".join(text.split()):
            yield line


def after(tree: Any) -> Iterator[str]:
    """The lines of text after the headline, nearest first; none without one."""
    h1 = _headline(tree)
    return _lines(h1.xpath(_AFTER)) if h1 is not None else iter(())


def before(tree: Any) -> Iterator[str]:
    """The lines of text before the headline, nearest first; none without one."""
    h1 = _headline(tree)
    return _lines(reversed(h1.xpath(_BEFORE))) if h1 is not None else iter(())
