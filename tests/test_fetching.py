"""Fetching that survives the real web, against a misbehaving server on loopback (tests/hostile.py)."""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from pipeline import archive, backfill, charset, extract, failures, fetch, guard, net, poll, sitemaps, store
from pipeline import run as chain
from pipeline.classify import default_classifier
from pipeline.cli import app
from pipeline.config import Settings
from pipeline.models import PageTask
from pipeline.sources import FeedSource
from pipeline.urls import article_id, normalise_url
from tests import hostile
from tests.conftest import query


@pytest.fixture(scope="module")
def server():
    with hostile.serve("127.0.0.1") as srv:
        yield srv


@pytest.fixture
def cfg(settings: Settings) -> Settings:
    return settings.with_(max_redirects=5, max_page_bytes=300_000, deadline=2.0)


def task(url: str, feed_id: str | None = None) -> PageTask:
    return PageTask(article_id=article_id(url), url=normalise_url(url), link=url, feed_id=feed_id)


def failure(cfg: Settings, url: str) -> net.FetchError:
    with net.make_client(cfg) as client, pytest.raises(net.FetchError) as caught:
        client.get(url)
    return caught.value


# -- the address guard --------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                     "100.100.100.200", "fd00:ec2::254", "::1", "0.0.0.0", "224.0.0.1",
                                     "::ffff:127.0.0.1", "100.64.0.1", "240.0.0.1", "fe80::1"])
def test_local_private_and_metadata_addresses_are_blocked(address):
    assert guard.blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5"])
def test_public_addresses_pass(address):
    assert guard.blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url, cls", [("file:///etc/passwd", "bad_url"), ("ftp://example.org/x", "bad_url"),
                                      ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
                                      ("http://metadata.google.internal/", "blocked_address"),
                                      ("http://localhost:1/", "blocked_address"),
                                      ("http://[::1]:8080/", "blocked_address")])
def test_check_url_refuses_other_schemes_and_local_hosts(url, cls):
    with pytest.raises(guard.BlockedAddress) as caught:
        guard.check_url(url)
    assert caught.value.error_class == cls


def test_the_allowlist_takes_a_host_or_a_host_and_port():
    guard.check_url("http://127.0.0.1:8080/", ["127.0.0.1"])
    guard.check_url("http://127.0.0.1:8080/", ["127.0.0.1:8080"])
    with pytest.raises(guard.BlockedAddress):
        guard.check_url("http://127.0.0.1:9090/", ["127.0.0.1:8080"])


def test_allow_hosts_comes_comma_separated_from_the_environment():
    s = Settings.from_env({"NEWSFLOW_ALLOW_HOSTS": "127.0.0.1, feeds.local:8080"})
    assert s.allow_hosts == ["127.0.0.1", "feeds.local:8080"]


def test_without_the_allowlist_a_loopback_server_is_not_contacted(server, cfg):
    before = server.hits["/article/1.html"]
    exc = failure(cfg.with_(allow_hosts=[]).model_copy(update={"allow_hosts": []}),
                  f"{server.base}/article/1.html")
    assert exc.error_class == "blocked_address" and "loopback" in exc.message
    assert server.hits["/article/1.html"] == before


def test_the_guard_fires_again_on_every_redirect_hop(cfg):
    # the first hop (127.0.0.2) is allowlisted; its redirects to 127.0.0.1 and to the cloud
    # metadata address are not followed, and the 127.0.0.1 server never sees a request
    with hostile.serve("127.0.0.2") as first, hostile.serve("127.0.0.1") as inner:
        only_first = cfg.model_copy(update={"allow_hosts": [first.host]})
        assert net.make_client(only_first).get(f"{first.base}/article/1.html").status == 200
        exc = failure(only_first, f"{first.base}/to?url={inner.base}/article/1.html")
        assert exc.error_class == "blocked_address" and "127.0.0.1" in exc.message
        assert inner.hits["/article/1.html"] == 0
        exc = failure(only_first, f"{first.base}/to?url=http://169.254.169.254/latest/meta-data/")
        assert exc.error_class == "blocked_address" and "metadata" in exc.message


# -- limits -----------------------------------------------------------------------------------------

def test_a_body_that_drips_hits_the_deadline(server, cfg):
    started = time.monotonic()
    exc = failure(cfg.with_(deadline=1.5), f"{server.base}/drip")
    assert exc.error_class == "timeout" and time.monotonic() - started < 4


def test_an_endless_body_is_cut_at_the_size_limit(server, cfg):
    exc = failure(cfg, f"{server.base}/endless")
    assert exc.error_class == "too_large" and "300000" in exc.message


def test_a_gzip_bomb_is_stopped_while_decoding(server, cfg):
    assert len(hostile.BOMB) < cfg.max_page_bytes  # small on the wire: only decoding reveals it
    exc = failure(cfg, f"{server.base}/bomb")
    assert exc.error_class == "decompression_bomb" and "ratio" in exc.message
    exc = failure(cfg.with_(max_compression_ratio=1e6, max_decoded_bytes=5_000_000), f"{server.base}/bomb")
    assert exc.error_class == "decompression_bomb" and "5000000" in exc.message


def test_redirect_loops_and_chains(server, cfg):
    assert failure(cfg, f"{server.base}/loop/a").error_class == "redirect_loop"
    assert failure(cfg, f"{server.base}/chain/20").error_class == "too_many_redirects"
    with net.make_client(cfg) as client:
        resp = client.get(f"{server.base}/chain/3")
    assert resp.status == 200 and resp.url.endswith("/chain/0")


def test_retry_after_in_seconds_and_as_a_date(server, cfg):
    exc = failure(cfg, f"{server.base}/429")
    assert (exc.error_class, exc.status, exc.retry_after) == ("http_429", 429, 120.0)
    exc = failure(cfg, f"{server.base}/503-date")
    assert exc.error_class == "http_429" and exc.retry_after is not None and 3500 < exc.retry_after <= 3600
    assert failures.is_retryable("http_429") and not failures.is_retryable("blocked_address")


def test_non_html_is_refused_with_a_reason(cfg):
    page = fetch.page_from_response(task("http://x.org/a.pdf"), datetime.now(UTC), "http://x.org/a.pdf",
                                    200, "application/pdf", None, b"%PDF-1.4")
    assert page.body is None and page.problem and page.problem.error_class == "not_html"


# -- charsets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case, expected, encoding", [
    ("latin1-but-utf8", "Zürich café – Київ", "utf-8"),
    ("missing-cp1252", "Café crème à Genève", "cp1252"),
    ("meta-cp1251", "Переговоры в Женеве", "cp1251"),
    ("bom-utf8", "Gespräche über Waffenruhe", "utf-8"),
])
def test_pages_are_decoded_once_with_their_real_charset(server, cfg, case, expected, encoding):
    with net.make_client(cfg) as client:
        page = fetch.fetch_page(client, task(f"{server.base}/charset/{case}"), cfg)
    assert page.problem is None and page.encoding == encoding
    assert page.html is not None and expected in page.html
    article, problem = extract.extract_page(page)
    assert problem is None and expected in (article.text or "") + (article.title or "")


def test_decode_html_trusts_a_declaration_that_fits():
    assert charset.decode_html("Grüße".encode("cp1252"), "windows-1252") == ("Grüße", "cp1252")
    assert charset.decode_html(b"plain ascii", None) == ("plain ascii", "utf-8")


# -- politeness -------------------------------------------------------------------------------------

def test_robots_txt_disallow_is_obeyed_and_recorded(cfg):
    with hostile.serve("127.0.0.3", robots="User-agent: *\nDisallow: /private/\n") as srv:
        pages = fetch.fetch_pages([task(f"{srv.base}/private/1.html"), task(f"{srv.base}/article/1.html")],
                                  cfg.with_(allow_hosts=[srv.host]))
        assert pages[0].problem and pages[0].problem.error_class == "robots_disallowed"
        assert pages[1].problem is None
        assert srv.hits["/private/1.html"] == 0 and srv.hits["/robots.txt"] == 1


def test_a_missing_robots_txt_allows_everything(server, cfg):
    pages = fetch.fetch_pages([task(f"{server.base}/private/2.html")], cfg)
    assert pages[0].problem is None


def test_per_host_limits_space_requests_while_hosts_run_in_parallel(cfg):
    with hostile.serve("127.0.0.4") as a, hostile.serve("127.0.0.5") as b:
        polite = cfg.with_(allow_hosts=[a.host, b.host], per_host_concurrency=1, per_host_delay=0.3,
                           concurrency=8)
        tasks = [task(f"{s.base}/article/{i}.html") for s in (a, b) for i in range(4)]
        started = time.monotonic()
        pages = fetch.fetch_pages(tasks, polite)
        took = time.monotonic() - started
    assert all(p.problem is None for p in pages)
    # 4 starts per host at least 0.3 s apart: >= 0.9 s; both hosts at once: well under 2 x 0.9 s
    assert 0.9 <= took < 1.6


# -- feeds: conditional polling, health, entity expansion --------------------------------------------

def poll_once(cfg: Settings, feeds: list[FeedSource]) -> dict[str, str]:
    chain.begin(cfg, feeds, "r", "test", default_classifier("lexical"))
    polls, _ = chain.poll_step(cfg, feeds, chain.new_run_id("test"))
    return {p.feed_id: p.status for p in polls}


def test_etag_and_last_modified_round_trip_gives_a_304_that_is_not_parsed(server, cfg):
    feeds = [FeedSource(id="hostile", url=f"{server.base}/feed.xml")]
    cfg = cfg.with_(respect_feed_hints=False)
    assert poll_once(cfg, feeds) == {"hostile": "ok"}
    state = query(cfg.db, "SELECT etag, last_modified, ttl_minutes FROM feed_state")
    assert state == [(hostile.ETAG, hostile.LAST_MODIFIED, 30)]
    assert poll_once(cfg, feeds) == {"hostile": "not_modified"}
    rows = query(cfg.db, "SELECT status, http_status, entries_seen FROM feed_polls ORDER BY polled_at")
    assert rows == [("ok", 200, 1), ("not_modified", 304, 0)]


def test_a_feeds_ttl_defers_its_next_poll(server, cfg):
    feeds = [FeedSource(id="hostile", url=f"{server.base}/feed.xml")]
    assert poll_once(cfg, feeds) == {"hostile": "ok"}
    assert poll_once(cfg, feeds) == {"hostile": "skipped"}
    (due,) = query(cfg.db, "SELECT next_poll_at - last_polled_at FROM feed_state")[0]
    assert due == timedelta(minutes=30)


def test_a_failing_feed_backs_off_honours_retry_after_and_is_disabled(server, cfg):
    feeds = [FeedSource(id="limited", url=f"{server.base}/429")]
    cfg = cfg.with_(feed_backoff=0.0, feed_disable_after=2)
    assert poll_once(cfg, feeds) == {"limited": "failed"}
    assert poll_once(cfg, feeds) == {"limited": "skipped"}  # Retry-After: 120 s
    (wait,) = query(cfg.db, "SELECT next_poll_at - last_polled_at FROM feed_state")[0]
    assert wait == timedelta(seconds=120)
    with store.open_db(cfg) as con:  # time passes: make it due again
        con.execute("UPDATE feed_state SET next_poll_at = now() - INTERVAL 1 SECOND")
    assert poll_once(cfg, feeds) == {"limited": "failed"}
    health = query(cfg.db, "SELECT consecutive_failures, disabled_at IS NOT NULL, disabled_reason "
                           "FROM feed_health WHERE feed_id = 'limited'")[0]
    assert health[0] == 2 and health[1] and "429" in health[2]
    with store.open_db(cfg) as con:
        con.execute("UPDATE feed_state SET next_poll_at = now() - INTERVAL 1 SECOND")
    assert poll_once(cfg, feeds) == {"limited": "skipped"}  # disabled, whatever the time
    polls, new = chain.poll_step(cfg, feeds, chain.new_run_id("test"))
    assert chain.poll_counts(polls, new)["feeds_disabled"] == 1  # still failing, as the counts say
    shown = CliRunner().invoke(app, ["status", "--db", str(cfg.db)], env={"COLUMNS": "160"}).output
    assert "failed ×2, disabled (newsflow enable-feed)" in shown
    enabled = CliRunner().invoke(app, ["enable-feed", "limited", "--db", str(cfg.db)])
    assert enabled.exit_code == 0 and "feed limited enabled (it was disabled since" in enabled.output
    again = CliRunner().invoke(app, ["enable-feed", "limited", "--db", str(cfg.db)])
    assert "was neither disabled nor backing off: nothing to do" in again.output
    unknown = CliRunner().invoke(app, ["enable-feed", "nope", "--db", str(cfg.db)])
    assert unknown.exit_code == 2 and "feed 'nope' is not in the feeds file as" in unknown.output
    assert poll_once(cfg, feeds) == {"limited": "failed"}


@pytest.mark.parametrize("path", ["/laughs.xml", "/xxe.xml"])
def test_a_feed_with_an_entity_payload_is_refused_without_expanding_it(server, cfg, path):
    started = time.monotonic()
    with net.make_client(cfg) as client:
        result = poll.poll_feed(client, FeedSource(id="evil", url=server.base + path), run_id="r",
                                deadline_s=2.0)
    assert result.status == "failed" and result.problem and result.problem.error_class == "parse_error"
    assert "entit" in result.problem.message and time.monotonic() - started < 2


def test_feedparser_itself_neither_expands_nor_fetches_entities(server):
    # defence in depth, should the DTD check ever be bypassed
    started = time.monotonic()
    parsed = poll.parse_feed(hostile.LAUGHS.format(base=server.base).encode(), server.base)
    assert time.monotonic() - started < 2
    assert len(str(parsed.get("feed", {}).get("title", ""))) < 1_000_000
    parsed = poll.parse_feed(hostile.XXE.format(base=server.base).encode(), server.base)
    assert "root:" not in str(parsed)


# -- the archive --------------------------------------------------------------------------------------

def test_every_response_is_archived_and_readable_by_its_offset(server, cfg):
    pages = fetch.fetch_pages([task(f"{server.base}/article/{i}.html") for i in range(3)]
                              + [task(f"{server.base}/charset/meta-cp1251")], cfg)
    files = archive.files(cfg)
    assert len(files) == 1 and files[0].relative_to(cfg.archive_dir).parts[0] == f"{datetime.now(UTC):%Y}"
    for page in pages:
        assert page.warc_file and page.warc_offset is not None
        url, status, headers, body = archive.read_response(cfg, page.warc_file, page.warc_offset)
        assert (url, status, body) == (page.final_url, 200, page.body)
        assert dict(headers)["Content-Length"] == str(len(body))


def test_archive_files_roll_over_past_the_size_limit(server, cfg):
    fetch.fetch_pages([task(f"{server.base}/article/{i}.html") for i in range(5)],
                      cfg.with_(archive_max_bytes=1_000))
    assert len(archive.files(cfg)) >= 4


def test_articles_point_at_their_warc_record_and_a_re_extract_reads_the_archive(cfg):
    with hostile.serve("127.0.0.6") as srv:
        local = cfg.with_(allow_hosts=[srv.host], respect_feed_hints=False)
        feeds = [FeedSource(id="hostile", url=f"{srv.base}/feed.xml")]
        first = chain.run(local, feeds, trigger="test", classifier=default_classifier("lexical"))
        assert first.counts["articles_new"] == 1
    # the server is gone: a re-fetch would fail, a re-extract reads the archived response
    (aid, warc_file, offset, length, text), = query(
        cfg.db, "SELECT article_id, warc_file, warc_offset, warc_length, text FROM articles")
    url, status, _headers, body = archive.read_response(cfg, warc_file, offset)
    assert url.endswith("/article/1.html") and status == 200 and length > 0
    with store.open_db(local) as con:
        con.execute("UPDATE articles SET text = 'stale' WHERE article_id = ?", [aid])
    summary = backfill.run(local, feeds, backfill.Backfill(stage="re-extract"),
                           classifier=default_classifier("lexical"))
    assert summary.status == "success" and summary.counts["pages_failed"] == 0
    assert query(cfg.db, "SELECT text, warc_file FROM articles") == [(text, warc_file)]
    # counted as what happened: one page read from the archive, none fetched, no article new
    assert (summary.counts["pages_from_archive"], summary.counts["pages_fetched"],
            summary.counts["articles_new"], summary.counts["articles_reprocessed"]) == (1, 0, 0, 1)


# -- the error ledger --------------------------------------------------------------------------------

def test_retryable_failures_wait_for_their_backoff_and_permanent_ones_are_dropped(server, cfg):
    feed_url = f"{server.base}/feed.xml"
    feeds = [FeedSource(id="hostile", url=feed_url)]
    chain.begin(cfg, feeds, "r", "test", default_classifier("lexical"))
    with store.open_db(cfg) as con:
        con.execute("""INSERT INTO entries VALUES
                         ('hostile', 'a', ?, ?, 'a', NULL, NULL, [], now(), now()),
                         ('hostile', 'b', ?, ?, 'b', NULL, NULL, [], now(), now())""",
                    [f"{server.base}/429", article_id(f"{server.base}/429"),
                     f"{server.base}/missing", article_id(f"{server.base}/missing")])
    pages = fetch.fetch_pages(chain.plan(cfg)[0], cfg)
    batch = chain.pages_to_batch(cfg, pages, "r", default_classifier("lexical"), chain.Quiet(), {})
    chain.load_step(cfg, batch)
    rows = query(cfg.db, """SELECT error_class, retryable, attempts, next_retry_at - last_seen_at
                            FROM errors ORDER BY error_class""")
    assert rows == [("http_429", True, 1, timedelta(seconds=600)), ("http_4xx", False, 1, None)]
    assert chain.plan(cfg) == []  # the 429 is not due yet; the 404 is never retried
    with store.open_db(cfg) as con:
        con.execute("UPDATE errors SET next_retry_at = now() - INTERVAL 1 SECOND")
    assert [t.link for b in chain.plan(cfg) for t in b] == [f"{server.base}/429"]


# -- discovery and sitemaps ---------------------------------------------------------------------------

def test_discover_finds_the_feed_and_the_sitemap_named_in_robots_txt(cfg):
    with hostile.serve("127.0.0.7", robots="User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n") as srv:
        found = sitemaps.discover(cfg.with_(allow_hosts=[srv.host]), srv.base + "/")
    assert found == {"feeds": [f"{srv.base}/feed.xml"], "sitemaps": [f"{srv.base}/sitemap.xml"]}


def test_discover_tries_the_common_paths_when_the_home_page_answers_404(cfg):
    with hostile.serve("127.0.0.7", robots="User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n") as srv:
        found = sitemaps.discover(cfg.with_(allow_hosts=[srv.host]), srv.base + "/no-such-home")
    assert found == {"feeds": [f"{srv.base}/feed.xml"], "sitemaps": [f"{srv.base}/sitemap.xml"]}


def test_a_sitemap_index_gives_the_article_urls_of_a_date_range(server, cfg):
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    urls = sitemaps.sitemap_urls(cfg, f"{server.base}/sitemap.xml", since, until)
    assert [u.url.rsplit("/", 1)[-1] for u in urls] == ["21.html", "22.html"]
    assert urls[0].published == datetime(2026, 3, 1, 7, tzinfo=UTC) and urls[0].title == "Talks resume"
    assert server.hits["/sitemap-2019.xml"] == 0  # its lastmod is before the window
    everything = sitemaps.sitemap_urls(cfg, f"{server.base}/sitemap-news.xml")
    assert len(everything) == 4


def test_backfill_sitemap_queues_urls_that_the_next_run_fetches(server, cfg, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setenv("NEWSFLOW_ARCHIVE_DIR", str(cfg.archive_dir))
    result = CliRunner().invoke(app, ["backfill-sitemap", f"{server.base}/sitemap.xml", "--db", str(cfg.db),
                                      "--since", "2026-03-01", "--until", "2026-03-03"])
    assert result.exit_code == 0, result.output
    assert "2 article URLs queued" in result.output
    assert sorted(t.link.rsplit("/", 1)[-1] for b in chain.plan(cfg) for t in b) == ["21.html", "22.html"]


def test_allow_host_on_the_command_line(tmp_path, cfg):
    import os
    import subprocess
    import sys
    from pathlib import Path

    newsflow = str(Path(sys.executable).parent / "newsflow")
    with hostile.serve("127.0.0.8") as srv:
        feeds = tmp_path / "f.yaml"
        feeds.write_text(f"feeds:\n  - id: local\n    url: {srv.base}/feed.xml\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "NEWSFLOW_ALLOW_HOSTS"}
        args = [newsflow, "poll", "--feeds", str(feeds), "--db", str(tmp_path / "p.duckdb")]
        blocked = subprocess.run(args, capture_output=True, text=True, env=env)
        assert blocked.returncode == 0 and "loopback" in blocked.stdout and srv.hits["/feed.xml"] == 0
        allowed = subprocess.run([*args, "--allow-host", srv.host, "--db", str(tmp_path / "q.duckdb")],
                                 capture_output=True, text=True, env=env)
        assert allowed.returncode == 0 and srv.hits["/feed.xml"] == 1, allowed.stdout


def test_a_skipped_poll_says_why_in_words_and_as_a_kind_the_counts_read():
    from pipeline import feedstate, run
    from pipeline.models import FeedPoll

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    later = now + timedelta(minutes=30)
    cases = {
        "hinted": feedstate.FeedState("hinted", next_poll_at=later, ttl_minutes=60),
        "failing": feedstate.FeedState("failing", consecutive_failures=2, next_poll_at=later),
        "off": feedstate.FeedState("off", consecutive_failures=5, disabled_at=now,
                                   disabled_reason="HTTP 500"),
        "due": feedstate.FeedState("due", consecutive_failures=1, next_poll_at=now - timedelta(seconds=1)),
    }
    skips = {feed: feedstate.skip_reason(state, now) for feed, state in cases.items()}
    assert skips["due"] is None
    assert skips["hinted"] == feedstate.Skip(feedstate.HINT,
                                             "not due until 2026-03-01 12:30:00 UTC (feed's update hint)")
    failing = skips["failing"]
    assert failing.why == feedstate.BACKING_OFF and "backing off after failures" in failing.note
    assert skips["off"] == feedstate.Skip(feedstate.DISABLED, "disabled since 2026-03-01 12:00 (HTTP 500)")
    polls = [FeedPoll(poll_id=f"p-{feed}", feed_id=feed, url=f"http://127.0.0.1/{feed}", polled_at=now,
                      status="skipped", http_status=None, content_type=None, elapsed_ms=0.0,
                      note=skip.note, skipped_for=skip.why)
             for feed, skip in skips.items() if skip]
    # a feed waiting on its own hint is healthy: neither backing off nor disabled
    assert run.unpolled_after_failures(polls) == (["failing"], ["off"])
    # with the feeds' hints turned off, a wait a hint set before is not kept; the others are
    unhinted = {feed: feedstate.skip_reason(state, now, hints=False) for feed, state in cases.items()}
    assert unhinted == {**skips, "hinted": None}
