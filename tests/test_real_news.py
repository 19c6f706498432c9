"""The classifier judged on real news nobody here wrote: the labelled set, and the scores that
`newsflow eval` prints beside the baselines, floored so that a regression fails the build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline import evaluate, labelled

NEWSFLOW = str(Path(sys.executable).parent / "newsflow")
#: What makes a headline a hard negative when it is not on the story (the issue's definition).
NAMES = re.compile(r"russia|ukrain|putin|kyiv|kiev|moscow|\bnato\b|ceasefire|cease-fire|sanction", re.I)


def test_the_real_set_is_large_labelled_twice_in_part_and_split_by_time():
    rows = labelled.headlines()
    assert len(rows) >= 3000
    assert sum(r["relevant"] for r in rows) >= 1000
    assert sum(not r["relevant"] and bool(NAMES.search(r["title"])) for r in rows) >= 1000
    assert all(r["confidence"] in ("high", "low") and (r["relevant"] or not r["peace"]) for r in rows)
    # train and dev on the earlier months, test on the last three
    days = {s: sorted(r["date"] for r in rows if r["split"] == s) for s in ("train", "dev", "test")}
    assert days["train"][-1] < labelled.DEV_FROM <= days["dev"][0]
    assert days["dev"][-1] < labelled.TEST_FROM <= days["test"][0] and days["test"][-1] < "2026-09"
    # a tenth labelled twice, independently, and the two agree well beyond chance
    agreement = labelled.agreement(rows)
    assert agreement["items"] >= len(rows) // 10
    assert agreement["relevant_kappa"] >= 0.8 and agreement["peace_kappa"] >= 0.8


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_every_headline_was_labelled_twice_and_disagreements_adjudicated(split):
    rows = labelled.headlines(split)
    assert all(r["second"] for r in rows)
    for r in rows:
        first, second = labelled.first_label(r), r["second"]
        disagree = (first["relevant"], first["peace"]) != (second["relevant"], second["peace"])
        # a third reader decided every disagreement, and only those, with the guide's rule named
        assert bool(r.get("adjudicated")) == disagree, r["id"]
        assert not disagree or (r["adjudicated"]["note"] and r["confidence"] == "low")


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_the_same_headline_carries_one_label(split):
    """Outlets run the same wire headline: read twice, it must not be judged twice differently
    (taught one way and another, or scored against either)."""
    labels: dict[str, set[tuple[bool, bool]]] = {}
    for r in labelled.headlines(split):
        words = re.sub(r"\W+", " ", r["title"].lower().replace("\u2019", "'")).strip()
        labels.setdefault(words, set()).add((r["relevant"], r["peace"]))
    assert [words for words, seen in labels.items() if len(seen) > 1] == []
    assert len(labels) < len(labelled.headlines(split))  # there are such copies


def test_the_real_pages_are_labelled():
    pages = [json.loads(line) for line in labelled.PAGES_FILE.read_text(encoding="utf-8").splitlines()]
    assert len(pages) >= 1000
    assert {p["corpus"] for p in pages} == {"trafilatura-eval", "mozilla-readability"}
    # the labelling guide's pattern 6: nothing published before the war is on the story
    assert not [p["id"] for p in pages if p["relevant"] and p["date"] and p["date"] < "2022-02-24"]


def test_kappa_is_one_for_agreement_and_zero_for_chance():
    assert labelled.kappa([(True, True), (False, False)] * 5) == 1.0
    assert labelled.kappa([(True, True), (True, False), (False, True), (False, False)]) == 0.0


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory, sample_db) -> dict:
    """`newsflow eval` on the real test split, as a user runs it (pages left out: they need the
    shared corpora and a minute of extraction), with a database holding one correction: an
    on-topic article of the sample that an analyst says is not."""
    folder = tmp_path_factory.mktemp("eval")
    out, db = folder / "figures.json", folder / "news.duckdb"
    shutil.copy(sample_db.db, db)
    with duckdb.connect(str(db), read_only=True) as con:
        (article,) = con.execute("SELECT article_id FROM current_classifications WHERE relevant "
                                 "ORDER BY article_id LIMIT 1").fetchone()
    subprocess.run([NEWSFLOW, "label", article, "--relevant", "no", "--db", str(db)], check=True,
                   capture_output=True)
    run = subprocess.run([NEWSFLOW, "eval", "--no-pages", "--worst", "5", "--json", str(out),
                          "--db", str(db)], capture_output=True, text=True, check=True,
                         env={**os.environ, "COLUMNS": "160"})
    for heading in ("semantic (default)", "lexical", "keyword query", "semantic as it was",
                    "worst false positives", "worst false negatives", "worst peace false positives",
                    "worst peace false negatives", "Cohen's kappa", "what a score means"):
        assert heading in run.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_default_mode_holds_its_floor_on_real_headlines_and_beats_the_baselines(figures):
    h = figures["headlines"]
    default, keyword, before = h["semantic (default)"], h["keyword query"], h["semantic as it was"]
    assert h["items"] >= 700 and h["relevant"] >= 400
    # floors a little under what the packaged model scores (README): a regression fails here
    assert default["relevance"][2] >= 0.91 and default["relevance"][0] >= 0.90
    assert default["relevance"][2] >= keyword["relevance"][2] + 0.02
    assert default["relevance"][2] >= before["relevance"][2] + 0.03
    assert default["relevance"][0] >= before["relevance"][0] + 0.10


def test_the_worst_peace_mistakes_are_ranked_by_the_peace_score_not_the_relevance_score():
    """A peace mistake is judged on the peace decision: an item wrongly called peace is listed by
    how sure the peace decision was, whatever its relevance score."""
    items = [{"title": t, "relevant": r, "peace": p} for t, r, p in (
        ("meeting, not talks", True, False), ("talks", True, True), ("battle", True, False),
        ("quiet truce offer", True, True), ("sport", False, False))]
    decided = evaluate.Decided(
        "m", "v", relevant=[True, True, True, True, False], peace=[True, True, True, False, False],
        score=[0.99, 0.9, 0.6, 0.95, 0.1], explanation=[{}] * 5,
        peace_score=[0.7, 0.95, 0.9, 0.2, 0.0])
    fps, fns = evaluate.worst(items, decided, 5, "peace")
    assert [(i["title"], s) for i, s, _ in fps] == [("battle", 0.9), ("meeting, not talks", 0.7)]
    assert [(i["title"], s) for i, s, _ in fns] == [("quiet truce offer", 0.2)]
    fps, fns = evaluate.worst(items, decided, 5)
    assert fps == [] and [i["title"] for i, _, _ in fns] == []


def test_a_score_means_what_it_says_at_either_end(figures):
    """The default mode's scores on the test split, by band: every headline in one band, and a
    high score is nearly always on the story and a low one nearly never (README's table)."""
    rel = figures["reliability"]["relevance"]
    assert sum(b["items"] for b in rel) == figures["headlines"]["items"]
    assert rel[-1]["share_true"] >= 0.9 and rel[0]["share_true"] <= 0.1
    assert rel[-1]["items"] + rel[0]["items"] >= 0.7 * figures["headlines"]["items"]
    assert figures["reliability"]["brier_relevance"] < 0.08
    peace = figures["reliability"]["peace"]
    assert sum(b["items"] for b in peace) == figures["headlines"]["semantic (default)"]["flagged"]


def test_reliability_counts_each_score_in_one_band_and_the_share_true_there():
    gold = [False, False, True, True, True, False]
    scores = [0.0, 0.15, 0.2, 0.5, 1.0, 0.99]
    bands = evaluate.reliability(gold, scores, bands=5)
    assert [b["items"] for b in bands] == [2, 1, 1, 0, 2]
    assert [b["share_true"] for b in bands] == [0.0, 1.0, 1.0, None, 0.5]
    assert bands[4]["mean_score"] == pytest.approx(0.995) and bands[3]["mean_score"] is None
    assert evaluate.brier([True, False], [1.0, 0.0]) == 0.0
    assert evaluate.brier([True, False], [0.5, 0.5]) == 0.25


def test_the_lexical_mode_beats_the_keyword_query(figures):
    h = figures["headlines"]
    assert h["lexical"]["relevance"][2] > h["keyword query"]["relevance"][2]


def test_the_written_set_is_reported_beside(figures):
    assert figures["written"]["subtopic_macro_f1"] >= 0.80


def test_the_corrections_not_yet_learned_are_scored(figures):
    """The packaged model has learned no corrections: the one in the database is scored, and the
    model (which called the article on the story) agrees with none of it."""
    fixes = figures["corrections"]
    assert (fixes["items"], fixes["relevant"]) == (1, 0)
    assert fixes["semantic (default)"]["agrees"] == 0.0
