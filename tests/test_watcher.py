"""The feed watcher's rounds (pipeline.watch), over real HTTP to a site that publishes while it is
watched: what is new, conditional GET, the feed's own hints, Retry-After, the minimum interval,
the address guard, and a watched feed polled by news_process even within its hint. The watcher
in a real triggerer is tested in test_event_driven.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from pipeline import intervals, run, store, watch
from pipeline.config import Settings
from pipeline.sources import FeedSource
from tests.conftest import query
from tests.livefeed import Site, serving


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as live:
        yield live


def rounds(settings: Settings, feeds: list[FeedSource], states: dict, now: datetime) -> watch.Round:
    """One watcher round at `now` over the due feeds; the states are updated as the watcher does."""
    found = watch.poll_round(settings, watch.due(feeds, states, now), states, now)
    states.update(found.states)
    return found


def test_the_first_look_only_remembers_then_only_unseen_entries_fire(settings, site):
    url = site.feed("world")
    site.publish("world", "a1")
    site.publish("world", "a2")
    feeds = [FeedSource(id="world", url=url)]
    states: dict = {}
    now = datetime.now(UTC)
    first = rounds(settings, feeds, states, now)
    assert first.new == {}  # what was there before the watcher is the daily ingest's
    assert len(states["world"]["seen"]) == 2
    # unchanged: the next round asks conditionally and the feed answers 304
    later = now + timedelta(seconds=settings.watch_min_interval)
    assert rounds(settings, feeds, states, later).new == {}
    assert site.polls("world")[-1]["status"] == 304
    assert site.polls("world")[-1]["if_none_match"] is not None
    # two new entries: one event's worth, naming the feed and the count
    site.publish("world", "a3")
    site.publish("world", "a4")
    found = rounds(settings, feeds, states, later + timedelta(seconds=settings.watch_min_interval))
    assert found.new == {"world": 2}
    payload = found.payload(later)
    assert payload["source"] == intervals.WATCHER and payload["feeds"] == {"world": 2}
    assert payload["entries"] == 2
    assert intervals.watched_feeds([{"from_trigger": True, "payload": payload}]) == ["world"]


def test_no_feed_is_polled_more_often_than_the_minimum_interval(settings, site):
    feeds = [FeedSource(id="world", url=site.feed("world"))]
    states: dict = {}
    now = datetime.now(UTC)
    rounds(settings, feeds, states, now)
    for seconds in (1, 60, settings.watch_min_interval - 1):
        assert watch.due(feeds, states, now + timedelta(seconds=seconds)) == []
    assert watch.due(feeds, states, now + timedelta(seconds=settings.watch_min_interval)) == feeds
    assert settings.watch_min_interval == Settings.model_fields["watch_min_interval"].default == 300
    assert watch.next_check(feeds, states, now, ceiling=15) == 15
    assert len(site.polls("world")) == 1


@pytest.mark.parametrize("head, minutes", [("<ttl>45</ttl>", 45),
                                           ("<sy:updatePeriod>hourly</sy:updatePeriod>", 60),
                                           ("<sy:updatePeriod>daily</sy:updatePeriod>"
                                            "<sy:updateFrequency>4</sy:updateFrequency>", 360)])
def test_a_feed_asking_for_longer_is_polled_no_sooner(settings, site, head, minutes):
    feeds = [FeedSource(id="world", url=site.feed("world", head=head))]
    states: dict = {}
    now = datetime.now(UTC)
    rounds(settings, feeds, states, now)
    due_at = datetime.fromisoformat(states["world"]["next_poll_at"])
    assert now + timedelta(minutes=minutes) <= due_at < now + timedelta(minutes=minutes, seconds=30)
    assert watch.due(feeds, states, now + timedelta(minutes=minutes - 1)) == []


def test_retry_after_and_failures_are_honoured_and_named(settings, site):
    url = site.feed("busy", limited=7200)
    feeds = [FeedSource(id="busy", url=url)]
    states: dict = {}
    now = datetime.now(UTC)
    found = rounds(settings, feeds, states, now)
    assert found.new == {}
    assert found.problems == [f"feed busy ({url}): http_429: HTTP 429 Too Many Requests, Retry-After 7200 s"]
    assert datetime.fromisoformat(states["busy"]["next_poll_at"]) >= now + timedelta(seconds=7200)
    assert states["busy"]["failures"] == 1
    # once it answers again, what it shows first is only remembered (the feed was never seen)
    site.feed("busy")
    site.publish("busy", "b1")
    assert rounds(settings, feeds, states, now + timedelta(hours=3)).new == {}
    site.publish("busy", "b2")
    assert rounds(settings, feeds, states, now + timedelta(hours=4)).new == {"busy": 1}


def test_the_address_guard_applies_to_the_watcher(settings, site):
    guarded = settings.with_(allow_hosts=["example.invalid"])  # 127.0.0.1 no longer allowed
    feeds = [FeedSource(id="world", url=site.feed("world"))]
    found = rounds(guarded, feeds, {}, datetime.now(UTC))
    assert found.new == {}
    assert "blocked_address" in found.problems[0] and "127.0.0.1" in found.problems[0]
    assert site.polls("world") == []  # refused before any connection


def test_a_watched_feed_is_polled_by_processing_even_within_its_hint(settings, site):
    import yaml

    url = site.feed("world", head="<ttl>600</ttl>")
    site.publish("world", "w1")
    settings.feeds_file.write_text(yaml.safe_dump({"feeds": [{"id": "world", "url": url}]}))
    feeds = [FeedSource(id="world", url=url)]
    run.begin(settings, feeds, "ingest-1", "test")
    run.poll_step(settings, feeds, "ingest-1")  # the daily ingest: the feed now asks for 10 hours
    site.publish("world", "w2")
    polls, new = run.poll_step(settings, feeds, "ingest-2")
    assert polls[0].status == "skipped" and new == 0
    # the watcher saw w2: the processing run its event starts polls the feed and plans the page
    payload = {"source": intervals.WATCHER, "feeds": {"world": 1}, "entries": 1}
    batches = intervals.plan_processing(settings, "process-1", [{"from_trigger": True, "payload": payload}])
    tasks = [t for b in batches for t in run.tasks_from_json(b["tasks"])]
    assert site.article_url("w2") in {t.link for t in tasks}
    with store.open_db(settings) as con:
        assert con.execute("SELECT count(*) FROM entries WHERE feed_id = 'world'").fetchone() == (2,)
    assert query(settings.db, "SELECT status FROM feed_polls WHERE run_id = 'process-1'") == [("ok",)]


def test_the_trigger_says_what_is_wrong_with_a_feed_list_and_keeps_watching(tmp_path, site, monkeypatch,
                                                                           airflow_db):
    import asyncio

    import airflow  # noqa: F401  (puts plugins/ on sys.path, as in the triggerer)
    import yaml
    from newsflow_watcher import FeedWatcher

    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("feeds: [oops", encoding="utf-8")
    for name, value in {"NEWSFLOW_FEEDS_FILE": str(feeds_file), "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
                        "NEWSFLOW_WATCH_MIN_INTERVAL": "1", "NEWSFLOW_WATCH_CHECK_EVERY": "0.2",
                        "NEWSFLOW_PER_HOST_DELAY": "0"}.items():
        monkeypatch.setenv(name, value)
    url = site.feed("world")
    site.publish("world", "x1")

    async def first_event() -> dict:
        events = FeedWatcher().run()  # outside a triggerer: no state store, state in memory
        await asyncio.sleep(0)
        async for event in events:
            return event.payload
        raise AssertionError("the watcher stopped")

    async def scenario() -> dict:
        watching = asyncio.create_task(first_event())
        for _ in range(300):  # the broken list is reported, the watcher waits
            if any("invalid YAML" in m for m in heard):
                break
            await asyncio.sleep(0.1)
        feeds_file.write_text(yaml.safe_dump({"feeds": [{"id": "world", "url": url}]}), encoding="utf-8")
        while not site.polls("world"):
            await asyncio.sleep(0.1)
        site.publish("world", "x2")
        return await asyncio.wait_for(watching, 30)

    heard: list[str] = []
    listener = logging.Handler()
    listener.emit = lambda record: heard.append(record.getMessage())  # type: ignore[method-assign]
    watcher_log = logging.getLogger("newsflow_watcher")
    watcher_log.disabled = False  # a logging dictConfig by an earlier test disables existing loggers
    watcher_log.addHandler(listener)
    try:
        payload = asyncio.run(scenario())
    finally:
        watcher_log.removeHandler(listener)
    assert payload["feeds"] == {"world": 1} and payload["source"] == intervals.WATCHER
    assert any(f"newsflow watcher: {feeds_file}: line 1 invalid YAML" in m for m in heard)
