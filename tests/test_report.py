"""The HTML report (pipeline/report.py) of the sample, rendered in headless Chromium."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import publish, report
from pipeline.cli import app

CHROMIUM = Path("/usr/bin/chromium")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is needed to check the report renders: "
                    "apt-get install -y chromium (.ci/run does this)")
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=120, check=True)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and pixels (bytes per pixel) of an 8-bit non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6) and body[12] == 0
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    pixels = [bytes(r[i:i + bpp]) for r in rows for i in range(0, stride, bpp)]
    return width, height, pixels


@pytest.fixture(scope="module")
def report_file(sample_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    env = {"NEWSFLOW_LAKE_CATALOG": str(publish.where(sample_db))}
    result = CliRunner().invoke(app, ["report", "--db", str(sample_db.db), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out


def test_the_report_is_one_self_contained_file_with_the_figures(report_file):
    html = report_file.read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|src=|@import|url\(", html)  # nothing to fetch, nothing to run
    assert re.search(r"<b>19</b><span>articles</span>", html)
    assert re.search(r"<b>7</b><span>on topic</span>", html)
    assert html.count('class="bar" data-topic=') == 7  # one stacked block per on-topic day and subtopic
    assert html.count("<tr><td class=\"num\">") == 7  # seven top stories
    latest = html.split('id="latest"')[1]
    assert latest.count("<tr><td") == 7 and "/articles/ontopic-drones.html" in latest


def test_the_report_renders_in_headless_chromium_with_its_charts(report_file, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", report_file.as_uri()).stdout
    for chart in ("chart-subtopics", "chart-share", "chart-sources"):
        assert f'id="{chart}"' in dom
    assert dom.count("<rect") >= 7 + 4 * 2 and "<polyline" in dom
    assert "Russia pounds Ukraine" in dom  # the top story's link
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1200,1500", f"--screenshot={shot}", report_file.as_uri())
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1500)
    colours = set(pixels)
    assert len(colours) > 50, "the screenshot is blank"
    # the subtopic palette's colours are painted (the bars), not only text on a background
    painted = {bytes(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in ("#4269d0", "#ff725c", "#3ca951")}
    assert painted <= {p[:3] for p in colours}


def test_report_from_a_missing_snapshot_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "none.duckdb"),
                                      "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "no snapshot published yet" in result.output


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "/relative", "", None])
def test_a_title_links_only_to_a_web_address(url):
    assert report.link("Kyiv <talks>", url) == "Kyiv &lt;talks&gt;"


def test_a_link_escapes_its_address_and_opens_a_new_tab_only_when_asked():
    url = 'https://example.org/a?b=1&c="x"'
    assert report.link(None, url) == '<a href="https://example.org/a?b=1&amp;c=&quot;x&quot;">(untitled)</a>'
    assert report.link("T", "HTTPS://example.org/", new_tab=True) == (
        '<a href="HTTPS://example.org/" target="_blank" rel="noopener noreferrer">T</a>')
