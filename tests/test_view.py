"""The Airflow UI plugin (plugins/newsflow_view.py): it registers with Airflow, and its page and
JSON answer with the sample's figures from the published snapshot."""

from __future__ import annotations

import html
import json
import os
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from pipeline import publish
from tests.airflow_procs import free_port, healthy, running, wait_until


def test_the_plugin_registers_its_app_and_menu_entry():
    from airflow import plugins_manager

    assert "newsflow" in {p["name"] for p in plugins_manager.get_plugin_info()}
    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [a["url_prefix"] for a in apps if a["name"] == "newsflow view"] == ["/newsflow"]
    views = [v for v in plugins_manager.get_plugin_info(["external_views"]) if v["name"] == "newsflow"]
    entry = views[0]["external_views"][0]
    assert entry["href"] == "newsflow/" and entry["destination"] == "nav"


@pytest.fixture(scope="module")
def api_app(airflow_db):
    """Airflow's own API app with the plugin mounted, as the api-server serves it (the test
    session's SimpleAuthManager makes every caller an admin: see conftest)."""
    from airflow.api_fastapi.app import create_app

    return create_app("core")


@pytest.fixture
def client(api_app, sample_db, monkeypatch) -> TestClient:
    monkeypatch.setenv("NEWSFLOW_DB", str(sample_db.db))
    monkeypatch.setenv("NEWSFLOW_LAKE_CATALOG", str(publish.where(sample_db)))
    return TestClient(api_app, base_url="http://testserver/newsflow")


@pytest.fixture(scope="module")
def loaded_day(sample_db) -> str:
    """The UTC day the sample was loaded on (a run near midnight may cross into the next)."""
    import duckdb

    with duckdb.connect(str(sample_db.db), read_only=True) as con:
        return con.execute("SELECT CAST(max(first_seen_at) AS DATE) FROM articles").fetchone()[0].isoformat()


def test_the_day_is_today_unless_asked(client):
    before = datetime.now(UTC).date().isoformat()
    day = client.get("/api/summary").json()["day"]
    assert day in {before, datetime.now(UTC).date().isoformat()}
    assert client.get("/api/summary", params={"day": "2020-01-01"}).json()["day"] == "2020-01-01"


def test_the_summary_answers_with_feed_health_and_the_days_subtopics(client, loaded_day):
    figures = client.get("/api/summary", params={"day": loaded_day}).json()
    feeds = {f["feed_id"]: f for f in figures["feeds"]}
    assert len(feeds) == 8
    assert (feeds["sample-error"]["failure_streak"], feeds["sample-error"]["last_success"]) == (1, None)
    assert feeds["sample-world"]["failure_streak"] == 0 and feeds["sample-world"]["articles_total"] == 8
    assert feeds["sample-world"]["articles_per_day"] == round(8 / 7, 2)
    # the day the sample was loaded: its 7 on-topic articles, each under its primary subtopic
    topics = {s["topic_id"]: s["articles"] for s in figures["subtopics"]}
    assert sum(topics.values()) == 7
    assert topics["battlefield"] == 1 and topics["sanctions_pressure"] == 1
    # another day has none
    assert client.get("/api/summary", params={"day": "2020-01-01"}).json()["subtopics"] == []


def test_the_week_s_closest_calls_come_first_and_end_with_the_week(client, loaded_day, sample_db):
    from datetime import date, timedelta

    from pipeline import view

    figures = client.get("/api/summary", params={"day": loaded_day}).json()
    calls = figures["review"]
    # the same articles, in the same order, as the review queue of the published snapshot
    with publish.read(sample_db) as con:
        queue = con.execute("SELECT article_id, margin FROM review_queue ORDER BY margin").fetchall()
    assert 0 < len(calls) == min(len(queue), view.REVIEW_ROWS)
    assert [c["article_id"] for c in calls] == [a for a, _ in queue[:len(calls)]]
    assert [c["margin"] for c in calls] == sorted(c["margin"] for c in calls)
    for c in calls:  # each with its decisions, scores and reason
        line = c["score"] if c["closest"] == "relevant" else c["peace_score"]
        assert abs(line - 0.5) == pytest.approx(c["margin"], abs=1e-3)
        assert c["relevant"] == (c["score"] >= 0.5) and c["why"]
        assert (c["peace_score"] is None) == (not c["relevant"])
    # the week ends: six days on, the same; seven days on, the sample is too old to list
    def calls_on(days_later: int) -> list:
        day = date.fromisoformat(loaded_day) + timedelta(days=days_later)
        return client.get("/api/summary", params={"day": day.isoformat()}).json()["review"]

    assert calls_on(view.REVIEW_DAYS - 1) == calls
    assert calls_on(view.REVIEW_DAYS) == [] and calls_on(-1) == []


def test_a_feed_disabled_after_failures_says_so_and_how_to_enable_it(settings, sample_feeds):
    """Shown disabled in the view as in `newsflow status`: it is not polled again until then."""
    from pipeline import view
    from tests.test_fetching import poll_once

    cfg = settings.with_(feed_backoff=0.0, feed_disable_after=2)
    feeds = [f for f in sample_feeds if f.id in ("sample-error", "sample-world")]
    for _ in range(3):
        poll_once(cfg, feeds)
    publish.publish(cfg)
    figures = view.summary(cfg)
    shown = {f["feed_id"]: f for f in figures["feeds"]}
    assert shown["sample-error"]["disabled_at"] and shown["sample-world"]["disabled_at"] is None
    assert [f["feed_id"] for f in figures["feeds"]][0] == "sample-error"  # first: it needs a hand
    assert "newsflow enable-feed sample-error" in view.page(figures)
    assert "newsflow enable-feed sample-world" not in view.page(figures)


def test_the_page_shows_the_figures(client, loaded_day):
    page = client.get("/", params={"day": loaded_day})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "sample-error" in page.text and "1 failed in a row" in page.text
    assert "Battlefield and drone war" in page.text
    first = client.get("/api/summary", params={"day": loaded_day}).json()["review"][0]
    assert html.escape(first["title"]) in page.text and html.escape(first["why"]) in page.text
    assert first["article_id"] in page.text and "newsflow label ARTICLE" in page.text


def test_no_snapshot_is_a_clear_503(client, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSFLOW_LAKE_CATALOG", str(tmp_path / "none.sqlite"))
    answer = client.get("/api/summary")
    assert answer.status_code == 503 and "no snapshot published yet" in answer.json()["detail"]


def test_the_view_reads_the_database_the_newsflow_settings_variable_names(client, sample_db, monkeypatch,
                                                                         tmp_path, loaded_day):
    """The tasks write where the `newsflow_settings` Variable says; the view reads the same."""
    from airflow.models.variable import Variable

    monkeypatch.setenv("NEWSFLOW_DB", str(tmp_path / "elsewhere.duckdb"))
    monkeypatch.setenv("NEWSFLOW_LAKE_CATALOG", str(tmp_path / "elsewhere.sqlite"))
    assert client.get("/api/summary").status_code == 503  # the environment alone: nothing there
    Variable.set("newsflow_settings", json.dumps({"db": str(sample_db.db),
                                                  "lake_catalog": str(publish.where(sample_db))}))
    try:
        answer = client.get("/api/summary", params={"day": loaded_day})
        assert answer.status_code == 200 and answer.json()["subtopics"], answer.text
        Variable.set("newsflow_settings", '{"db": ')
        broken = client.get("/api/summary")
        assert broken.status_code == 503
        assert broken.json()["detail"].startswith("Airflow Variable newsflow_settings: not JSON")
    finally:
        Variable.delete("newsflow_settings")


@pytest.fixture(scope="module")
def api_server(airflow_db, sample_db, tmp_path_factory):
    """A real `airflow api-server` on 127.0.0.1 with the SimpleAuthManager that `make
    airflow-ui` uses, logins required (not the test session's all-admins mode): one user."""
    folder = tmp_path_factory.mktemp("api-server")
    passwords = folder / "passwords.json"
    passwords.write_text(json.dumps({"analyst": "s3cret-words"}), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "analyst:viewer",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
           "NEWSFLOW_DB": str(sample_db.db),
           "NEWSFLOW_LAKE_CATALOG": str(publish.where(sample_db))}
    base = f"http://127.0.0.1:{port}"
    with running([["api-server", "--apps", "core", "-H", "127.0.0.1", "-p", str(port)]], env, folder):
        wait_until(lambda: healthy(base), 90, "api-server", folder)
        yield base


@pytest.mark.parametrize("route", ["/newsflow/", "/newsflow/api/summary"])
def test_the_view_needs_a_login_on_a_real_api_server(api_server, route):
    assert httpx.get(api_server + route).status_code == 401
    assert httpx.get(api_server + route, headers={"Authorization": "Bearer not-a-token"}).status_code == 403
    login = httpx.post(f"{api_server}/auth/token", json={"username": "analyst", "password": "s3cret-words"})
    assert login.status_code == 201, login.text
    token = login.json()["access_token"]
    answer = httpx.get(api_server + route, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert "sample-error" in answer.text
    # the UI's session cookie is a login too
    assert httpx.get(api_server + route, cookies={"_token": token}).status_code == 200
