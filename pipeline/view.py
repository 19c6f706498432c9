"""The figures of the Airflow UI's newsflow page (plugins/newsflow_view.py), read from the
published DuckLake: feed health and the day's on-topic articles per subtopic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape
from typing import Any

from pipeline import publish, store
from pipeline.config import Settings


def summary(settings: Settings, day: date | None = None) -> dict[str, Any]:
    """JSON-ready figures: {"day", "snapshot", "feeds": [...], "subtopics": [...]}."""
    day = day or datetime.now(UTC).date()
    with publish.read(settings) as con:
        feeds = con.execute(store.sql(settings, "report/view_feeds")).fetchall()
        topics = con.execute(store.sql(settings, "report/view_subtopics_day"), {"day": day}).fetchall()
    names = ("feed_id", "name", "enabled", "last_success", "last_status", "failure_streak",
             "articles_per_day", "articles_total", "last_error")
    return {
        "day": day.isoformat(),
        "snapshot": str(publish.where(settings)),
        "feeds": [{k: v.isoformat() if isinstance(v, datetime) else v
                   for k, v in zip(names, r, strict=True)} for r in feeds],
        "subtopics": [{"topic_id": r[0], "label": r[1], "articles": r[2]} for r in topics],
    }


PAGE_CSS = """
body { font:14px/1.45 system-ui, sans-serif; color:#1d2330; margin:20px 28px; }
h1 { font-size:20px; margin:0 0 2px; } h2 { font-size:15px; margin:22px 0 8px; }
.muted { color:#6b7280; font-size:12px; }
table { border-collapse:collapse; min-width:640px; }
th, td { text-align:left; padding:5px 10px; border-bottom:1px solid #e5e7eb; }
th { color:#6b7280; font-size:12px; text-transform:uppercase; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.bad { color:#b42318; font-weight:600; } .ok { color:#027a48; }
.bar { display:inline-block; height:10px; background:#4269d0; border-radius:2px; vertical-align:middle; }
"""


def page(figures: dict[str, Any]) -> str:
    """The HTML page of `summary`'s figures (no scripts; it is shown in an iframe)."""
    rows = []
    for f in figures["feeds"]:
        state = (f'<span class="bad">{f["failure_streak"]} failed in a row</span>' if f["failure_streak"]
                 else f'<span class="ok">{escape(f["last_status"] or "not polled")}</span>')
        rows.append(f'<tr><td>{escape(f["feed_id"])}</td><td>{state}</td>'
                    f'<td>{escape((f["last_success"] or "never")[:16].replace("T", " "))}</td>'
                    f'<td class="num">{f["articles_per_day"]:.2f}</td>'
                    f'<td class="num">{f["articles_total"]}</td>'
                    f'<td class="muted">{escape(f["last_error"] or "")}</td></tr>')
    most = max((s["articles"] for s in figures["subtopics"]), default=1)
    topics = "".join(
        f'<tr><td>{escape(s["label"])}</td><td class="num">{s["articles"]}</td>'
        f'<td><span class="bar" style="width:{160 * s["articles"] / most:.0f}px"></span></td></tr>'
        for s in figures["subtopics"]) or '<tr><td colspan="3" class="muted">none yet</td></tr>'
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>newsflow</title>
<style>{PAGE_CSS}</style></head><body>
<h1>newsflow</h1><div class="muted">from {escape(figures["snapshot"])}</div>
<h2>On-topic articles first seen on {escape(figures["day"])}, by subtopic</h2>
<table><thead><tr><th>Subtopic</th><th>Articles</th><th></th></tr></thead><tbody>{topics}</tbody></table>
<h2>Feed health</h2>
<table><thead><tr><th>Feed</th><th>State</th><th>Last success (UTC)</th><th>Articles/day (7 d)</th>
<th>Articles</th><th>Last error</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</body></html>"""
