"""`newsflow ingest-warc`: an external WARC file is a source. Its HTML responses load as articles
through the same stages; other records are passed over; a corrupt file loses nothing read before."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import warc_ingest
from pipeline.cli import app
from tests.conftest import duplicate_ids, query

SITE = Path(__file__).resolve().parent.parent / "pipeline" / "sample" / "site"
PAGES = ["ontopic-drones.html", "ontopic-sanctions.html", "seed-1.html", "offtopic-01.html",
         "offtopic-02.html", "empty.html"]


def response(writer: WARCWriter, url: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                  http_headers=headers))


def write_warc(path: Path) -> None:
    """The sample pages as a crawler would archive them, with the records a real file also holds."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for name in PAGES:
            url = f"https://news.example.org/2026/03/{name.removesuffix('.html')}?utm_source=x"
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            response(writer, url, (SITE / "articles" / name).read_bytes())
        # the same page crawled twice: one article
        response(writer, "https://news.example.org/2026/03/seed-1",
                 (SITE / "articles" / "seed-1.html").read_bytes())
        response(writer, "https://news.example.org/report.pdf", (SITE / "files" / "report.pdf").read_bytes(),
                 content_type="application/pdf")
        response(writer, "https://news.example.org/gone", b"<html>gone</html>", status="404 Not Found")


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    path = tmp_path / "CC-NEWS-20260301-00001.warc.gz"
    write_warc(path)
    return path


@pytest.fixture
def lexical(settings):
    return settings.with_(classifier="lexical")


def test_html_responses_load_as_articles_without_a_feed(warc, lexical):
    summary = warc_ingest.ingest(lexical, [warc])
    assert summary.status == "success"
    rows = query(lexical.db, "SELECT url, feed_id, extraction_status FROM articles ORDER BY url")
    assert len(rows) == len(PAGES)
    assert {r[1] for r in rows} == {None}
    assert all("utm_source" not in r[0] for r in rows)
    assert sum(r[2] == "ok" for r in rows) == len(PAGES) - 1  # empty.html has no article in it
    run = query(lexical.db, "SELECT trigger, articles_new FROM pipeline_runs")
    assert run == [(f"warc:{warc.name}", len(PAGES) - 1 + 1)]  # seed-1 was extracted twice
    on_topic = query(lexical.db, "SELECT a.url FROM articles a JOIN classifications c USING (article_id) "
                                 "WHERE c.relevant ORDER BY 1")
    assert [u.rsplit("/", 1)[1] for (u,) in on_topic] == ["ontopic-drones", "ontopic-sanctions", "seed-1"]


def test_other_records_are_counted_and_passed_over(warc, lexical):
    counts = warc_ingest.ingest(lexical, [warc]).counts
    assert counts["skipped_not_response"] == 1 + len(PAGES)  # warcinfo and the requests
    assert counts["skipped_not_html"] == 1 and counts["skipped_http_status"] == 1
    assert counts["pages_fetched"] == len(PAGES) + 1


def test_ingesting_twice_leaves_the_same_rows(warc, lexical):
    warc_ingest.ingest(lexical, [warc])
    first = query(lexical.db, "SELECT article_id, content_hash FROM articles ORDER BY 1")
    warc_ingest.ingest(lexical, [warc])
    assert query(lexical.db, "SELECT article_id, content_hash FROM articles ORDER BY 1") == first
    assert query(lexical.db, "SELECT count(*) FROM article_versions") == [(len(PAGES) - 1,)]


def test_a_truncated_file_loads_what_precedes_the_damage_and_records_it(warc, lexical, tmp_path):
    damaged = tmp_path / "damaged.warc.gz"
    with warc.open("rb") as stream:  # cut the file in the middle of the fourth page's record
        records = ArchiveIterator(stream)
        starts = []
        for record in records:
            record.content_stream().read()
            if record.rec_type == "response":
                starts.append(records.get_record_offset())
    damaged.write_bytes(warc.read_bytes()[: (starts[3] + starts[4]) // 2])
    summary = warc_ingest.ingest(lexical, [damaged])
    assert summary.status == "success" and summary.counts["warc_errors"] == 1
    assert query(lexical.db, "SELECT count(*) FROM articles") == [(3,)]
    errors = query(lexical.db, "SELECT stage, error_class, message FROM errors")
    assert len(errors) == 1 and errors[0][:2] == ("ingest", "parse_error")
    assert "truncated" in errors[0][2]
    assert "damaged.warc.gz" in errors[0][2]


def test_a_record_with_an_unreadable_target_is_refused_alone_and_the_rest_loads(lexical, tmp_path):
    path = tmp_path / "odd.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, name in enumerate(PAGES[:4]):
            # the second record's host is a bracketed "address" no parser takes
            url = "http://[PORADNIK W PIGUŁCE]/x" if n == 1 else f"https://news.example.org/{name}"
            response(writer, url, (SITE / "articles" / name).read_bytes())
    summary = warc_ingest.ingest(lexical, [path])
    assert summary.status == "success"
    assert summary.counts["warc_records"] == 4 and summary.counts["warc_errors"] == 1
    assert query(lexical.db, "SELECT count(*) FROM articles") == [(3,)]  # the records after it too
    (target, message), = query(lexical.db, "SELECT target, message FROM errors")
    assert "PORADNIK" in target and message.startswith("odd.warc.gz#") and "unreadable record" in message


@pytest.mark.parametrize("keep", [0, 30, 300])
def test_a_file_cut_off_inside_a_record_says_so_and_with_nothing_else_fails_the_run(warc, lexical, tmp_path,
                                                                                   keep):
    cut = tmp_path / "cut.warc.gz"  # empty, cut off inside its first record, or inside its second
    cut.write_bytes(warc.read_bytes()[:keep])
    summary = warc_ingest.ingest(lexical, [cut])
    (message,), = query(lexical.db, "SELECT message FROM errors")
    assert message.startswith("cut.warc.gz")
    if keep == 0:
        assert "an empty file" in message
    else:
        assert "the file ends inside a record after offset" in message
    if keep < 300:  # nothing but the damage
        assert summary.status == "failed" and summary.error.startswith("no record of the given files")
        assert query(lexical.db, "SELECT status FROM pipeline_runs") == [("failed",)]
    else:  # the warcinfo record whole, then the cut
        assert summary.status == "success" and summary.counts["skipped_not_response"] == 1
        return
    result = CliRunner().invoke(app, ["ingest-warc", str(cut), "--db", str(lexical.db)])
    assert result.exit_code == 2 and "no record of the given files could be read" in result.output
    shown = CliRunner().invoke(app, ["status", "--db", str(lexical.db)], env={"COLUMNS": "200"}).output
    assert "failed: no record of the given files could be read" in shown  # why, under the runs


def test_a_plain_uncompressed_warc_reads_the_same(warc, lexical, tmp_path):
    plain = tmp_path / "plain.warc"
    with gzip.open(warc) as unzipped:
        plain.write_bytes(unzipped.read())
    counts = warc_ingest.ingest(lexical, [plain]).counts
    assert counts["articles_new"] == len(PAGES) and counts["warc_errors"] == 0
    assert query(lexical.db, "SELECT count(*) FROM errors WHERE stage = 'ingest'") == [(0,)]


def test_the_command_loads_a_file_and_refuses_a_missing_one_in_one_line(warc, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_CLASSIFIER", "lexical")
    db = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["ingest-warc", str(warc), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"{len(PAGES) * 2 + 4} WARC records" in result.output
    missing = CliRunner().invoke(app, ["ingest-warc", str(tmp_path / "nope.warc.gz"), "--db", str(db)])
    assert missing.exit_code == 2
    assert "no such file" in missing.output and len(missing.output.strip().splitlines()) == 1
    # a file that is no WARC at all: said, with the file and the reason, and not a success
    (tmp_path / "notes.txt").write_text("hello, not a warc\n")
    (tmp_path / "five.txt").write_text("five words on one line\n")  # what warcio takes for an ARC header
    (tmp_path / "noise.warc.gz").write_bytes(gzip.compress(bytes(range(256)) * 8))
    other = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest-warc", *(
        str(tmp_path / name) for name in ("notes.txt", "five.txt", "noise.warc.gz")), "--db", str(db)],
        capture_output=True, text=True, env={**os.environ, "NEWSFLOW_CLASSIFIER": "lexical"})
    assert other.returncode == 2
    assert "refused: notes.txt: not a WARC file: it does not begin with a WARC record" in other.stderr
    assert "refused: noise.warc.gz: not a WARC file: it does not begin with a WARC record\n" in other.stderr
    assert "refused: five.txt#0: unreadable record: ValueError: not a WARC or ARC record" in other.stderr
    assert "no record of the given files could be read" in other.stderr


PAGE = "https://news.example.org/live/the-page"


def two_captures(path: Path, order: list[tuple[str, str]], apart: bool) -> None:
    """One page archived twice with different content, records in the given (date, page) order;
    `apart` puts other pages between them, so that the two captures load in different batches."""
    fillers = [(f"https://news.example.org/other/{k}", "2026-03-01", name)
               for k, name in enumerate(PAGES[2:6])] if apart else []
    records = [(PAGE, *order[0]), *fillers, (PAGE, *order[1])]
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, day, name in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO((SITE / "articles" / name).read_bytes()),
                http_headers=headers, warc_headers_dict={"WARC-Date": f"{day}T08:00:00Z"}))


@pytest.mark.parametrize("apart", [False, True], ids=["one batch", "two batches"])
@pytest.mark.parametrize("order", [
    [("2026-03-01", "ontopic-drones.html"), ("2026-03-02", "ontopic-sanctions.html")],
    [("2026-03-02", "ontopic-sanctions.html"), ("2026-03-01", "ontopic-drones.html")],
], ids=["in time order", "newest first"])
def test_replaying_the_same_observations_adds_nothing(tmp_path, lexical, order, apart):
    """Two captures of one page are two versions, the newer one current, however the records
    arrive; loading the file again, in loads of one article, four times, changes nothing."""
    path = tmp_path / "captures.warc.gz"
    two_captures(path, order, apart)
    small = lexical.with_(batch_size=1, load_rows=1)
    for _ in range(4):
        assert warc_ingest.ingest(small, [path]).status == "success"
    page = "starts_with(a.url, 'https://news.example.org/live/')"
    versions = query(small.db, "SELECT h.fetched_at::DATE::VARCHAR, h.is_current, h.text IS NOT NULL "
                               f"FROM article_history h JOIN articles a USING (article_id) WHERE {page} "
                               "ORDER BY h.fetched_at")
    assert versions == [("2026-03-01", False, True), ("2026-03-02", True, True)]
    stored = query(small.db, "SELECT count(*), count(v.text) FROM article_versions v "
                             f"JOIN articles a USING (article_id) WHERE {page}")
    assert stored == [(2, 1)]  # the current text is held once, in articles
    (text, fetched), = query(small.db, f"SELECT text, fetched_at::DATE::VARCHAR FROM articles a WHERE {page}")
    assert fetched == "2026-03-02" and "sanction" in text.lower()
    # and the pages between them (one of them empty) one version each, however often loaded
    assert query(small.db, "SELECT count(*) FROM article_versions")[0][0] == (5 if apart else 2)
    assert duplicate_ids(small.db) == []  # no key stored twice in any table


def test_a_long_ingest_prints_progress_lines_and_sums_up_warcio_warnings(tmp_path):
    """Off a terminal (logs, CI) the command prints a progress line every so often; warcio's
    warning per odd record (a space in the target URI) is counted and summed up once."""
    path = tmp_path / "spaces.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for k, name in enumerate(PAGES[:3]):
            body = (SITE / "articles" / name).read_bytes()
            response(writer, f"https://news.example.org/with space/{k}", body)
    env = {**os.environ, "NEWSFLOW_CLASSIFIER": "lexical", "NEWSFLOW_PROGRESS_SECONDS": "0"}
    run = subprocess.run([str(Path(sys.executable).parent / "newsflow"), "ingest-warc", str(path),
                          "--db", str(tmp_path / "news.duckdb")], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("ingest-warc: ")]
    assert lines and "MB read" in lines[-1] and "extract 3 (" in lines[-1] and lines[-1].endswith("errors 0")
    assert "Replacing spaces" not in run.stderr
    assert "warcio: Replacing spaces in invalid WARC-Target-URI (3 records)" in run.stdout


def test_the_pipelines_own_archive_loads_its_pages_and_passes_over_the_feeds_answers(sample_db, lexical):
    """Rebuilding from the raw archive: the feeds' answers are archived beside the pages (among
    them notafeed.rss, an HTML page where a feed should be), marked as feeds, and never loaded."""
    warcs = sorted(sample_db.archive_dir.rglob("*.warc.gz"))
    feeds = set(query(sample_db.db, "SELECT url FROM feed_polls WHERE http_status = 200"))
    counts = warc_ingest.ingest(lexical, warcs).counts
    assert counts["skipped_feed"] >= len(feeds) > 0
    loaded = {u for (u,) in query(lexical.db, "SELECT url FROM articles")}
    assert not loaded & {u for (u,) in feeds}
    assert loaded <= {u for (u,) in query(sample_db.db, "SELECT url FROM articles")}


def test_an_answer_from_a_configured_feed_is_passed_over_in_any_archive(lexical, tmp_path):
    """An archive written before feed answers were marked, or another crawler's: a response from
    a feed of the feeds file is a feed's answer (here an HTML page where the feed should be)."""
    from pipeline.sources import FeedSource

    path = tmp_path / "older.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, name in (("https://news.example.org/feed.rss", "seed-1.html"),
                          ("https://news.example.org/2026/03/seed-2", "seed-2.html")):
            response(writer, url, (SITE / "articles" / name).read_bytes())
    feed = FeedSource(id="example", url="https://news.example.org/feed.rss")
    counts = warc_ingest.ingest(lexical, [path], [feed]).counts
    assert counts["skipped_feed"] == 1 and counts["pages_fetched"] == 1
    assert query(lexical.db, "SELECT url FROM articles") == [("https://news.example.org/2026/03/seed-2",)]
