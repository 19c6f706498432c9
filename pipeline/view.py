"""The figures of the Airflow UI's newsflow page (plugins/newsflow_view.py), read from the
published DuckLake: feed health, the day's on-topic articles per subtopic, and the week's closest
calls (where the classifier's mistakes gather, for an analyst to check)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from html import escape
from typing import Any

import duckdb

from pipeline import publish, relevance, report, store
from pipeline.config import Settings

#: The closest calls shown: at most REVIEW_ROWS, of the articles first seen in the REVIEW_DAYS
#: days up to the page's day.
REVIEW_DAYS = 7
REVIEW_ROWS = 10


def summary(settings: Settings, day: date | None = None) -> dict[str, Any]:
    """JSON-ready figures: {"day", "snapshot", "feeds": [...], "subtopics": [...], "review": [...]}."""
    day = day or datetime.now(UTC).date()
    with publish.read(settings) as con:
        feeds = con.execute(store.sql(settings, "report/view_feeds")).fetchall()
        topics = con.execute(store.sql(settings, "report/view_subtopics_day"), {"day": day}).fetchall()
        review = closest_calls(settings, con, day)
    names = ("feed_id", "name", "enabled", "last_success", "last_status", "failure_streak",
             "articles_per_day", "articles_total", "last_error", "disabled_at")
    return {
        "day": day.isoformat(),
        "snapshot": str(publish.where(settings)),
        "feeds": [{k: v.isoformat() if isinstance(v, datetime) else v
                   for k, v in zip(names, r, strict=True)} for r in feeds],
        "subtopics": [{"topic_id": r[0] or report.NO_TOPIC, "label": r[1] or report.NO_TOPIC_LABEL,
                       "articles": r[2]} for r in topics],
        "review_days": REVIEW_DAYS,
        "review": review,
    }


def closest_calls(settings: Settings, con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """The decisions nearest a line among the articles first seen in the REVIEW_DAYS days up to
    `day` that no analyst has corrected (sql/report/view_review.sql), each with its reason; none
    from a snapshot published before the review queue existed."""
    try:
        rows = con.execute(store.sql(settings, "report/view_review"),
                           {"day": day, "days": REVIEW_DAYS, "limit": REVIEW_ROWS}).fetchall()
    except duckdb.CatalogException:
        return []
    out = []
    for (article, title, url, source, published, on_story, score, peace, peace_score, closest,
         margin, explanation) in rows:
        ex = json.loads(explanation) if isinstance(explanation, str) else (explanation or {})
        out.append({"article_id": article, "title": title, "url": url, "source": source,
                    "published": published.isoformat() if published else None,
                    "relevant": on_story, "score": round(score, 3), "peace": peace,
                    "peace_score": None if peace_score is None or not on_story else round(peace_score, 3),
                    "closest": closest, "margin": round(margin, 3), "why": relevance.reason(ex, closest)})
    return out


PAGE_CSS = """
body { font:14px/1.45 system-ui, sans-serif; color:#1d2330; margin:20px 28px; }
h1 { font-size:20px; margin:0 0 2px; } h2 { font-size:15px; margin:22px 0 8px; }
.muted { color:#6b7280; font-size:12px; }
table { border-collapse:collapse; min-width:640px; }
th, td { text-align:left; padding:5px 10px; border-bottom:1px solid #e5e7eb; }
th { color:#6b7280; font-size:12px; text-transform:uppercase; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.bad { color:#b42318; font-weight:600; } .ok { color:#027a48; }
td.call { white-space:nowrap; }
.why { color:#6b7280; font-size:12px; max-width:520px; } code { font-size:12px; }
.bar { display:inline-block; height:10px; background:#4269d0; border-radius:2px; vertical-align:middle; }
"""


def page(figures: dict[str, Any]) -> str:
    """The HTML page of `summary`'s figures (no scripts; it is shown in an iframe)."""
    rows = []
    for f in figures["feeds"]:
        state = (f'<span class="bad">{f["failure_streak"]} failed in a row</span>' if f["failure_streak"]
                 else f'<span class="ok">{escape(f["last_status"] or "not polled")}</span>')
        if f["disabled_at"]:  # not polled again until an operator says so
            state += (f'<div class="bad">disabled since {escape(f["disabled_at"][:16].replace("T", " "))}: '
                      f'<code>newsflow enable-feed {escape(f["feed_id"])}</code></div>')
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
    calls = "".join(
        f'<tr><td>{report.link(c["title"], c["url"], new_tab=True)}<div class="why">{escape(c["why"])}</div>'
        f'<div class="muted"><code>{escape(c["article_id"])}</code></div></td>'
        f'<td>{escape(c["source"] or "")}</td>'
        f'<td class="call">{_call(c["relevant"], c["score"])}</td>'
        f'<td class="call">{_call(c["peace"], c["peace_score"])}</td>'
        f'<td>{escape(c["closest"])}</td></tr>'
        for c in figures["review"]) or '<tr><td colspan="5" class="muted">nothing to check</td></tr>'
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>newsflow</title>
<style>{PAGE_CSS}</style></head><body>
<h1>newsflow</h1><div class="muted">from {escape(figures["snapshot"])}</div>
<h2>On-topic articles first seen on {escape(figures["day"])}, by subtopic</h2>
<table><thead><tr><th>Subtopic</th><th>Articles</th><th></th></tr></thead><tbody>{topics}</tbody></table>
<h2>Closest calls: articles first seen in the {figures["review_days"]} days to {escape(figures["day"])}</h2>
<div class="muted">The decisions nearest their line, where the classifier's mistakes gather. Correct one
with <code>newsflow label ARTICLE --relevant yes|no [--peace yes|no]</code>; <code>newsflow review</code>
lists them all.</div>
<table><thead><tr><th>Article</th><th>Source</th><th>On the story</th><th>Peace</th><th>Closest call</th></tr>
</thead><tbody>{calls}</tbody></table>
<h2>Feed health</h2>
<table><thead><tr><th>Feed</th><th>State</th><th>Last success (UTC)</th><th>Articles/day (7 d)</th>
<th>Articles</th><th>Last error</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</body></html>"""


def _call(decision: bool, score: float | None) -> str:
    """A decision and its score ("yes 0.53"); nothing where there is no score."""
    return "" if score is None else f"{'yes' if decision else 'no'} {score:.2f}"
