"""The Airflow UI plugin (plugins/newsflow_view.py): it registers with Airflow, and its page and
JSON answer with the sample's figures from the published snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from pipeline import publish


def test_the_plugin_registers_its_app_and_menu_entry():
    from airflow import plugins_manager

    assert "newsflow" in {p["name"] for p in plugins_manager.get_plugin_info()}
    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [a["url_prefix"] for a in apps if a["name"] == "newsflow view"] == ["/newsflow"]
    views = [v for v in plugins_manager.get_plugin_info(["external_views"]) if v["name"] == "newsflow"]
    entry = views[0]["external_views"][0]
    assert entry["href"] == "newsflow/" and entry["destination"] == "nav"


@pytest.fixture
def client(sample_db, monkeypatch) -> TestClient:
    from airflow import plugins_manager

    monkeypatch.setenv("NEWSFLOW_DB", str(sample_db.db))
    monkeypatch.setenv("NEWSFLOW_SNAPSHOT_DB", str(publish.snapshot_path(sample_db)))
    apps, _ = plugins_manager.get_fastapi_plugins()
    return TestClient(next(a["app"] for a in apps if a["name"] == "newsflow view"))


def test_the_summary_answers_with_feed_health_and_todays_subtopics(client):
    figures = client.get("/api/summary").json()
    assert figures["day"] == datetime.now(UTC).date().isoformat()
    feeds = {f["feed_id"]: f for f in figures["feeds"]}
    assert len(feeds) == 8
    assert (feeds["sample-error"]["failure_streak"], feeds["sample-error"]["last_success"]) == (1, None)
    assert feeds["sample-world"]["failure_streak"] == 0 and feeds["sample-world"]["articles_total"] == 8
    assert feeds["sample-world"]["articles_per_day"] == round(8 / 7, 2)
    # the sample was loaded today: its 7 on-topic articles, each under its primary subtopic
    topics = {s["topic_id"]: s["articles"] for s in figures["subtopics"]}
    assert sum(topics.values()) == 7
    assert topics["battlefield"] == 1 and topics["sanctions_pressure"] == 1
    # another day has none
    assert client.get("/api/summary", params={"day": "2020-01-01"}).json()["subtopics"] == []


def test_the_page_shows_the_figures(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "sample-error" in page.text and "1 failed in a row" in page.text
    assert "Battlefield and drone war" in page.text


def test_no_snapshot_is_a_clear_503(client, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSFLOW_SNAPSHOT_DB", str(tmp_path / "none.duckdb"))
    answer = client.get("/api/summary")
    assert answer.status_code == 503 and "no snapshot published yet" in answer.json()["detail"]
