"""A time limit for one piece of CPU-bound work (extracting one page), by SIGALRM.

Python cannot stop a thread, but the main thread of a process can be interrupted by a signal: an
alarm raises `TimeLimitExceeded` at the next Python bytecode, so a pathological page cannot stall
its batch. Where the alarm cannot be used the work runs unlimited: outside the main thread, on a
platform without `setitimer`, or when someone else's alarm is already armed (Airflow implements a
task's `execution_timeout` with SIGALRM: we must not disarm it).

An interruption can be lost: Python reports and drops an exception raised while it runs a weakref
callback or a finaliser, and libraries swallow what they catch broadly. So the limit is a
`BaseException` (no `except Exception` takes it), the alarm repeats every `RETRY_SECONDS` until the
block ends, and a block that ends after its alarm rang raises on its way out.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

RETRY_SECONDS = 0.05


class TimeLimitExceeded(BaseException):
    """The work took longer than its limit (a BaseException, like KeyboardInterrupt, so that code
    catching `Exception` does not swallow it)."""


def can_limit() -> bool:
    """Whether `time_limit` can interrupt work here."""
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0)


@contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise TimeLimitExceeded inside the block after `seconds` (0: no limit). Yields whether the
    limit is armed."""
    if seconds <= 0 or not can_limit():
        yield False
        return

    active, rang = True, False

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        nonlocal rang
        if not active:  # a repeat already on its way when the block ended
            return
        rang = True
        raise TimeLimitExceeded(f"took longer than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_SECONDS)
    try:
        yield True
    finally:
        active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if rang:  # the alarm's exception was lost on the way, but the work overran all the same
        raise TimeLimitExceeded(f"took longer than {seconds:g}s")
