"""Analysts correct the classifier: `newsflow label`, the current_* views, and training."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipeline import labelled, publish, relevance, store
from pipeline import run as chain
from pipeline import train as fitting
from pipeline.classify import LexicalClassifier
from pipeline.config import Settings
from pipeline.semantic import Embedder, SemanticClassifier
from tests.conftest import forget_migrations, query

NEWSFLOW = str(Path(sys.executable).parent / "newsflow")


@pytest.fixture
def db(sample_db: Settings, tmp_path: Path) -> Settings:
    """A copy of the sample run's database, to write corrections into."""
    shutil.copy(sample_db.db, tmp_path / "news.duckdb")
    return sample_db.with_(db=tmp_path / "news.duckdb")


def newsflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSFLOW, *args], capture_output=True, text=True)


def on_topic_article(settings: Settings) -> str:
    return query(settings.db, "SELECT article_id FROM current_classifications WHERE relevant "
                              "ORDER BY article_id LIMIT 1")[0][0]


def test_a_correction_wins_in_the_current_views_and_the_model_decision_stays(db):
    article = on_topic_article(db)
    # no snapshot yet for this copy: recorded, and left for the first publish (which builds it whole)
    first = newsflow("label", article, "--relevant", "yes", "--db", str(db.db))
    assert first.returncode == 0 and "no published snapshot at" in first.stdout, first.stderr
    assert newsflow("publish", "--db", str(db.db)).returncode == 0
    run = newsflow("label", article, "--relevant", "no", "--by", "olena", "--note", "sport",
                   "--db", str(db.db))
    assert run.returncode == 0 and "published" in run.stdout, run.stderr
    row = query(db.db, "SELECT relevant, peace, model_relevant, corrected_by, corrected_at IS NOT NULL "
                       "FROM current_classifications WHERE article_id = ?", [article])
    assert row == [(False, False, True, "olena", True)]
    assert query(db.db, "SELECT on_topic FROM report_articles WHERE article_id = ?", [article]) == [(False,)]
    with publish.read(db) as con:  # and in the snapshot analysts read, at once
        assert con.execute("SELECT relevant, corrected_by FROM current_classifications WHERE article_id = ?",
                           [article]).fetchall() == [(False, "olena")]
    # a later correction of the same article wins; both stay in the labels table
    again = newsflow("label", article, "--relevant", "yes", "--peace", "yes", "--db", str(db.db))
    assert again.returncode == 0
    row = query(db.db, "SELECT relevant, peace, model_relevant FROM current_classifications "
                       "WHERE article_id = ?", [article])
    assert row == [(True, True, True)]
    assert query(db.db, "SELECT count(*) FROM labels WHERE article_id = ?", [article]) == [(3,)]


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-article", "--relevant", "yes"], "article 'no-such-article' is not in"),
    (["ARTICLE", "--relevant", "maybe"], "--relevant 'maybe': say yes or no"),
    (["ARTICLE", "--relevant", "no", "--peace", "yes"], "--peace yes needs --relevant yes"),
    (["UNDECIDED", "--relevant", "yes"], "has no decision to correct: its extraction is 'empty'"),
])
def test_a_bad_correction_is_refused_with_a_reason(db, args, message):
    empty = query(db.db, "SELECT article_id FROM articles WHERE article_id NOT IN "
                         "(SELECT article_id FROM classifications) ORDER BY 1 LIMIT 1")[0][0]
    args = [on_topic_article(db) if a == "ARTICLE" else empty if a == "UNDECIDED" else a for a in args]
    run = newsflow("label", *args, "--db", str(db.db))
    assert run.returncode == 2 and message in run.stderr
    assert query(db.db, "SELECT count(*) FROM labels") == [(0,)]


def test_a_database_of_the_previous_schema_upgrades_in_place(tmp_path, sample_db):
    """A file migrated up to 007 with classifications in it gains peace and labels, keeping every row."""
    path = tmp_path / "old.duckdb"
    sql_dir = tmp_path / "sql"
    shutil.copytree(sample_db.sql_dir, sql_dir)
    for newer in sorted((sql_dir / "migrations").glob("0[0-9][0-9]_*.sql")):
        if int(newer.name[:3]) >= 8:
            newer.unlink()
    with duckdb.connect(str(path)) as con:
        store.migrate(con, sql_dir)
        con.execute("INSERT INTO classifications VALUES ('a1', 'v1', true, 0.9, '{}', now())")
    settings = sample_db.with_(db=path)
    with store.open_db(settings) as con:
        assert con.execute("SELECT relevant, peace, model_relevant FROM current_classifications").fetchall() \
            == [(True, None, True)]
        newest = max(int(p.name[:3]) for p in (sample_db.sql_dir / "migrations").glob("[0-9]*.sql"))
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (newest,)


def test_a_version_that_decides_some_articles_leaves_the_others_decisions_and_corrections(db):
    """`newsflow reclassify --since DAY`, or the first run after `newsflow train`, decides part of
    the store with a new classifier version: those articles get its decision, every other article
    keeps its own, and its correction (migration 027); the earlier rows stay queryable."""
    decided = dict(query(db.db, "SELECT article_id, classifier_version FROM current_classifications"))
    (old,) = set(decided.values())
    (scores,) = query(db.db, "SELECT count(*) FROM current_article_topics")[0]
    corrected = on_topic_article(db)
    assert newsflow("label", corrected, "--relevant", "no", "--db", str(db.db)).returncode == 0
    days = sorted(d for (d,) in query(db.db, "SELECT DISTINCT published_at FROM articles "
                                             "WHERE published_at IS NOT NULL"))
    result = chain.reclassify(db, since=days[len(days) // 2], classifier=LexicalClassifier())
    assert 0 < result["articles"] < len(decided)
    now = dict(query(db.db, "SELECT article_id, classifier_version FROM current_classifications"))
    assert now.keys() == decided.keys()
    assert sorted(now.values()).count(result["version"]) == result["articles"]
    assert set(now.values()) == {old, result["version"]}
    assert query(db.db, "SELECT relevant, corrected_by IS NOT NULL FROM current_classifications "
                        "WHERE article_id = ?", [corrected]) == [(False, True)]
    # each article's subtopic scores are those of its current decision, all of them
    assert query(db.db, """SELECT count(*),
                                  count(*) FILTER (WHERE t.classifier_version <> c.classifier_version)
                           FROM current_article_topics t
                           JOIN current_classifications c USING (article_id)""") == [(scores, 0)]
    assert query(db.db, "SELECT count(*) FROM classifications") == [(len(decided) + result["articles"],)]
    # the weekly counts of on-topic articles and their terms follow (015): the same as counting again
    weeks = "SELECT week, count(*) FROM term_articles GROUP BY week ORDER BY week"
    assert query(db.db, "SELECT * FROM on_topic_weeks ORDER BY week") == query(db.db, weeks)
    # a store that took such a load before 027 counted by the newest version alone: the upgrade
    # counts every week again
    with store.open_db(db) as con:
        forget_migrations(con, 27, only=True)
        con.execute("DELETE FROM on_topic_weeks")
        con.execute("DELETE FROM weekly_terms")
    with store.open_db(db):
        pass
    assert query(db.db, "SELECT * FROM on_topic_weeks ORDER BY week") == query(db.db, weeks)
    assert query(db.db, "SELECT count(*) FROM weekly_terms")[0][0] > 0
    assert dict(query(db.db, "SELECT article_id, classifier_version FROM current_classifications")) == now
    # readers see the same in the published snapshot
    with publish.read(db) as con:
        lake = dict(con.execute("SELECT article_id, classifier_version "
                                "FROM current_classifications").fetchall())
        on_topic = con.execute("SELECT count(*) FILTER (WHERE on_topic) FROM report_articles").fetchone()[0]
    assert lake == now
    assert on_topic == query(db.db, "SELECT count(*) FILTER (WHERE on_topic) FROM report_articles")[0][0] > 0


def test_an_article_put_on_the_story_counts_under_its_best_subtopic(db):
    """A correction puts on the story an article the model scored but set aside: its
    highest-scoring subtopic is its primary, in the database and the published DuckLake (the
    report's table too), while the stored row keeps the model's own decision."""
    (article, best), *_ = query(db.db, """
        SELECT c.article_id, arg_max(t.topic_id, t.score) FROM current_classifications c
        JOIN current_article_topics t USING (article_id)
        WHERE NOT c.relevant AND (c.explanation->>'not_scored') IS NULL
        GROUP BY 1 HAVING NOT bool_or(t.is_primary) AND max(t.score) > 0 ORDER BY 1""")
    assert newsflow("publish", "--db", str(db.db)).returncode == 0
    assert newsflow("label", article, "--relevant", "yes", "--db", str(db.db)).returncode == 0  # publishes it
    primary = "SELECT topic_id FROM current_article_topics WHERE article_id = ? AND is_primary"
    assert query(db.db, primary, [article]) == [(best,)]
    assert query(db.db, "SELECT primary_topic, on_topic FROM report_articles WHERE article_id = ?",
                 [article]) == [(best, True)]
    assert query(db.db, "SELECT count(*) FROM article_topics WHERE article_id = ? AND is_primary",
                 [article]) == [(0,)]
    with publish.read(db) as con:
        assert con.execute(primary, [article]).fetchall() == [(best,)]
        assert con.execute("SELECT primary_topic FROM report_articles WHERE article_id = ?",
                           [article]).fetchall() == [(best,)]


def test_an_article_put_on_the_story_with_no_subtopic_shows_in_the_report_and_the_view(db, tmp_path):
    """A correction puts on the story an article the model set aside unscored (no story term: no
    subtopic scores above 0): the report and the Airflow view count it under "No subtopic"
    rather than failing."""
    from pipeline import view

    (article, day), *_ = query(db.db, """
        SELECT c.article_id, CAST(a.first_seen_at AS DATE) FROM current_classifications c
        JOIN articles a USING (article_id)
        WHERE NOT c.relevant AND a.extraction_status = 'ok' AND (c.explanation->>'not_scored') IS NOT NULL
        ORDER BY 1""")
    assert newsflow("label", article, "--relevant", "yes", "--db", str(db.db)).returncode == 0
    assert newsflow("publish", "--db", str(db.db)).returncode == 0
    made = newsflow("report", "--db", str(db.db), "--out", str(tmp_path / "r.html"))
    assert made.returncode == 0, made.stderr
    assert "No subtopic" in (tmp_path / "r.html").read_text(encoding="utf-8")
    figures = view.summary(db, day)
    assert {"topic_id": "none", "label": "No subtopic", "articles": 1} in figures["subtopics"]
    assert "No subtopic" in view.page(figures)


def test_migration_027_makes_each_articles_newest_decision_current(tmp_path, sample_db):
    """A file migrated up to 026 whose newest classifier version decided one of two articles: after
    the upgrade both have a current decision, each its newest, with its subtopic scores."""
    path, sql_dir = tmp_path / "old.duckdb", tmp_path / "sql"
    shutil.copytree(sample_db.sql_dir, sql_dir)
    for newer in (sql_dir / "migrations").glob("0[0-9][0-9]_*.sql"):
        if int(newer.name[:3]) >= 27:
            newer.unlink()
    with store.open_db(sample_db.with_(db=path, sql_dir=sql_dir)) as con:
        con.execute("""INSERT INTO classifications BY NAME SELECT * FROM (VALUES
            ('a1', 'v1', true, 0.9, TIMESTAMPTZ '2026-03-01 00:00:00+00'),
            ('a2', 'v1', true, 0.8, TIMESTAMPTZ '2026-03-01 00:00:00+00'),
            ('a2', 'v2', false, 0.2, TIMESTAMPTZ '2026-03-02 00:00:00+00'))
            t(article_id, classifier_version, relevant, score, classified_at)""")
        con.execute("""INSERT INTO article_topics BY NAME SELECT * FROM (VALUES
            ('a1', 'talks', 'v1', 0.9, true), ('a2', 'talks', 'v1', 0.7, true),
            ('a2', 'talks', 'v2', 0.1, false))
            t(article_id, topic_id, classifier_version, score, is_primary)""")
        assert con.execute("SELECT article_id FROM current_classifications").fetchall() == [("a2",)]
    with store.open_db(sample_db.with_(db=path)) as con:
        assert con.execute("SELECT article_id, classifier_version, relevant FROM current_classifications "
                           "ORDER BY 1").fetchall() == [("a1", "v1", True), ("a2", "v2", False)]
        assert con.execute("SELECT article_id, classifier_version, score FROM current_article_topics "
                           "ORDER BY 1").fetchall() == [("a1", "v1", 0.9), ("a2", "v2", 0.1)]
        assert con.execute("SELECT count(*) FROM classifications").fetchone() == (3,)


def test_training_learns_the_corrections_and_shows_them_as_neighbours(db):
    """Corrections join the training items; in the semantic mode they join its memory, so the
    corrected article's nearest labelled item is itself, with the analyst's label."""
    article = on_topic_article(db)
    assert newsflow("label", article, "--relevant", "no", "--db", str(db.db)).returncode == 0
    with store.open_db(db, read_only=True) as con:
        fixes = store.corrections(con, db)
    assert [(f["id"], f["relevant"]) for f in fixes] == [(article, False)]
    assert fixes[0] in fitting.training_items(fixes)
    items = [*labelled.headlines("train")[:120], *fixes]
    lexical = LexicalClassifier()
    heads = fitting.fit_heads("semantic", items, fitting.head_inputs(items, lexical, Embedder(processes=1)),
                              trained_on={"corrections_until": fixes[0]["labelled_at"].isoformat()})
    assert heads.memory_titles[-1] == fixes[0]["title"] and not heads.memory_labels[-1].any()
    decision = SemanticClassifier(heads=heads, embedder=Embedder(processes=1)).classify(
        [(article, fixes[0]["title"], fixes[0]["text"])])[0]
    nearest = decision.explanation["similar_labelled"][0]
    assert nearest == {"title": fixes[0]["title"], "relevant": False, "peace": False}
    assert np.isfinite(decision.score)


def test_a_correction_moves_the_decision_lines_no_more_than_what_it_teaches():
    """The lines are chosen on folds drawn from the items' ids: an added correction joins one fold
    and leaves every other item where it was, so one headline more cannot redraw the lot."""
    items = labelled.headlines("train")
    fix = dict(items[7], id="correction-1", relevant=not items[7]["relevant"], peace=False)
    ids = [i["id"] for i in items]
    assert (fitting.folds_of(ids, 3) == fitting.folds_of([*ids, fix["id"]], 3)[:-1]).all()
    assert len({tuple(fitting.folds_of(ids, d)) for d in range(fitting.DRAWS)}) == fitting.DRAWS
    lexical = LexicalClassifier()
    before = fitting.fit_heads("lexical", items, fitting.head_inputs(items, lexical))
    after = fitting.fit_heads("lexical", [*items, fix], fitting.head_inputs([*items, fix], lexical))
    assert abs(after.relevant.threshold - before.relevant.threshold) < 0.02
    assert abs(after.peace.threshold - before.peace.threshold) < 0.02


def review_ids(db: Settings, *args: str) -> list[str]:
    """The article ids `newsflow review` lists, in its order."""
    run = newsflow("review", "--db", str(db.db), "--limit", "100", *args)
    assert run.returncode == 0, run.stderr
    return re.findall(r"^ {4}([0-9a-f]{16})$", run.stdout, re.M)


def test_the_review_queue_lists_the_closest_calls_first_and_drops_what_an_analyst_corrected(db):
    """Where a correction teaches the model most: the decisions nearest their line (0.5), relevance
    for every article the model scored, peace too for those on the story; an article the model set
    aside without scoring it is not a call it made, and a corrected one is settled."""
    assert newsflow("publish", "--db", str(db.db)).returncode == 0
    rows = query(db.db, "SELECT article_id, relevant, score, peace_score, "
                        "explanation->>'not_scored' IS NOT NULL FROM current_classifications")
    scored = [(a, s, p) for a, _rel, s, p, unscored in rows if not unscored]
    margin = dict(zip([a for a, _, _ in scored], relevance.margins(
        np.array([s for _, s, _ in scored]), np.array([p for _, _, p in scored])).tolist(), strict=True))
    unscored = {a for a, *_, skipped in rows if skipped}
    assert unscored and len(margin) >= 5  # the sample has both kinds
    listed = review_ids(db)
    assert sorted(listed) == sorted(margin) and not unscored & set(listed)
    assert [margin[a] for a in listed] == sorted(margin[a] for a in listed)
    # peace calls only for articles on the story, nearest their own line first
    on_story = {a: abs(p - 0.5) for a, rel, _s, p, skipped in rows if rel and not skipped}
    peace = review_ids(db, "--decision", "peace")
    assert sorted(peace) == sorted(on_story)
    assert [on_story[a] for a in peace] == sorted(on_story.values())
    # the closest call, once corrected (which publishes), leaves the queue; the others keep their order
    first = listed[0]
    labelled = newsflow("label", first, "--relevant", "no", "--db", str(db.db))
    assert labelled.returncode == 0 and "published" in labelled.stdout
    assert review_ids(db) == listed[1:]


def test_a_bad_review_request_is_refused_with_a_reason(db):
    run = newsflow("review", "--db", str(db.db), "--decision", "maybe")
    assert run.returncode == 2 and "--decision 'maybe': choose any, relevant or peace" in run.stderr
