"""Story clusters kept up to date load by load: each step holds what is new, and gives the clusters
that one recomputation of the whole window gives (issue 17: a backfill's memory must not grow
with the run).

Texts are reports of the labelled set; copies are the same report in other page furniture or
lightly edited, as syndication makes them. Everything goes through a real DuckDB file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import dedup, extract, store
from pipeline import run as chain
from pipeline.models import Article
from pipeline.urls import article_id
from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent
REPORTS = [i["text"] for i in map(json.loads, (ROOT / "pipeline/topics/eval/items.jsonl")
                                  .read_text(encoding="utf-8").splitlines())
           if i["lang"] == "en" and len(i["text"].split()) > 120][:12]
DAY = datetime(2026, 2, 18, 9, tzinfo=UTC)


def copy(text: str) -> str:
    """The same report as another outlet runs it: its own furniture around the same words."""
    return f"From our wire partners.\n{text}\nFollow us for more. © B Wire."


def edited(text: str) -> str:
    """A light rewrite: a sentence cut, a few words changed, a note added."""
    sentences = text.split(". ")
    kept = sentences[:3] + sentences[4:]
    return ("Editor's note: updated with comments from Kyiv. "
            + ". ".join(kept).replace(" said", " told reporters"))


def article(name: str, text: str, published_days: float, fetched_hours: float = 0) -> Article:
    url = f"https://news.example.org/{name}"
    return Article(article_id=article_id(url), link_id=article_id(url), url=url, link=url,
                   final_url=url, feed_id=None, source_domain="news.example.org", title=name,
                   authors=(), published_at=DAY + timedelta(days=published_days), date_source="page",
                   fetched_at=DAY + timedelta(days=3, hours=fetched_hours), http_status=200,
                   content_type="text/html", size_bytes=len(text), fetch_ms=1.0, language="en",
                   site_name=None, description=None, text=text, word_count=len(text.split()),
                   content_hash=extract.content_hash(text), extraction_status="ok")


def load(settings, *articles: Article) -> None:
    """One batch through the real load, with each text's MinHash signature."""
    sigs = dedup.signatures([a.text or "" for a in articles])
    signatures = [(a.article_id, a.content_hash, s) for a, s in zip(articles, sigs, strict=True)]
    with store.open_db(settings) as con:
        store.load_batch(con, settings, store.batch_tables("test", articles=list(articles),
                                                           classifications=[], problems=[],
                                                           signatures=signatures))


def clusters(settings) -> dict[str, tuple[str, float, bool]]:
    """article name -> (its representative's name, similarity, is representative)."""
    rows = query(settings.db, """
        SELECT a.title, r.title, s.similarity, s.is_representative
        FROM story_clusters s JOIN articles a USING (article_id)
        JOIN articles r ON r.article_id = s.cluster_id""")
    return {name: (rep, sim, is_rep) for name, rep, sim, is_rep in rows}


def fresh(settings) -> list[str]:
    """The names of the texts the next step would cluster afresh."""
    with store.open_db(settings) as con:
        store.cluster_scope(con, settings, None, None)
        ids = [row[0] for row in store.cluster_fresh(con, settings)]
    rows = query(settings.db, "SELECT title FROM articles WHERE list_contains(?, article_id)", [ids])
    return sorted(r[0] for r in rows)


def test_the_reports_are_long_and_distinct():
    assert len(REPORTS) == 12
    sigs = [dedup._minhash(s) for s in dedup.signatures(REPORTS)]
    assert max(sigs[i].jaccard(sigs[j]) for i in range(12) for j in range(i)) < 0.2


def test_clusters_grown_load_by_load_are_those_of_one_recomputation(settings):
    load(settings, *(article(f"report-{i}", REPORTS[i], i / 10) for i in range(8)))
    chain.cluster_step(settings)
    # copies arrive: one of report 1 published before it, so it represents that story now
    load(settings, article("copy-0", copy(REPORTS[0]), 2), article("early-copy-1", copy(REPORTS[1]), -1),
         article("report-8", REPORTS[8], 1))
    chain.cluster_step(settings)
    load(settings, article("edit-2", edited(REPORTS[2]), 3),
         article("edit-of-copy-0", edited(copy(REPORTS[0])), 3), article("report-9", REPORTS[9], 1))
    chain.cluster_step(settings)
    # the early copy of report 1 is fetched again and is now another report: it leaves the story
    load(settings, article("early-copy-1", REPORTS[10], -1, fetched_hours=5))
    chain.cluster_step(settings)

    grown = clusters(settings)
    assert grown["copy-0"][0] == grown["edit-of-copy-0"][0] == "report-0"
    assert grown["edit-2"][0] == "report-2" and grown["edit-2"][1] > 0.5
    assert grown["report-1"] == ("report-1", 1.0, True)
    assert grown["early-copy-1"] == ("early-copy-1", 1.0, True)
    assert len({rep for rep, _, _ in grown.values()}) == 11  # reports 0-10, one story each

    chain.cluster_step(settings, full=True)
    assert clusters(settings) == grown


def test_a_late_copy_published_earlier_becomes_the_representative(settings):
    load(settings, article("report-0", REPORTS[0], 1), article("copy-0", copy(REPORTS[0]), 2))
    chain.cluster_step(settings)
    load(settings, article("early-copy-0", edited(REPORTS[0]), 0))
    chain.cluster_step(settings)
    grown = clusters(settings)
    assert {name: rep for name, (rep, _, _) in grown.items()} == {
        "report-0": "early-copy-0", "copy-0": "early-copy-0", "early-copy-0": "early-copy-0"}
    chain.cluster_step(settings, full=True)
    assert clusters(settings) == grown


def test_a_step_holds_the_new_texts_and_the_stories_of_changed_ones_not_the_window(settings):
    load(settings, *(article(f"report-{i}", REPORTS[i], i / 10) for i in range(8)),
         article("copy-3", copy(REPORTS[3]), 2))
    assert len(fresh(settings)) == 9  # nothing is clustered yet
    chain.cluster_step(settings)
    assert fresh(settings) == []
    written = query(settings.db, "SELECT article_id, clustered_at FROM story_clusters ORDER BY 1")
    assert chain.cluster_step(settings) == {"clustered": 9, "stories": 8}
    assert query(settings.db, "SELECT article_id, clustered_at FROM story_clusters ORDER BY 1") == written

    load(settings, article("report-8", REPORTS[8], 1))
    assert fresh(settings) == ["report-8"]
    load(settings, article("copy-3", edited(copy(REPORTS[3])), 2, fetched_hours=1))
    assert fresh(settings) == ["copy-3", "report-3", "report-8"]  # its story may split
    assert chain.cluster_step(settings) == {"clustered": 10, "stories": 9}
    assert fresh(settings) == []


def test_the_same_text_fetched_again_is_not_fresh(settings):
    load(settings, article("report-0", REPORTS[0], 0))
    chain.cluster_step(settings)
    load(settings, article("report-0", REPORTS[0], 0, fetched_hours=1))
    assert fresh(settings) == []


def test_an_older_capture_loaded_later_keeps_the_current_texts_signature(settings):
    newer, older = article("report-0", REPORTS[1], 0, fetched_hours=2), article("report-0", REPORTS[0], 0)
    load(settings, newer)
    load(settings, older)  # a rerun over an archive: the earlier capture arrives after
    assert query(settings.db, "SELECT text FROM articles") == [(REPORTS[1],)]
    assert query(settings.db, "SELECT signature FROM article_signatures") == [
        (dedup.signatures([REPORTS[1]])[0],)]
    load(settings, older, newer)  # both captures in one batch
    assert query(settings.db, "SELECT signature FROM article_signatures") == [
        (dedup.signatures([REPORTS[1]])[0],)]


def test_a_copy_joining_a_story_reads_and_rewrites_none_of_its_other_texts(settings):
    load(settings, article("report-3", REPORTS[3], 0), *(article(f"copy-{k}", copy(REPORTS[3]) + f" ({k})", 1)
                                                          for k in range(4)))
    chain.cluster_step(settings)
    written = query(settings.db, "SELECT article_id, clustered_at FROM story_clusters ORDER BY 1")
    load(settings, article("late-copy", edited(REPORTS[3]), 2))
    with store.open_db(settings) as con:
        store.cluster_scope(con, settings, None, None)
        step = dedup.Clusters([dedup.Text(*row) for row in store.cluster_fresh(con, settings)])
        for batch in store.cluster_rest(con, settings):
            step.scan(*batch)
        reps = [dedup.Text(*row) for row in store.cluster_reps(con, settings, step.joined)]
    assert [t.article_id for t in step.fresh] == [article_id("https://news.example.org/late-copy")]
    assert [t.article_id for t in reps] == step.joined == [article_id("https://news.example.org/report-3")]
    assert step.moved(reps) == []  # the story keeps its representative: its texts are not read
    chain.cluster_step(settings)
    others = ("SELECT article_id, clustered_at FROM story_clusters WHERE article_id IN "
              "(SELECT article_id FROM articles WHERE title <> 'late-copy') ORDER BY 1")
    assert query(settings.db, others) == written
    assert clusters(settings)["late-copy"][0] == "report-3"


def test_the_cluster_command_recomputes_a_range_whole_and_new_only_clusters_what_is_new(settings):
    from typer.testing import CliRunner

    from pipeline.cli import app

    load(settings, article("report-0", REPORTS[0], 0), article("copy-0", copy(REPORTS[0]), 1))
    chain.cluster_step(settings)
    with store.open_db(settings) as con:  # a row gone wrong (by hand, or by an older release)
        con.execute("UPDATE story_clusters SET cluster_id = article_id, is_representative = true")
    runner = CliRunner()
    result = runner.invoke(app, ["cluster", "--db", str(settings.db), "--new-only"])
    assert result.exit_code == 0 and "2 articles in 2 stories" in result.output
    result = runner.invoke(app, ["cluster", "--db", str(settings.db), "--since", "2026-02-01"])
    assert result.exit_code == 0 and "2 articles in 1 stories" in result.output
    assert clusters(settings)["copy-0"][0] == "report-0"
