"""An external WARC file (a CC-NEWS file, another crawler's archive) as a source of articles.

The file is streamed record by record (warcio): its HTML `response` records become pages that
go through the same extract -> classify -> load stages as fetched pages, streamed through the
worker processes and loaded `load_rows` articles at a time, so memory stays flat whatever the
file's size. Articles from a WARC file have no feed
(`feed_id` NULL); the run that loaded them (`last_run_id`) is recorded with the trigger
`warc:<file name>`. Records that are not usable pages (requests, metadata, redirects, errors,
images, PDFs, the feeds' answers in this pipeline's own archive) are counted and passed over; a
record that cannot be read, or a truncated or corrupt file, is recorded in `errors` with the
file and the record's offset, and what was read before it is loaded.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pyarrow.compute as pc
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from pipeline import archive, progress, publish, stages, store, workers
from pipeline import run as chain
from pipeline.classify import Classifier, default_classifier
from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.models import Page, PageTask, Problem
from pipeline.sources import FeedSource
from pipeline.urls import article_id, is_http_url, normalise_url

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that is not an article page, and why (a count, not an error)."""

    reason: str  # not_response | feed | not_http_url | http_status | not_html


Item = Page | Skipped | Problem


def read_records(stream: IO[bytes], source: str, max_bytes: int,
                 feed_urls: frozenset[str] = frozenset()) -> Iterator[Item]:
    """Pages from the HTML responses of a WARC stream, in file order; `source` names the file in
    errors. A response this pipeline's archive marks as a feed's, or from one of `feed_urls` (an
    archive written before the mark, or another crawler's), is a feed's answer, passed over. A
    read failure ends the stream with one Problem."""
    records = ArchiveIterator(stream)
    offset, read = 0, 0
    try:
        for record in records:
            read += 1
            try:
                item = _page(record, source, max_bytes, feed_urls)
            except ValueError as exc:  # this record's own fields: the next record is read all the same
                target = record.rec_headers.get_header("WARC-Target-URI") or f"{source}#{offset}"
                item = Problem("ingest", target[:2000], "parse_error",
                               f"unreadable record: {type(exc).__name__}: {exc}"[:400])
            # warcio knows a record's offset once the record is read to its end
            offset = records.get_record_offset()
            if isinstance(item, Problem):
                item = Problem(item.stage, item.target, item.error_class,
                               f"{source}#{offset}: {item.message}")
            yield item
    except ArchiveLoadFailed as exc:
        # warcio's message quotes the first line, which in a binary file is noise
        why = ("not a WARC file: it does not begin with a WARC record" if not read else
               f"unreadable WARC record after offset {offset}: {str(exc).split(', first line')[0]}")
        yield Problem("ingest", f"{source}#{offset}", "parse_error", f"{source}: {why}"[:500])
        return
    except Exception as exc:  # noqa: BLE001 - zlib, and warcio's own slips on cut headers
        yield Problem("ingest", f"{source}#{offset}", "parse_error",
                      f"{source}: unreadable WARC record after offset {offset}: "
                      f"{type(exc).__name__}: {exc}"[:500])
        return
    # warcio ends quietly where a gzip member is cut off before its record's headers: what is
    # left after the last whole record is that record, lost
    end = records.offset if read else 0  # past the last record and its closing blank lines
    try:
        size = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # not a file (BytesIO): nothing to compare with
        size = end
    if not read and not size:
        yield Problem("ingest", source, "parse_error", f"{source}: an empty file, no WARC record in it")
    elif end < size:
        yield Problem("ingest", f"{source}#{end}", "parse_error",
                      f"{source}: the file ends inside a record after offset {end} "
                      f"({size - end} bytes of it, unreadable)")


def _page(record: ArcWarcRecord, source: str, max_bytes: int, feed_urls: frozenset[str]) -> Item:
    if record.format.startswith("arc") and not (record.rec_headers.get_header("length") or "").isdigit():
        # warcio reads any first line of five words as an old ARC header: text, not an archive
        raise ValueError("not a WARC or ARC record (an ARC header line with no length)")
    if record.rec_type != "response":
        return Skipped("not_response")
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    if not is_http_url(url) or record.http_headers is None:
        return Skipped("not_http_url")
    normalised = normalise_url(url)
    if record.rec_headers.get_header(archive.KIND_HEADER) == "feed" or normalised in feed_urls:
        return Skipped("feed")
    status = int(record.http_headers.get_statuscode() or 0)
    if status != 200:
        return Skipped("http_status")
    content_type = record.http_headers.get_header("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return Skipped("not_html")
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return Problem("ingest", url, "too_large",
                       f"body larger than {max_bytes} bytes: refused")
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:  # the file ends inside this record
        return Problem("ingest", url, "parse_error",
                       f"record truncated: {missing} of its {record.length} bytes are missing")
    task = PageTask(article_id=article_id(url), url=normalised, link=url, feed_id=None)
    return Page(task=task, fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
                final_url=url, http_status=status, content_type=content_type or None,
                size_bytes=len(body), elapsed_ms=0.0, body=body, encoding=_charset(content_type))


def _warc_date(value: str | None) -> datetime:
    try:
        when = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def pages_of(items: Iterator[Item], counts: Counter[str], problems: list[Problem]) -> Iterator[Page]:
    """The pages of a record stream; skipped records are counted and problems collected."""
    for item in items:
        counts["warc_records"] += 1
        if isinstance(item, Skipped):
            counts[f"skipped_{item.reason}"] += 1
        elif isinstance(item, Problem):
            problems.append(item)
        else:
            yield item


def ingest(settings: Settings, paths: Sequence[Path], feeds: Sequence[FeedSource] = (), *,
           reporter: chain.Reporter | None = None,
           classifier: Classifier | None = None) -> chain.RunSummary:
    """Load the HTML responses of WARC files as articles, clustering the window of publication
    dates they cover. One run; reruns upsert the same rows. The file is read while the workers
    extract and classify what was read before it (`pipeline.stages.stream`), and what they
    finished is loaded `load_rows` articles at a time, so memory stays flat. Every
    `publish_rows` loaded articles the window loaded so far is clustered and published
    (`chain.AsYouGo`), so no publish grows with the run and readers see it progress."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"ingest-warc: no such file: {', '.join(missing)}")
    settings = chain.long_run(settings)  # DuckDB and malloc bounded: the store grows, this process not
    classifier = classifier or default_classifier(settings.classifier)
    reporter = reporter or chain.Quiet()
    trigger = "warc:" + ",".join(p.name for p in paths)
    summary = chain.RunSummary(run_id=chain.new_run_id(trigger))
    chain.begin(settings, feeds, summary.run_id, trigger[:200], classifier)
    reporter.start("MB read", max(1, round(sum(p.stat().st_size for p in paths) / 1e6)))
    for stage in ("extract", "classify"):
        reporter.start(stage, 0)
    reporter.start(progress.ERRORS, 0)
    window: list[datetime] = []  # the earliest and latest publication dates loaded so far

    def cluster() -> None:
        if window:
            with summary.timed("cluster"):
                clustered = chain.cluster_step(settings, since=min(window),
                                               until=max(window) + _MICROSECOND)
            summary.counts["stories"] = clustered["stories"]
            summary.stories_of = f"published {min(window):%Y-%m-%d} to {max(window):%Y-%m-%d}"

    publisher = chain.AsYouGo(settings, summary, cluster)
    load_rows = min(settings.load_rows, settings.publish_rows)

    def load(worked: stages.Worked) -> None:
        result = chain.worked_to_batch(settings, worked, summary.run_id, classifier)
        with summary.timed("load"):
            chain.load_step(settings, result)
        summary.counts.update(result.counts)
        summary.add_seconds(result.stage_seconds)
        window[:] = [*window, *_published_range(result)]
        if window:
            window[:] = [min(window), max(window)]
        publisher.loaded(result.tables["articles"].num_rows)

    feed_urls = frozenset(normalise_url(f.url) for f in feeds)
    files_mb, read_mb = 0.0, 0  # MB of the files read before this one; MB reported so far
    with chain.recorded(settings, summary), progress.counted_warnings("warcio") as warnings:
        for path in paths:
            problems: list[Problem] = []
            with path.open("rb") as stream:
                pages = pages_of(read_records(stream, path.name, settings.max_page_bytes, feed_urls),
                                 summary.counts, problems)
                done = stages.Worked()
                for part in stages.stream(pages, classifier,
                                          processes=workers.count(settings.extract_workers),
                                          timeout=settings.extract_timeout):
                    done.add(part)
                    for stage in ("extract", "classify"):
                        reporter.advance(stage, len(part.pages))
                    reporter.advance(progress.ERRORS, len(part.problems))
                    now_mb = round(files_mb + stream.tell() / 1e6)
                    reporter.advance("MB read", now_mb - read_mb)
                    read_mb = now_mb
                    if len(done.articles) >= load_rows:
                        load(done)
                        done = stages.Worked()
                if done.pages:
                    load(done)
            files_mb += path.stat().st_size / 1e6
            reporter.advance("MB read", round(files_mb) - read_mb)
            read_mb = round(files_mb)
            reporter.advance(progress.ERRORS, len(problems))
            if problems:  # bad records are few: they load once, after the file
                tables = store.batch_tables(summary.run_id, articles=[], classifications=[],
                                            problems=problems)
                chain.load_step(settings, chain.BatchResult(tables, Counter(), {}))
                summary.counts["warc_errors"] += len(problems)
                more = f" (and {len(problems) - 1} more records like it)" if len(problems) > 1 else ""
                summary.problems.append(problems[0].message + more)
        if publisher.unpublished:
            cluster()  # what the last publish has not carried, published below
        # warcio warns once per odd record (a space in a target URI): counted, not printed
        summary.counts.update({f"warcio: {kind}": n for kind, n in warnings.items()})
        if summary.counts["warc_records"] == summary.counts["warc_errors"]:  # nothing to load
            summary.status = "failed"
            summary.error = "no record of the given files could be read (recorded in the errors table)"
    with summary.timed("publish"):
        publish.publish(settings)  # readers get the rest: the last snapshot and search index
    summary.counts["publishes"] += 1
    return summary


_MICROSECOND = datetime.resolution


def _published_range(result: chain.BatchResult) -> list[datetime]:
    published = result.tables["articles"]["published_at"]
    if published.null_count == len(published):
        return []
    bounds = pc.min_max(published)
    return [bounds["min"].as_py(), bounds["max"].as_py()]
