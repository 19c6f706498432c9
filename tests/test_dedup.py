"""One story, one row: canonical URLs, exact and near duplicates, versions (issue #6).

Pages are served from a site the test writes, on 127.0.0.1, and go through the real pipeline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import backfill, dedup
from pipeline import run as chain
from pipeline.sample.server import serve
from pipeline.sources import FeedSource
from pipeline.urls import article_id, normalise_url
from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "pipeline/topics/seeds/000_b84323898022df56.txt").read_text(encoding="utf-8")
EVAL = {i["id"]: i for i in map(json.loads, (ROOT / "pipeline/topics/eval/items.jsonl")
                                .read_text(encoding="utf-8").splitlines())}
# two different reports on the same subject (the grid under attack in two cities)
KHARKIV, KHERSON = EVAL["ev-0068"], EVAL["ev-0115"]


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()][1:]  # the first line is the headline


def lightly_edited(text: str) -> str:
    paras = paragraphs(text)
    paras[1] = paras[1].replace("officials", "diplomats").replace("said", "told reporters")
    paras[-1] = "Editor's note: this report was updated with comments from Kyiv. " + paras[-1]
    return "\n".join(paras[:-2] + paras[-1:])  # one paragraph cut, as a wire rewrite would


def page(title: str, body: list[str], *, style: str, canonical: str | None = None,
         date: str = "2026-02-18") -> str:
    """An article page with site furniture; `style` varies the markup as two outlets would."""
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paras = "".join(f"<p>{p}</p>" for p in body)
    links = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(12))
    if style == "a":
        return (f"<!doctype html><html lang='en'><head><title>{title}</title>{canon}"
                f"<meta property='article:published_time' content='{date}T09:00:00Z'></head><body>"
                f"<nav><ul>{links}</ul></nav><div class='cookie'>We use cookies. Accept all?</div>"
                f"<article><h1>{title}</h1><p class='byline'>By Ana Field</p>{paras}</article>"
                f"<aside><h3>Most read</h3><ul>{links}</ul></aside>"
                f"<footer>© The A Daily. All rights reserved. {links}</footer></body></html>")
    return (f"<!doctype html><html lang='en'><head><title>{title} | B Wire</title>{canon}"
            f"<meta name='date' content='{date}'></head><body><header><div class='menu'>{links}"
            f"</div></header><main><div class='story'><h2 class='headline'>{title}</h2>"
            f"<div class='story-body'>{paras}</div></div><section class='comments'><h4>Comments"
            f"</h4><p>Reader one: interesting.</p></section></main><div class='newsletter'>Sign up"
            f" for our newsletter</div><footer>{links} B Wire Ltd.</footer></body></html>")


def rss(base: str, links: list[str]) -> str:
    items = "".join(f"<item><title>Item {i}</title><link>{base}{link}</link><guid>g{i}</guid>"
                    f"<pubDate>Wed, 18 Feb 2026 09:00:00 GMT</pubDate></item>"
                    for i, link in enumerate(links))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Test</title>"
            f"<link>{base}/</link>{items}</channel></rss>")


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "amp").mkdir()
    title = SEED.splitlines()[0]
    body = paragraphs(SEED)
    (root / "a/peace.html").write_text(page(title, body, style="a"), encoding="utf-8")
    (root / "b/peace-copy.html").write_text(page(title, body, style="b"), encoding="utf-8")
    (root / "b/peace-edited.html").write_text(
        page(title, lightly_edited(SEED).split("\n"), style="b"), encoding="utf-8")
    (root / "amp/peace.html").write_text(
        page(title, body, style="b", canonical="{{BASE}}/a/peace.html"), encoding="utf-8")
    for name, item in (("kharkiv", KHARKIV), ("kherson", KHERSON)):
        (root / f"a/{name}.html").write_text(
            page(item["title"], item["text"].split("\n"), style="a"), encoding="utf-8")
    return root


@pytest.fixture
def loaded(site, settings):
    with serve(site=site) as base:
        links = ["/a/peace.html", "/b/peace-copy.html", "/b/peace-edited.html",
                 "/amp/peace.html?utm_source=rss", "/a/kharkiv.html", "/a/kherson.html"]
        (site / "feed.rss").write_text(rss("{{BASE}}", links), encoding="utf-8")
        feeds = [FeedSource(id="t", url=f"{base}/feed.rss")]
        chain.run(settings, feeds, trigger="test")
        yield base, feeds


def clusters(db) -> dict[str, str]:
    """page path -> path of its cluster's representative."""
    rows = query(db, """
        SELECT regexp_extract(a.url, '/[a-z]+/[a-z-]+\\.html$'),
               regexp_extract(r.url, '/[a-z]+/[a-z-]+\\.html$')
        FROM story_clusters s JOIN articles a USING (article_id)
        JOIN articles r ON r.article_id = s.cluster_id""")
    return dict(rows)


def test_an_amp_page_that_names_its_canonical_url_is_the_same_article(loaded, settings):
    urls = [r[0] for r in query(settings.db, "SELECT url FROM articles ORDER BY url")]
    assert not any("/amp/" in u for u in urls)
    alias = query(settings.db, "SELECT article_id FROM url_aliases WHERE link LIKE '%/amp/%'")
    assert alias == [(article_id(f"{loaded[0]}/a/peace.html"),)]
    assert chain.plan(settings) == []  # the AMP entry is done, not pending forever


def test_the_same_text_in_other_furniture_and_a_light_edit_join_one_story(loaded, settings):
    groups = clusters(settings.db)
    story = groups["/a/peace.html"]
    assert groups["/b/peace-copy.html"] == story
    assert groups["/b/peace-edited.html"] == story


def test_two_reports_on_the_same_subject_are_different_stories(loaded, settings):
    groups = clusters(settings.db)
    assert groups["/a/kharkiv.html"] != groups["/a/kherson.html"]
    assert groups["/a/kharkiv.html"] != groups["/a/peace.html"]
    stories = query(settings.db, "SELECT count(*), sum(articles) FROM stories")
    assert stories == [(3, 5)]


def test_a_changed_page_becomes_a_new_version_and_nothing_is_overwritten(loaded, site, settings):
    base, feeds = loaded
    path = site / "a/kharkiv.html"
    original = query(settings.db, "SELECT text FROM articles WHERE url LIKE '%kharkiv%'")[0][0]
    path.write_text(path.read_text(encoding="utf-8").replace(
        "</article>", "<p>Update: power was restored to most districts by the evening.</p></article>"),
        encoding="utf-8")
    backfill.run(settings, feeds, backfill.Backfill(stage="re-fetch"))  # the server reads pages from disk
    versions = query(settings.db, """
        SELECT version, diff_words, h.text, is_current
        FROM article_history h JOIN articles a USING (article_id)
        WHERE a.url LIKE '%kharkiv%' ORDER BY version""")
    assert [v[0] for v in versions] == [1, 2]
    assert versions[0][2] == original and versions[1][1] == 10  # the ten words added
    current = query(settings.db, "SELECT text FROM articles WHERE url LIKE '%kharkiv%'")[0][0]
    assert current.endswith("power was restored to most districts by the evening.")
    assert versions[1][2] == current and [v[3] for v in versions] == [False, True]
    # each text is stored once: the superseded one in its version row, the current in articles
    assert query(settings.db, """
        SELECT v.version, v.text IS NULL FROM article_versions v JOIN articles a USING (article_id)
        WHERE a.url LIKE '%kharkiv%' ORDER BY version""") == [(1, False), (2, True)]
    # pages that did not change got no new version
    assert query(settings.db, "SELECT max(version) FROM article_versions WHERE article_id IN "
                 "(SELECT article_id FROM articles WHERE url LIKE '%kherson%')") == [(1,)]


def test_clustering_can_be_recomputed_over_a_date_range(loaded, settings):
    query_all = "SELECT count(*) FROM story_clusters"
    before = query(settings.db, query_all)
    result = chain.cluster_step(settings, since=datetime(2026, 2, 18, tzinfo=UTC),
                                until=datetime(2026, 2, 19, tzinfo=UTC))
    assert result == {"clustered": 5, "stories": 3}
    assert query(settings.db, query_all) == before
    assert chain.cluster_step(settings, since=datetime(2025, 1, 1, tzinfo=UTC),
                              until=datetime(2025, 1, 2, tzinfo=UTC)) == {"clustered": 0, "stories": 0}


@pytest.mark.parametrize(("a", "b"), [
    ("https://Example.com:443/news/a.html?utm_source=x&utm_medium=y", "https://example.com/news/a.html"),
    ("http://example.com/a?fbclid=1&id=7#comments", "http://example.com/a?id=7"),
    ("https://example.com/a?gclid=abc", "https://example.com/a"),
    ("https://www.example.com/politics/story-1/", "https://www.example.com/politics/story-1"),
])
def test_url_normalisation_drops_what_does_not_name_the_page(a, b):
    assert normalise_url(a) == normalise_url(b)
    assert article_id(a) == article_id(b)


def test_exact_copies_are_one_cluster_even_when_too_short_for_shingles():
    sigs = dedup.signatures(["Kyiv says.", "Kyiv says.", "Moscow denies."])
    members = dedup.cluster(["x", "y", "z"], [None, None, None], sigs, ["h", "h", "k"])
    assert {m.article_id: m.cluster_id for m in members} == {"x": "x", "y": "x", "z": "z"}
