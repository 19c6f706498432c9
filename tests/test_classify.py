"""The classifier against the seed topics, measured on the labelled set the project owns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import run as chain
from pipeline.classify import default_classifier
from pipeline.evaluate import load_items, score
from pipeline.semantic import Embedder, SemanticClassifier, embed_text, has_evidence
from tests.conftest import query

NEWSFLOW = str(Path(sys.executable).parent / "newsflow")

# A clear example per subtopic (headline + one sentence, written for these tests), and items that
# mention Ukraine or Russia without being part of the story.
EXAMPLES = [
    ("us_russia_talks", "Witkoff and Kushner fly to Moscow for new round of talks with Putin",
     "The US envoys will meet Kirill Dmitriev and Yuri Ushakov to discuss Washington's peace plan."),
    ("europe_role", "Kallas: Europe must have a seat at the table in any Ukraine settlement",
     "The EU foreign policy chief said Brussels would set its own conditions for Russia."),
    ("ceasefire_guarantees", "Coalition of European states drafts security guarantees for a ceasefire",
     "A reassurance force would monitor the truce line once fighting stops in Ukraine."),
    ("territory", "Kremlin insists Ukraine withdraw from the rest of Donetsk region",
     "Moscow demands Kyiv cede Donbas and recognise its claims to Zaporizhzhia and Kherson."),
    ("battlefield", "Russian drones and missiles pound Ukraine's energy grid overnight",
     "Air defence shot down most of the Shaheds, but power cuts hit Kharkiv and Odesa."),
    ("sanctions_pressure", "EU agrees 20th sanctions package aimed at Russia's shadow fleet",
     "The measures target tankers carrying Russian oil above the price cap."),
    ("european_defence", "NATO allies agree to lift defence spending to protect the eastern flank",
     "European governments pledge more military aid to Ukraine and new air defences."),
]
NEGATIVES = [
    ("Shakhtar Donetsk beat Dynamo Kyiv in Ukrainian cup final",
     "A late goal settled the match in front of a sold-out crowd in Lviv."),
    ("Gaza ceasefire talks resume in Cairo",
     "Negotiators from Israel and Hamas met with Egyptian mediators."),
    ("Central bank holds rates as inflation cools", "Policymakers left borrowing costs unchanged."),
]


@pytest.mark.parametrize("mode", ["semantic", "lexical"])
@pytest.mark.parametrize(("subtopic", "title", "text"), EXAMPLES)
def test_a_clear_example_is_relevant_with_its_subtopic(mode, subtopic, title, text):
    clf = default_classifier(mode)
    decision = clf.classify([("x", title, text)])[0]
    assert decision.relevant, decision.explanation
    assert subtopic in clf.assigned(decision), decision.topic_scores


KNOWN_MISS = pytest.mark.xfail(strict=True, reason=(
    "known weakness of both modes: Ukrainian sport and culture items read as on-topic "
    "(also the most common false positive on the test split); more such hard negatives in dev "
    "would teach it"))


@pytest.mark.parametrize("mode", ["semantic", "lexical"])
@pytest.mark.parametrize(("title", "text"), NEGATIVES)
def test_a_story_that_only_mentions_the_region_is_not_relevant(mode, title, text, request):
    if title.startswith("Shakhtar"):
        request.applymarker(KNOWN_MISS)
    decision = default_classifier(mode).classify([("x", title, text)])[0]
    assert not decision.relevant
    assert 0.0 <= decision.score < 0.5 and all(0.0 <= v <= 1.0 for v in decision.topic_scores.values())


def test_every_decision_carries_an_explanation():
    clf = default_classifier("semantic")
    decision = clf.classify([("x", EXAMPLES[3][1], EXAMPLES[3][2])])[0]
    assert "donetsk" in decision.explanation["subtopic_terms"]["territory"]
    assert decision.explanation["best_sentence"]
    assert decision.classifier_version.startswith("semantic-2026.1-")


class CountingEmbedder(Embedder):
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(processes=1)
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts.extend(texts)
        return super().__call__(texts)


def test_an_article_naming_nothing_of_the_story_is_decided_without_the_model():
    embedder = CountingEmbedder()
    clf = SemanticClassifier(embedder=embedder)
    on, off = clf.classify([("on", EXAMPLES[0][1], EXAMPLES[0][2]),
                            ("off", "Bakery wins award for its rye bread",
                             "The jury praised the crust and the long fermentation.")])
    assert len(embedder.texts) == 1 and EXAMPLES[0][1] in embedder.texts[0]
    assert on.relevant and on.explanation["semantic_relevance"] is not None
    assert not off.relevant and off.score == 0.0 and set(off.topic_scores.values()) == {0.0}
    assert "no story or subtopic term" in off.explanation["not_embedded"]
    assert clf.assigned(off) == []


def test_the_gate_costs_no_recall_on_the_labelled_set():
    """Embed the labelled items the gate keeps from the model: none that the model would call
    relevant is on the story (the gate can only drop false positives)."""
    clf = default_classifier("semantic")
    items = {i["id"]: i for i in load_items()}
    lexical = clf.lexical.classify((i["id"], i["title"], i["text"]) for i in items.values())
    gated = [d for d in lexical if not has_evidence(d)]
    texts = [embed_text(items[d.article_id]["title"], items[d.article_id]["text"]) for d in gated]
    would_be = [d for d in clf.combine(gated, clf.embed(texts)) if d.relevant]
    assert len(gated) >= 60  # the labelled set's unrelated items and several hard negatives
    assert not [d.article_id for d in would_be if items[d.article_id]["relevant"]]


def evaluate(mode: str):
    clf = default_classifier(mode)
    items = load_items("test")
    decisions = clf.classify((i["id"], i["title"], i["text"]) for i in items)
    return score(items, [d.relevant for d in decisions], [clf.assigned(d) for d in decisions],
                 clf.taxonomy.subtopic_ids)


def test_the_default_mode_meets_the_targets_on_the_test_split():
    report = evaluate("semantic")
    assert report.relevance[2] >= 0.90
    assert report.macro_f1 >= 0.75


def test_the_lexical_mode_meets_the_relevance_target_and_holds_its_subtopic_floor():
    report = evaluate("lexical")
    assert report.relevance[2] >= 0.90
    assert report.macro_f1 >= 0.60  # the 0.75 target is out of reach for terms alone (0.62 now)


def test_the_labelled_set_is_large_mixed_and_split():
    items = load_items()
    assert len(items) >= 300
    assert {i["lang"] for i in items} == {"en", "de", "fr", "uk", "ru"}
    assert {i["split"] for i in items} == {"dev", "test"}
    assert sum(i["kind"] == "hard_negative" for i in items) >= 90


def test_classify_reads_jsonl_and_prints_one_decision_per_line(tmp_path):
    src = tmp_path / "items.jsonl"
    headlines = [EXAMPLES[k][1] for k in (0, 1, 3)]  # headlines that name the story
    src.write_text("\n".join(json.dumps({"id": f"n{k}", "title": t, "text": ""})
                             for k, t in enumerate(headlines)) + "\n", encoding="utf-8")
    out = subprocess.run([NEWSFLOW, "classify", "--input", str(src)], capture_output=True, text=True,
                         check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["n0", "n1", "n2"]
    assert all(r["relevant"] and set(r) >= {"score", "subtopics", "scores"} for r in rows)
    assert len(rows[0]["scores"]) == 8


def test_reclassifying_writes_a_new_version_and_keeps_the_old(settings, sample_feeds):
    chain.run(settings.with_(classifier="lexical"), sample_feeds, trigger="test")
    old = query(settings.db, "SELECT classifier_version, count(*) FROM classifications GROUP BY 1")
    result = chain.reclassify(settings)  # the default, semantic
    rows = dict(query(settings.db, "SELECT classifier_version, count(*) FROM classifications GROUP BY 1"))
    assert rows[old[0][0]] == old[0][1]  # the lexical rows are intact
    assert rows[result["version"]] == result["articles"] == old[0][1]
    current = query(settings.db, "SELECT DISTINCT classifier_version FROM current_classifications")
    assert current == [(result["version"],)]
    assert result["relevant"] == 7
