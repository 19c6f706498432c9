"""The raw archive: every fetched response, with its request, in gzip WARC files (warcio).

Files live under `Settings.archive_dir` in `YYYY/MM/DD/` folders and are named by time, process
id and a random part, and a writer is closed and a new file started past `archive_max_bytes`.
Each writer owns its files (opened with O_EXCL), so processes writing at once — Airflow's
mapped tasks — never share one. Each record is its own gzip member: a record is read back from
its (file, offset) alone, which is what `articles.warc_file` / `warc_offset` point at.

Bodies are stored decoded (without Content-Encoding); the headers say so: the transferred
encoding is kept as `X-Newsflow-Content-Encoding` and Content-Length is the stored length.
"""

from __future__ import annotations

import io
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.config import Settings

#: Headers that describe the transfer, not the stored body.
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass(frozen=True, slots=True)
class Pointer:
    """Where a response record is: a file relative to archive_dir, its offset and length."""

    warc_file: str
    offset: int
    length: int


#: The WARC header that marks a response record as a feed's answer (written by the poll stage).
KIND_HEADER = "Newsflow-Kind"


class ArchiveWriter:
    """Appends request/response record pairs to this writer's own WARC files (thread-safe)."""

    def __init__(self, settings: Settings, *, feeds: bool = False) -> None:
        self.root = settings.archive_dir
        self.feeds = feeds
        self.max_bytes = settings.archive_max_bytes
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._rel = ""
        self._seq = 0
        self._token = f"{os.getpid()}-{secrets.token_hex(4)}"

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = self._writer = None

    def _open(self) -> tuple[BinaryIO, WARCWriter]:
        if self._file is not None and self._writer is not None and self._file.tell() < self.max_bytes:
            return self._file, self._writer
        if self._file is not None:
            self._file.close()
        now = datetime.now(UTC)
        self._seq += 1
        rel = f"{now:%Y/%m/%d}/newsflow-{now:%Y%m%dT%H%M%S}-{self._token}-{self._seq:05d}.warc.gz"
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "xb")  # noqa: SIM115 - kept open across records, closed in close()
        self._writer = WARCWriter(self._file, gzip=True)
        self._rel = rel
        return self._file, self._writer

    def write(self, url: str, *, status: int, reason: str, headers: Iterable[tuple[str, str]],
              body: bytes, request_headers: Iterable[tuple[str, str]]) -> Pointer:
        """Write a response record and its request record; returns the response's pointer."""
        stored: list[tuple[str, str]] = []
        for name, value in headers:
            low = name.lower()
            if low == "content-encoding":
                stored.append(("X-Newsflow-Content-Encoding", value))
            elif low not in TRANSFER_HEADERS:
                stored.append((name, value))
        stored.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason or 'OK'}".strip(), stored, protocol="HTTP/1.1")
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc), *[
            (k, v) for k, v in request_headers if k.lower() != "host"]], is_http_request=True)
        with self._lock:
            file, writer = self._open()
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                 http_headers=http)
            if self.feeds:  # a feed's answer, not a page: `ingest-warc` of this archive passes it over
                response.rec_headers.add_header(KIND_HEADER, "feed")
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                http_headers=req)
            request.rec_headers.add_header("WARC-Concurrent-To",
                                           response.rec_headers.get_header("WARC-Record-ID"))
            offset = file.tell()
            writer.write_record(response)
            length = file.tell() - offset
            writer.write_record(request)
            file.flush()
            return Pointer(self._rel, offset, length)


def read_response(settings: Settings, warc_file: str,
                  offset: int) -> tuple[str, int, list[tuple[str, str]], bytes]:
    """(url, status, headers, body) of the response record at `offset` of `warc_file`."""
    path = (settings.archive_dir / warc_file).resolve()
    if settings.archive_dir.resolve() not in path.parents:
        raise ValueError(f"{warc_file}: not inside the archive {settings.archive_dir}")
    with open(path, "rb") as f:
        f.seek(offset)
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                raise ValueError(f"{warc_file}@{offset}: a {record.rec_type} record, not a response")
            url = record.rec_headers.get_header("WARC-Target-URI")
            status = int(record.http_headers.get_statuscode())
            headers = list(record.http_headers.headers)
            return url, status, headers, record.content_stream().read()
    raise ValueError(f"{warc_file}@{offset}: no WARC record there")


def files(settings: Settings) -> list[Path]:
    """Every WARC file of the archive, oldest first."""
    return sorted(Path(settings.archive_dir).glob("*/*/*/*.warc.gz"))
