"""The `newsflow` command as a user meets it: help everywhere, clear one-line failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
NEWSFLOW = str(Path(sys.executable).parent / "newsflow")
SITE = Path(__file__).resolve().parent.parent / "pipeline" / "sample" / "site"


#: The sample's slow feed sends a byte a second: a short deadline gives up on it in 2 s, not 60.
FAST = {"NEWSFLOW_READ_TIMEOUT": "2", "NEWSFLOW_DEADLINE": "2"}


def commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_commands_users_rely_on_exist():
    assert {"run", "poll", "init", "status", "extract", "demo"} <= set(commands())


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 4


def test_a_bad_feed_list_stops_before_anything_starts_with_one_line(tmp_path):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - id: x\n    url: gopher://old\n", encoding="utf-8")
    db = tmp_path / "x.duckdb"
    proc = subprocess.run([NEWSFLOW, "run", "--feeds", str(feeds), "--db", str(db)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"newsflow: {feeds}: feeds[0] (id 'x'): url: must be an "
                                   "http(s) URL")
    assert not db.exists()


def test_an_unusable_database_is_a_one_line_failure(tmp_path, sample_feeds_file):
    db = tmp_path / "not-a-db.duckdb"
    db.write_text("this is not a database file", encoding="utf-8")
    proc = subprocess.run([NEWSFLOW, "run", "--feeds", str(sample_feeds_file), "--db", str(db)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"newsflow: {db}: cannot open database")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_run_loads_the_sample_and_prints_a_closing_table(tmp_path, sample_feeds_file):
    db = tmp_path / "cli.duckdb"
    env = {"NEWSFLOW_READ_TIMEOUT": "2", "NEWSFLOW_DEADLINE": "2", "PATH": "/usr/bin:/bin",
           "COLUMNS": "200", "NEWSFLOW_PER_HOST_DELAY": "0", "NEWSFLOW_ARCHIVE_DIR": str(tmp_path / "warc")}
    proc = subprocess.run([NEWSFLOW, "run", "--feeds", str(sample_feeds_file), "--db", str(db),
                           "--allow-host", "127.0.0.1"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    for words in ("feeds ok / failed", "4 / 3", "on topic", "time per stage", "sample-error failed",
                  "(of the articles published or first seen in the last 14 days)"):
        assert words in proc.stdout
    status = subprocess.run([NEWSFLOW, "status", "--db", str(db)], capture_output=True, text=True,
                            env=env)
    assert status.returncode == 0 and "sample-slow" in status.stdout and "timeout" in status.stdout.lower()
    feeds_alone = subprocess.run([NEWSFLOW, "status", "--db", str(db), "--runs", "0"], capture_output=True,
                                 text=True, env=env)
    assert feeds_alone.returncode == 0 and "Feed health" in feeds_alone.stdout
    assert "Last runs" not in feeds_alone.stdout


def test_poll_records_entries_without_fetching(tmp_path, sample_feeds_file):
    db = tmp_path / "poll.duckdb"
    result = runner.invoke(app, ["poll", "--feeds", str(sample_feeds_file), "--db", str(db)], env=FAST)
    assert result.exit_code == 0, result.output
    assert "new entries recorded" in result.output
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM entries").fetchone()[0] > 20
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_extract_prints_one_json_object_per_input(sample_base):
    page = SITE / "articles" / "seed-2.html"
    result = runner.invoke(app, ["extract", str(page), f"{sample_base}/articles/offtopic-12.html",
                                 f"{sample_base}/articles/missing-story.html", "ftp://example.org/a.html"])
    assert result.exit_code == 1  # an input failed; each says so in its record
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["source"] for r in records] == [str(page), f"{sample_base}/articles/offtopic-12.html",
                                              f"{sample_base}/articles/missing-story.html",
                                              "ftp://example.org/a.html"]
    assert "unsupported address ftp://" in records[3]["error"]
    assert runner.invoke(app, ["extract", str(page)]).exit_code == 0
    first = records[0]
    assert set(first) >= {"source", "title", "authors", "date", "language", "text"}
    assert first["language"] == "en" and len(first["text"].split()) > 200
    assert "cookie" not in first["text"].lower()
    assert records[1]["language"] == "de"
    assert "404" in records[2]["error"]


@pytest.mark.parametrize(("args", "env", "message"), [
    (["run", "--batch-size", "0"], {}, "setting batch_size: Input should be greater than or equal to 1"),
    (["status"], {"NEWSFLOW_BATCH_SIZE": "many"},
     "environment: NEWSFLOW_BATCH_SIZE: Input should be a valid"),
    (["status", "--runs", "-1"], {}, "--runs -1: give 0 or more"),
])
def test_a_bad_setting_is_a_one_line_error_not_a_traceback(tmp_path, args, env, message):
    ran = subprocess.run([NEWSFLOW, *args, "--db", str(tmp_path / "x.duckdb")], capture_output=True,
                         text=True, env={**os.environ, **env})
    assert ran.returncode == 2 and message in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr and len(ran.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize("command", [["cluster"], ["reclassify", "--mode", "lexical"], ["backfill"],
                                     ["refetch"], ["compact", "--force"], ["enable-feed", "bbc-world"],
                                     ["status"], ["publish"], ["label", "a1", "--relevant", "no"]])
def test_a_command_on_a_database_that_is_not_there_makes_none(tmp_path, command):
    # a mistyped --db must not leave a new, empty database behind (and a command "succeed" on it)
    db = tmp_path / "typo.duckdb"
    result = runner.invoke(app, [*command, "--db", str(db)])
    assert result.exit_code == 2 and f"{db}: no such database" in result.output
    assert list(tmp_path.iterdir()) == []


def test_text_from_outside_is_printed_as_it_is_not_read_as_markup(sample_db, tmp_path):
    # an id, a query or a title with square brackets ("[video]", "[/x]") is neither eaten as a
    # Rich style nor a crash
    db = tmp_path / "x.duckdb"
    db.write_bytes(sample_db.db.read_bytes())
    bad = subprocess.run([NEWSFLOW, "label", "[/x]", "--relevant", "yes", "--db", str(db)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and f"article '[/x]' is not in {db}" in bad.stderr, bad.stderr
    assert subprocess.run([NEWSFLOW, "publish", "--db", str(db)], capture_output=True).returncode == 0
    query = subprocess.run([NEWSFLOW, "search", "[red]zzzz", "--db", str(db)], capture_output=True, text=True)
    assert query.returncode == 0 and "no articles match '[red]zzzz'" in query.stdout, query.stderr


def test_init_creates_the_schema(tmp_path):
    db = tmp_path / "init.duckdb"
    result = runner.invoke(app, ["init", "--db", str(db)])
    assert result.exit_code == 0 and "001_core" in result.output
    again = runner.invoke(app, ["init", "--db", str(db)])
    assert "schema up to date" in again.output


def test_backfill_counts_on_a_dry_run_and_refuses_a_bad_window_in_one_line(tmp_path, sample_feeds_file):
    db = tmp_path / "x.duckdb"
    ran = subprocess.run([NEWSFLOW, "run", "--feeds", str(sample_feeds_file), "--db", str(db)],
                         capture_output=True, text=True, env={**os.environ, **FAST})
    assert ran.returncode == 0, ran.stderr
    dry = runner.invoke(app, ["backfill", "--db", str(db), "--feeds", str(sample_feeds_file),
                              "--since", "2026-03-01", "--until", "2026-03-05", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: 3 articles would be reprocessed (re-extract)" in dry.output
    again = runner.invoke(app, ["backfill", "--db", str(db), "--feeds", str(sample_feeds_file),
                                "--since", "2026-03-01", "--until", "2026-03-05", "--stage", "re-classify"])
    assert again.exit_code == 0, again.output
    bad = runner.invoke(app, ["backfill", "--db", str(db), "--since", "2026-03-05", "--until", "2026-03-01"])
    assert bad.exit_code == 2
    assert "the window is empty" in bad.output and len(bad.output.strip().splitlines()) == 1
    unknown = runner.invoke(app, ["backfill", "--db", str(db), "--source", "nope"])
    assert unknown.exit_code == 2 and "unknown source(s): nope" in unknown.output


@pytest.mark.parametrize(("args", "message"), [
    (["eval", "--json", "/nonexistent-folder/figures.json"],
     "--json /nonexistent-folder/figures.json: cannot write there: no such folder"),
    (["eval-extract", "--limit", "0"], "--limit 0: give a positive number"),
    (["eval-extract", "--limit", "-5"], "--limit -5: give a positive number"),
])
def test_a_long_evaluation_refuses_what_it_could_not_finish_before_it_starts(args, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_classify_names_the_line_of_an_item_whose_fields_are_not_text(tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text('\ufeff{"id": "a", "title": "Ceasefire talks in Geneva"}\n'  # a BOM is read past
                     '{"id": "b", "title": 123, "text": ["a"]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", "--input", str(items), "--mode", "lexical"])
    assert result.exit_code == 2
    assert f"{items}: line 2: title, text: expected text, got int, list" in result.output


def test_text_from_users_and_pages_is_printed_as_it_is_not_as_emoji_codes(tmp_path):
    missing = tmp_path / "a:smile:b.jsonl"
    result = CliRunner().invoke(app, ["classify", "--input", str(missing)])
    assert result.exit_code == 2 and "a:smile:b.jsonl" in result.output
