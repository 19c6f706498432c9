"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, nothing fetched).

`collect` reads the report_* views of the published snapshot into a `ReportData`; `render` turns
that into HTML and is pure; `write_report` does both and writes the file atomically. The charts
are drawn here as SVG so the page opens anywhere, from a mail attachment as well as a browser.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from pipeline import publish, store
from pipeline.config import Settings

#: Colours of the subtopics, in topic-id order (a colour-blind-safe qualitative palette).
PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5",
           "#9c6b4e", "#9498a0")
#: Over more days than this the time charts count per week instead of per day.
MAX_DAILY_BARS = 62

W, H = 760, 250           # size of a time chart
PAD_L, PAD_R, PAD_B, PAD_T = 40, 24, 28, 12
#: The share chart counts per week once the period is longer than this many days.
MAX_DAILY_SHARE = 21


#: Where on-topic articles with no primary subtopic are counted: an analyst's correction puts an
#: article on the story that the model scored no subtopic for, and the model itself may find
#: one on the story with every subtopic below its line.
NO_TOPIC, NO_TOPIC_LABEL, NO_TOPIC_COLOUR = "none", "No subtopic", "#999"


@dataclass
class ReportData:
    since: date | None
    generated_at: datetime
    topics: list[tuple[str, str]]                                 # (topic_id, label)
    subtopics: list[tuple[date, str, str, int]]                   # (day, topic_id, label, articles)
    sources: list[tuple[str, int, int]]                           # (source, articles, on_topic)
    share: list[tuple[date, int, int]]                            # (day, articles, on_topic)
    stories: list[tuple[Any, ...]] = field(default_factory=list)  # report_stories.sql rows
    latest: list[tuple[Any, ...]] = field(default_factory=list)   # report_latest.sql rows


def collect(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None) -> ReportData:
    def rows(name: str) -> list[tuple[Any, ...]]:
        return con.execute(store.sql(settings, f"report/{name}"), {"since": since}).fetchall()

    return ReportData(
        since=since, generated_at=datetime.now(UTC),
        topics=[(r[0], r[1]) for r in con.execute(store.sql(settings, "report/report_topics")).fetchall()],
        subtopics=[(r[0], r[1] or NO_TOPIC, r[2] or NO_TOPIC_LABEL, r[3]) for r in rows("report_subtopics")],
        sources=[(r[0], int(r[1]), int(r[2])) for r in rows("report_sources")],
        share=[(r[0], r[1], r[2]) for r in rows("report_share")],
        stories=rows("report_stories"), latest=rows("report_latest"))


def write_report(settings: Settings, out: Path, since: date | None = None) -> Path:
    """Render the report of the published snapshot to `out` (written whole or not at all)."""
    with publish.read(settings) as con:
        data = collect(con, settings, since)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.write_text(render(data), encoding="utf-8")
    os.replace(temp, out)
    return out


# -- rendering -----------------------------------------------------------------------------------

def bucket(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day


def _buckets(days: list[date], weekly: bool) -> list[date]:
    """Every day (or Monday) from the first to the last, gaps included, so time reads evenly."""
    if not days:
        return []
    step = timedelta(days=7 if weekly else 1)
    first, last = bucket(min(days), weekly), bucket(max(days), weekly)
    out = []
    while first <= last:
        out.append(first)
        first += step
    return out


def _nice_max(value: float) -> float:
    """The axis top: a round count divisible by 4, so the five ticks are whole numbers."""
    for m in (4, 8, 12, 16, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 10000, 20000):
        if value <= m:
            return float(m)
    return float(-(-value // 4000) * 4000)


def _axis(max_value: float, fmt: str = "{:g}") -> str:
    ticks = []
    for i in range(5):
        v = max_value * i / 4
        y = H - PAD_B - (H - PAD_B - PAD_T) * i / 4
        ticks.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{fmt.format(v)}</text>')
    return "".join(ticks)


def _x_labels(buckets: list[date], x_of: Any) -> str:
    every = max(1, len(buckets) // 8)
    return "".join(f'<text class="tick" x="{x_of(i):.1f}" y="{H - 8}" text-anchor="middle">'
                   f'{b:%d %b}</text>' for i, b in enumerate(buckets) if i % every == 0)


def subtopic_chart(data: ReportData, colours: dict[str, str]) -> str:
    """Stacked bars: on-topic articles per day (or week) and primary subtopic."""
    days = [d for d, *_ in data.subtopics]
    weekly = bool(days) and (max(days) - min(days)).days > MAX_DAILY_BARS
    buckets = _buckets(days, weekly)
    if not buckets:
        return '<p class="empty">No on-topic articles in this period.</p>'
    stacks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, topic, _label, n in data.subtopics:
        stacks[bucket(day, weekly)][topic] += n
    top = _nice_max(max(sum(s.values()) for s in stacks.values()))
    slot = (W - PAD_L - PAD_R) / len(buckets)
    bar = max(2.0, slot * 0.7)
    scale = (H - PAD_B - PAD_T) / top
    parts = [_axis(top)]
    for i, b in enumerate(buckets):
        y = float(H - PAD_B)
        for topic, n in sorted(stacks.get(b, {}).items()):
            h = n * scale
            y -= h
            x = PAD_L + i * slot + (slot - bar) / 2
            fill = colours.get(topic, NO_TOPIC_COLOUR)
            parts.append(f'<rect class="bar" data-topic="{escape(topic)}" x="{x:.1f}" y="{y:.1f}"'
                         f' width="{bar:.1f}" height="{h:.1f}" fill="{fill}">'
                         f'<title>{b:%Y-%m-%d} {escape(topic)}: {n}</title></rect>')
    parts.append(_x_labels(buckets, lambda i: PAD_L + (i + 0.5) * slot))
    shown = [*data.topics, (NO_TOPIC, NO_TOPIC_LABEL)]
    legend = "".join(f'<span class="key"><i style="background:{colours.get(t, NO_TOPIC_COLOUR)}"></i>'
                     f'{escape(label)}</span>'
                     for t, label in shown if any(s[1] == t for s in data.subtopics))
    unit = "week" if weekly else "day"
    return (f'<svg class="chart" id="chart-subtopics" viewBox="0 0 {W} {H}" role="img" '
            f'aria-label="On-topic articles per {unit} and subtopic">{"".join(parts)}</svg>'
            f'<div class="legend">{legend}</div>')


def share_chart(data: ReportData) -> str:
    """A line of the on-topic share per day (or week), over bars of all articles."""
    days = [d for d, *_ in data.share]
    # a day's share swings between 0 and 100 % when a day has one or two articles: weeks read better
    weekly = bool(days) and (max(days) - min(days)).days > MAX_DAILY_SHARE
    buckets = _buckets(days, weekly)
    if not buckets:
        return '<p class="empty">No articles in this period.</p>'
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, n, on in data.share:
        totals[bucket(day, weekly)][0] += n
        totals[bucket(day, weekly)][1] += on
    slot = (W - PAD_L - PAD_R) / len(buckets)
    span = H - PAD_B - PAD_T
    most = max(t[0] for t in totals.values())
    parts = [_axis(1.0, "{:.0%}")]
    points = []
    for i, b in enumerate(buckets):
        x = PAD_L + (i + 0.5) * slot
        n, on = totals.get(b, [0, 0])
        if n:
            h = span * 0.35 * n / most  # volume, faint, in the lower third
            parts.append(f'<rect class="volume" x="{x - slot * 0.35:.1f}" y="{H - PAD_B - h:.1f}" '
                         f'width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{b:%Y-%m-%d}: {n} articles'
                         f'</title></rect>')
            points.append((x, H - PAD_B - span * on / n, b, on, n))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, *_ in points)
    area = f"{points[0][0]:.1f},{H - PAD_B} {line} {points[-1][0]:.1f},{H - PAD_B}"
    parts.append(f'<polygon class="share-area" points="{area}"/>')
    parts.append(f'<polyline class="share" points="{line}"/>')
    parts += [f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{b:%Y-%m-%d}: {on} of {n} '
              f'on topic</title></circle>' for x, y, b, on, n in points]
    parts.append(_x_labels(buckets, lambda i: PAD_L + (i + 0.5) * slot))
    return (f'<svg class="chart" id="chart-share" viewBox="0 0 {W} {H}" role="img" '
            f'aria-label="Share of articles on topic">{"".join(parts)}</svg>')


def sources_chart(data: ReportData) -> str:
    """Horizontal bars per source: all articles, and the on-topic part of them."""
    if not data.sources:
        return '<p class="empty">No articles in this period.</p>'
    row, label_w, width = 28, 170, 520
    most = max(n for _, n, _ in data.sources)
    height = row * len(data.sources) + 6
    parts = []
    for i, (source, n, on) in enumerate(data.sources):
        y = 4 + i * row
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(source[:28])}</text>'
                     f'<rect class="all" x="{label_w}" y="{y}" width="{width * n / most:.1f}" height="19">'
                     f'<title>{escape(source)}: {n} articles</title></rect>'
                     f'<rect class="on" x="{label_w}" y="{y}" width="{width * on / most:.1f}" height="19">'
                     f'<title>{escape(source)}: {on} on topic</title></rect>'
                     f'<text class="value" x="{label_w + width * n / most + 6:.1f}" y="{y + 15}">'
                     f'{on} / {n}</text>')
    return (f'<svg class="chart" id="chart-sources" viewBox="0 0 {W} {height}" '
            f'role="img" aria-label="Articles per source">{"".join(parts)}</svg>'
            '<div class="legend"><span class="key"><i class="on"></i>on topic</span>'
            '<span class="key"><i class="all"></i>all articles</span></div>')


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "–"


def link(title: str | None, url: str | None, *, new_tab: bool = False) -> str:
    """`title` as a link to `url` when that is a web address; any other address (`javascript:`,
    `data:`, a relative path) leaves the title as plain text. `new_tab` opens it in a new tab, for
    pages shown inside a frame (the Airflow view)."""
    text = escape(title or "(untitled)")
    if not (url and url.lower().startswith(("http://", "https://"))):
        return text
    target = ' target="_blank" rel="noopener noreferrer"' if new_tab else ""
    return f'<a href="{escape(url, quote=True)}"{target}>{text}</a>'


def stories_table(data: ReportData) -> str:
    if not data.stories:
        return '<p class="empty">No on-topic stories in this period.</p>'
    body = "".join(
        f'<tr><td class="num">{i}</td><td>{link(title, url)}<div class="sub">{escape(topic or "")}'
        f'</div></td><td class="num">{articles}</td><td class="num">{sources}</td>'
        f'<td class="when">{_when(first)}</td><td class="when">{_when(last)}</td></tr>'
        for i, (title, url, articles, sources, first, last, topic) in enumerate(data.stories, 1))
    return ('<table id="top-stories"><thead><tr><th>#</th><th>Story</th><th>Articles</th><th>Sources</th>'
            f'<th>First</th><th>Latest</th></tr></thead><tbody>{body}</tbody></table>')


def latest_table(data: ReportData) -> str:
    if not data.latest:
        return '<p class="empty">No on-topic articles in this period.</p>'
    body = "".join(
        f'<tr><td class="when">{_when(published)}</td><td>{escape(source or "")}</td>'
        f'<td>{escape(topic or "")}</td><td>{link(title, url)}</td>'
        f'<td class="num">{relevance:.2f}</td></tr>'
        for published, source, topic, title, url, relevance in data.latest)
    return ('<table id="latest"><thead><tr><th>Published</th><th>Source</th><th>Subtopic</th>'
            f'<th>Article</th><th>Score</th></tr></thead><tbody>{body}</tbody></table>')


CSS = """
:root { --ink:#1d2330; --muted:#6b7280; --line:#e5e7eb; --accent:#4269d0; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { background:#1d2330; color:#fff; padding:22px 32px 18px; }
header h1 { margin:0; font-size:22px; font-weight:650; letter-spacing:.2px; }
header p { margin:4px 0 0; color:#c7cbd4; font-size:13px; }
main { max-width:1100px; margin:0 auto; padding:20px 24px 40px; }
.cards { display:grid; grid-template-columns:repeat(4, 1fr); gap:14px; margin-bottom:18px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.card b { display:block; font-size:26px; font-weight:650; }
.card span { color:var(--muted); font-size:13px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:16px 20px;
          margin-bottom:18px; }
section h2 { margin:0 0 10px; font-size:16px; font-weight:650; }
svg.chart { width:100%; height:auto; display:block; }
.grid { stroke:var(--line); stroke-width:1; }
.tick { fill:var(--muted); font-size:11px; }
.label { fill:var(--ink); font-size:13px; }
.value { fill:var(--muted); font-size:12px; }
rect.all { fill:#cfd6e4; } rect.on { fill:var(--accent); }
rect.volume { fill:#e8ebf1; }
.share { fill:none; stroke:var(--accent); stroke-width:2.5; }
.share-area { fill:var(--accent); opacity:.12; }
.dot { fill:#fff; stroke:var(--accent); stroke-width:2; }
.legend { margin-top:8px; font-size:12px; color:var(--muted); }
.key { display:inline-flex; align-items:center; margin:2px 14px 2px 0; }
.key i { width:11px; height:11px; border-radius:2px; margin-right:6px; display:inline-block; }
.key i.on { background:var(--accent); } .key i.all { background:#cfd6e4; }
table { width:100%; border-collapse:collapse; font-size:13.5px; }
th { text-align:left; color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase;
     letter-spacing:.4px; border-bottom:1px solid var(--line); padding:6px 8px; }
td { border-bottom:1px solid var(--line); padding:7px 8px; vertical-align:top; }
tr:last-child td { border-bottom:0; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.when { white-space:nowrap; color:var(--muted); font-variant-numeric:tabular-nums; }
.sub { color:var(--muted); font-size:12px; }
a { color:#1f4fbf; text-decoration:none; } a:hover { text-decoration:underline; }
.empty { color:var(--muted); font-style:italic; }
footer { color:var(--muted); font-size:12px; text-align:center; padding-bottom:24px; }
"""


def render(data: ReportData) -> str:
    """The whole page."""
    colours = {t: PALETTE[i % len(PALETTE)] for i, (t, _label) in enumerate(data.topics)}
    articles = sum(n for _, n, _ in data.share)
    on_topic = sum(on for _, _, on in data.share)
    days = [d for d, *_ in data.share]
    period = (f"{min(days):%d %b %Y} – {max(days):%d %b %Y}" if days else "no articles yet")
    scope = f"since {data.since:%d %b %Y}" if data.since else "all articles"
    cards = [(f"{articles:,}", "articles"), (f"{on_topic:,}", "on topic"),
             (f"{on_topic / articles:.0%}" if articles else "–", "on-topic share"),
             (f"{len(data.sources)}", "sources")]
    cards_html = "".join(f'<div class="card"><b>{v}</b><span>{k}</span></div>' for v, k in cards)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsflow report — Russia–Ukraine war coverage</title>
<style>{CSS}</style></head>
<body>
<header><h1>Russia–Ukraine war coverage</h1>
<p>newsflow report · {escape(scope)} · published {escape(period)} ·
generated {data.generated_at:%Y-%m-%d %H:%M} UTC</p></header>
<main>
<div class="cards">{cards_html}</div>
<section><h2>On-topic articles by subtopic</h2>{subtopic_chart(data, colours)}</section>
<section><h2>Share of articles on topic</h2>{share_chart(data)}</section>
<section><h2>Articles per source</h2>{sources_chart(data)}</section>
<section><h2>Top stories</h2>{stories_table(data)}</section>
<section><h2>Latest on-topic articles</h2>{latest_table(data)}</section>
</main>
<footer>Figures from the report_* views of the newsflow snapshot; subtopic counts use each
article's primary subtopic.</footer>
</body></html>
"""
