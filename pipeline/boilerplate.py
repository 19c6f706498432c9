"""Lines an extractor keeps that are not the story: "Read more: ...", "Lea también: ...",
"Subscribe to our newsletter", paywall notices. The patterns are data
(`pipeline/pages/boilerplate-lines.txt`), each measured with `newsflow eval-extract`."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PATTERNS = Path(__file__).with_name("pages") / "boilerplate-lines.txt"
#: A matching line longer than this is a paragraph that happens to start like a pointer: kept.
MAX_WORDS = 40


@cache
def patterns(path: Path = PATTERNS) -> re.Pattern[str]:
    """The file's patterns as one expression anchored at the start of a line."""
    lines = [raw.strip() for raw in path.read_text(encoding="utf-8").splitlines()]
    alternatives = [line for line in lines if line and not line.startswith("#")]
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


def strip(text: str) -> str:
    """`text` (one paragraph per line) without its boilerplate lines."""
    pattern = patterns()
    kept = [line for line in text.split("\n")
            if not (pattern.match(line.lstrip(" -–—•*»>|")) and len(line.split()) <= MAX_WORDS)]
    return "\n".join(kept)
