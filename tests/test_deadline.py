"""Late reports are noticed: news_report carries a Deadline Alert, and its notifier (the
AsyncCallback the triggerer runs) logs the miss, records it in `pipeline_runs` and posts it to a
webhook, here a real one on 127.0.0.1 and a real DuckDB file. The alert firing under a real
scheduler and triggerer is tested in test_event_driven.py."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipeline import late, run
from pipeline.config import Settings
from tests.conftest import query


class Webhook:
    """A chat webhook on 127.0.0.1: keeps what it is sent, answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 204
        self.url = ""


def handler(hook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.received.append(json.loads(body))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@contextmanager
def serving_webhook() -> Iterator[Webhook]:
    hook = Webhook()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(hook))
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/newsflow"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with serving_webhook() as hook:
        yield hook


def alert_context(run_id: str = "asset_triggered__2026-12-03T09:00:00+00:00") -> dict[str, Any]:
    """What Airflow's scheduler passes a deadline callback (models/deadline.py, handle_miss)."""
    queued = datetime(2026, 12, 3, 9, 0, 5, tzinfo=UTC)
    return {"dag_run": {"dag_id": "news_report", "dag_run_id": run_id, "state": "running",
                        "queued_at": queued.isoformat(), "logical_date": None},
            "deadline": {"id": "0193-deadline", "deadline_time": queued + timedelta(hours=3)}}


def test_a_missed_deadline_is_logged_recorded_and_posted(settings, webhook, caplog):
    cfg = settings.with_(report_webhook_url=webhook.url)
    run.begin(cfg, [], "news_process:one", "airflow:news_process")  # a database in use
    with caplog.at_level("WARNING"):
        sent = late.record_miss(cfg, alert_context())
    assert "news_report run asset_triggered__2026-12-03T09:00:00+00:00 is not done by its deadline " \
           "2026-12-03T12:00:05+00:00" in caplog.text
    assert webhook.received == [sent]
    assert webhook.received[0]["dag_id"] == "news_report" and "not done by" in webhook.received[0]["text"]
    rows = query(cfg.db, "SELECT run_id, trigger, status, error, started_at FROM pipeline_runs "
                         "WHERE trigger = 'airflow:news_report'")
    assert len(rows) == 1
    run_id, trigger, status, error, started = rows[0]
    assert (run_id, status) == ("news_report:asset_triggered__2026-12-03T09:00:00+00:00", "late")
    assert error == sent["text"] and started == datetime(2026, 12, 3, 9, 0, 5, tzinfo=UTC)
    # the same miss again (a retried callback) keeps one row and the first reason
    late.record_miss(cfg, alert_context())
    assert query(cfg.db, "SELECT count(*) FROM pipeline_runs WHERE status = 'late'") == [(1,)]


def test_a_failing_webhook_is_noted_and_the_miss_still_recorded(settings, webhook):
    webhook.status = 500
    cfg = settings.with_(report_webhook_url=webhook.url)
    late.record_miss(cfg, alert_context("asset_triggered__late"))
    (error,), = query(cfg.db, "SELECT error FROM pipeline_runs WHERE status = 'late'")
    assert f"webhook {webhook.url} failed: HTTPStatusError" in error and "500" in error


def test_without_a_webhook_the_notifier_runs_in_the_triggerers_event_loop(settings, monkeypatch):
    import airflow  # noqa: F401  (as in every Airflow component, this puts plugins/ on sys.path)
    from newsflow_deadline import report_late

    for name, value in {"NEWSFLOW_DB": str(settings.db), "NEWSFLOW_SQL_DIR": str(settings.sql_dir)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEWSFLOW_REPORT_WEBHOOK_URL", raising=False)
    sent = asyncio.run(report_late(context=alert_context("asset_triggered__loop")))
    assert isinstance(sent, str) and "news_report run asset_triggered__loop is not done" in sent
    assert query(settings.db, "SELECT run_id, status FROM pipeline_runs") == [
        ("news_report:asset_triggered__loop", "late")]


def test_the_notifier_records_where_the_variable_says_and_in_the_environment_s_db_if_it_is_bad(
        settings, monkeypatch, tmp_path, airflow_db, caplog):
    import airflow  # noqa: F401  (puts plugins/ on sys.path)
    from airflow.models.variable import Variable
    from newsflow_deadline import report_late

    for name, value in {"NEWSFLOW_DB": str(settings.db), "NEWSFLOW_SQL_DIR": str(settings.sql_dir)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEWSFLOW_REPORT_WEBHOOK_URL", raising=False)
    other = tmp_path / "other.duckdb"
    Variable.set("newsflow_settings", json.dumps({"db": str(other)}))
    try:
        asyncio.run(report_late(context=alert_context("asset_triggered__there")))
        Variable.set("newsflow_settings", '{"db": 3')
        asyncio.run(report_late(context=alert_context("asset_triggered__here")))
    finally:
        Variable.delete("newsflow_settings")
    assert query(other, "SELECT run_id FROM pipeline_runs") == [("news_report:asset_triggered__there",)]
    assert query(settings.db, "SELECT run_id FROM pipeline_runs") == [("news_report:asset_triggered__here",)]
    assert "late-report notifier: Airflow Variable newsflow_settings: not JSON" in caplog.text


def test_news_report_carries_the_deadline_alert_with_the_configured_hours(airflow_db):
    import runpy
    import sys
    from pathlib import Path

    from airflow.sdk import AsyncCallback, DeadlineReference

    dags = Path(__file__).resolve().parent.parent / "dags"
    sys.path.insert(0, str(dags))
    try:
        module = runpy.run_path(str(dags / "news_report.py"))
    finally:
        sys.path.remove(str(dags))
    dag = module["news_report"]() if callable(module.get("news_report")) else None
    (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert alert.interval == timedelta(hours=Settings.model_fields["report_deadline_hours"].default)
    assert isinstance(alert.callback, AsyncCallback)
    assert alert.callback.path == "newsflow_deadline.report_late"
    assert module["DEADLINE_HOURS"] == Settings().report_deadline_hours == 3.0
