"""Progress of long commands in logs and CI: a line every so often, per stage done (of the
total when known), the rate, an ETA and the errors so far. On a terminal the CLI draws bars
instead (`pipeline.cli`); both are `pipeline.run.Reporter`s. Warnings a library logs once per
record (warcio's, for one) are counted here and summarised, not printed one by one."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

#: Seconds between two progress lines (NEWSFLOW_PROGRESS_SECONDS overrides it in the CLI).
EVERY = 30.0
#: The stage that counts failures rather than work done.
ERRORS = "errors"


class Reporter(Protocol):
    """Progress callbacks: a stage starts (total 0: not known) and advances."""

    def start(self, stage: str, total: int) -> None: ...
    def advance(self, stage: str, n: int = 1) -> None: ...


class Quiet:
    """The Reporter of everything that shows no progress."""

    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, n: int = 1) -> None:
        pass


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Lines:
    """A Reporter that writes `label: stage done/total (rate/s, ETA ...), ..., errors N` to
    `stream` at most every `every` seconds, and once more on `close`."""

    def __init__(self, label: str, stream: TextIO | None = None, every: float = EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.stream, self.every, self.clock = label, stream or sys.stderr, every, clock
        self.totals: dict[str, int] = {}
        self.done: Counter[str] = Counter()
        self.began: dict[str, float] = {}
        self.last = clock()

    def start(self, stage: str, total: int) -> None:
        self.totals[stage] = total
        self.began.setdefault(stage, self.clock())

    def advance(self, stage: str, n: int = 1) -> None:
        self.began.setdefault(stage, self.clock())
        self.done[stage] += n
        if self.clock() - self.last >= self.every:
            self.write()

    def line(self) -> str:
        now = self.clock()
        parts = []
        for stage, began in self.began.items():
            if stage == ERRORS:
                continue
            done, total = self.done[stage], self.totals.get(stage, 0)
            rate = done / (now - began) if now > began else 0.0
            text = f"{stage} {done:,}" + (f"/{total:,}" if total else "") + f" ({rate:,.1f}/s"
            if total and rate and done < total:
                text += f", ETA {duration((total - done) / rate)}"
            parts.append(text + ")")
        parts.append(f"{ERRORS} {self.done[ERRORS]:,}")
        return f"{self.label}: " + ", ".join(parts)

    def write(self) -> None:
        self.last = self.clock()
        print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        """The last line, for a command that ran long enough to print any (a short one stays quiet)."""
        if self.clock() - min(self.began.values(), default=self.last) >= self.every:
            self.write()


class CountingHandler(logging.Handler):
    """Counts log records by their message up to the first colon (the kind of warning)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.getMessage().split(":", 1)[0].strip()[:80]] += 1


@contextmanager
def counted_warnings(logger_name: str) -> Iterator[Counter[str]]:
    """Within the block, the warnings of `logger_name` are counted into the yielded Counter
    instead of printed."""
    logger = logging.getLogger(logger_name)
    handler = CountingHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.counts
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
