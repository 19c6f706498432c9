"""Politeness: robots.txt per host, and a scheduler that keeps to a per-host concurrency limit
and a minimum delay between request starts to one host, under the global cap.

Work for many hosts runs concurrently: a worker takes the next item of any host that has a free
slot and whose delay has passed, so one slow or strict host never idles the others.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from protego import Protego

from pipeline import net

T = TypeVar("T")
R = TypeVar("R")


def host_of(url: str) -> str:
    """scheme://host[:port]: the unit of politeness (and of robots.txt)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class HostScheduler(Generic[T]):
    """Hands out items so that at most `per_host` run at once per host, and request starts to
    one host are at least `delay` seconds apart."""

    def __init__(self, items: Iterable[T], key: Callable[[T], Hashable], per_host: int,
                 delay: float) -> None:
        self._queues: dict[Hashable, deque[T]] = {}
        for item in items:
            self._queues.setdefault(key(item), deque()).append(item)
        self._order = deque(self._queues)
        self._active: Counter[Hashable] = Counter()
        self._next_at: dict[Hashable, float] = {}
        self._per_host, self._delay = per_host, delay
        self._cond = threading.Condition()

    def take(self) -> tuple[Hashable, T] | None:
        """The next item that may start now (waiting if none may yet); None when all are taken."""
        with self._cond:
            while True:
                if not self._order:
                    self._cond.notify_all()  # everything is taken: let every waiter finish
                    return None
                now = time.monotonic()
                wait: float | None = None
                for _ in range(len(self._order)):
                    host = self._order[0]
                    self._order.rotate(-1)  # round robin over hosts
                    if self._active[host] >= self._per_host:
                        continue
                    ready = self._next_at.get(host, 0.0)
                    if ready > now:
                        wait = ready - now if wait is None else min(wait, ready - now)
                        continue
                    queue = self._queues[host]
                    item = queue.popleft()
                    if not queue:
                        self._order.remove(host)
                    self._active[host] += 1
                    self._next_at[host] = now + self._delay
                    self._cond.notify()  # pass the baton: another host may be ready too
                    return host, item
                self._cond.wait(wait)

    def done(self, host: Hashable) -> None:
        with self._cond:
            self._active[host] -= 1
            self._cond.notify()  # one waiter is enough: it passes the baton on when it takes


def polite_map(fn: Callable[[T], R], items: Iterable[T], *, key: Callable[[T], Hashable],
               workers: int, per_host: int, delay: float) -> Iterator[R]:
    """Apply `fn` to every item under the host scheduler; yields results as they complete."""
    items = list(items)
    if not items:
        return
    scheduler: HostScheduler[T] = HostScheduler(items, key, per_host, delay)
    results: deque[R] = deque()
    lock = threading.Lock()
    ready = threading.Semaphore(0)

    def worker() -> None:
        while (taken := scheduler.take()) is not None:
            host, item = taken
            try:
                result = fn(item)
            finally:
                scheduler.done(host)
            with lock:
                results.append(result)
            ready.release()

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(worker) for _ in range(min(workers, len(items)))]
        for _ in range(len(items)):
            while not ready.acquire(timeout=0.5):
                for f in futures:  # a worker that raised would leave us waiting forever
                    if f.done() and f.exception() is not None:
                        raise f.exception()  # type: ignore[misc]
            with lock:
                yield results.popleft()


class Robots:
    """robots.txt per host, fetched once per run through the guarded client, parsed by protego.

    RFC 9309: 4xx (robots.txt not there) allows everything; 5xx or no answer disallows for now
    (`robots_unavailable`, retried by a later run)."""

    def __init__(self, client: net.Client, user_agent: str) -> None:
        self.client = client
        self.user_agent = user_agent
        self._rules: dict[str, Protego | str | None] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def check(self, url: str) -> tuple[str, str] | None:
        """None if `url` may be fetched, else (error_class, message)."""
        host = host_of(url)
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:  # one fetch of robots.txt per host, the other workers wait for it
            if host not in self._rules:
                self._rules[host] = self._fetch(host)
        rules = self._rules[host]
        if isinstance(rules, str):
            return "robots_unavailable", f"{host}/robots.txt {rules}: not fetching for now"
        if rules is not None and not rules.can_fetch(url, self.user_agent):
            return "robots_disallowed", f"robots.txt of {host} disallows {url}"
        return None

    def _fetch(self, host: str) -> Protego | str | None:
        try:
            resp = self.client.get(f"{host}/robots.txt", max_bytes=500_000)
        except net.FetchError as exc:
            if exc.error_class in ("http_4xx", "http_429") and exc.status != 429:
                return None  # no robots.txt: everything allowed
            if exc.error_class in ("blocked_address", "bad_url"):
                return None  # the page fetch itself reports the real reason
            return f"unavailable ({exc.message})"
        text = resp.body.decode("utf-8", errors="replace")
        return Protego.parse(text)
