"""Progress lines of long commands in logs and CI (`pipeline.progress.Lines`)."""

from __future__ import annotations

import io
import logging

from pipeline import progress


class Clock:
    """Seconds that pass when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_so_often_with_rate_eta_and_errors():
    clock, out = Clock(), io.StringIO()
    lines = progress.Lines("backfill re-fetch", stream=out, every=30, clock=clock)
    lines.start("re-fetch", 1000)
    lines.start(progress.ERRORS, 0)
    clock.now += 10
    lines.advance("re-fetch", 100)
    assert out.getvalue() == ""  # not yet due
    clock.now += 20
    lines.advance("re-fetch", 200)
    lines.advance(progress.ERRORS, 2)
    assert out.getvalue().splitlines() == [
        "backfill re-fetch: re-fetch 300/1,000 (10.0/s, ETA 1m10s), errors 0"]
    clock.now += 70
    lines.advance("re-fetch", 700)
    lines.close()
    assert out.getvalue().splitlines()[-1] == "backfill re-fetch: re-fetch 1,000/1,000 (10.0/s), errors 2"


def test_an_unknown_total_shows_the_rate_and_a_short_command_stays_quiet():
    clock, out = Clock(), io.StringIO()
    lines = progress.Lines("ingest-warc", stream=out, every=30, clock=clock)
    lines.start("extract", 0)
    clock.now += 4
    lines.advance("extract", 8)
    lines.close()
    assert out.getvalue() == ""
    assert lines.line() == "ingest-warc: extract 8 (2.0/s), errors 0"


def test_durations_read_as_people_write_them():
    assert [progress.duration(s) for s in (5, 70, 3600 * 2 + 60 * 5)] == ["5s", "1m10s", "2h05m"]


def test_warnings_are_counted_by_kind_not_printed(caplog):
    log = logging.getLogger("warcio.recordloader")
    with progress.counted_warnings("warcio") as counts:
        for uri in ("a b", "c d"):
            log.warning("Replacing spaces in invalid WARC-Target-URI: %s", uri)
    assert counts == {"Replacing spaces in invalid WARC-Target-URI": 2}
    assert not caplog.records
