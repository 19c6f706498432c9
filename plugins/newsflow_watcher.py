"""The feed watcher: an event trigger that turns new feed entries into `newsflow_entries` events.

`dags/newsflow_tasks.py` puts it on the `newsflow_entries` asset as an `AssetWatcher`; Airflow's
triggerer runs it (async, holding no worker slot) and imports it from here, the plugins folder,
which every Airflow component has on its import path. The rounds themselves are
`pipeline.watch` (no Airflow there): poll the due feeds with the pipeline's guard, limits and
politeness in a thread, and yield one event when some feed shows entries the watcher has not seen.
The event's payload names the feeds and counts: `{"source": "newsflow_watcher", "feeds":
{"bbc-world": 2}, "entries": 2, "polled_at": ...}`; `news_process` polls those feeds and works
them off. Events that arrive while a `news_process` run is active wait for it to end and then
start one run together (`max_active_runs=1`).

Each feed's ETag, Last-Modified, next poll time and the entry ids seen are kept in the asset's
state store (Airflow's metadata database), so a restarted triggerer neither polls early nor
announces entries again. Settings (`watch_min_interval`, `watch_check_every`, the feeds file and
the fetching settings the pipeline uses) are the tasks' own: the NEWSFLOW_* environment and the
`newsflow_settings` Variable (`newsflow_settings`), read again each round.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

log = logging.getLogger(__name__)


class FeedWatcher(BaseEventTrigger):
    """Polls the enabled feeds of NEWSFLOW_FEEDS_FILE; fires when some show new entries."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # the pipeline's modules (httpx, lxml, feedparser) load in a thread: the loop never waits
        await asyncio.to_thread(importlib.import_module, "pipeline.watch")
        from newsflow_settings import settings_or_last

        from pipeline import watch
        from pipeline.config import Settings
        from pipeline.errors import NewsflowError
        from pipeline.sources import load_feeds

        store = self.asset_state_store
        if store is None:
            log.warning("newsflow watcher: no asset state store (not run by a triggerer for an asset); "
                        "feed state lives in memory only")
        states: dict[str, dict[str, Any] | None] = {}
        watching: tuple[Any, ...] = ()
        settings = Settings.from_env()  # what a Variable unreadable from the first round leaves
        while True:  # the Variable read again each round (a change counts now); the last good kept
            settings = await asyncio.to_thread(settings_or_last, settings, log, "watcher")
            if (settings.feeds_file, settings.watch_min_interval) != watching:
                watching = (settings.feeds_file, settings.watch_min_interval)
                log.info("newsflow watcher: watching %s, no feed more often than every %g s", *watching)
            try:
                feeds = [f for f in await asyncio.to_thread(load_feeds, settings.feeds_file) if f.enabled]
            except NewsflowError as exc:  # a broken feed list: say so and look again later
                log.error("newsflow watcher: %s", exc)
                await asyncio.sleep(settings.watch_check_every)
                continue
            for feed in feeds:
                if feed.id not in states:
                    states[feed.id] = await store.aget(watch.key(feed.id)) if store is not None else None
            now = datetime.now(UTC)
            due = watch.due(feeds, states, now)
            if due:
                try:
                    found = await asyncio.to_thread(watch.poll_round, settings, due, states, now)
                except Exception:  # a bug, not a feed's failure (those are in the round): keep watching
                    log.exception("newsflow watcher: a round failed; the next one is in %g s",
                                  settings.watch_check_every)
                    await asyncio.sleep(settings.watch_check_every)
                    continue
                for feed_id, state in found.states.items():
                    states[feed_id] = state
                    if store is not None:
                        await store.aset(watch.key(feed_id), state)
                for problem in found.problems:
                    log.warning("newsflow watcher: %s", problem)
                if found.new:
                    log.info("newsflow watcher: new entries %s", found.new)
                    yield TriggerEvent(found.payload(now))
            await asyncio.sleep(watch.next_check(feeds, states, datetime.now(UTC),
                                                 settings.watch_check_every))
