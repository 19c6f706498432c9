"""`newsflow export`: a query's rows from the read-only snapshot as Parquet or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipeline import export, publish
from pipeline.cli import app
from tests.conftest import query


@pytest.fixture
def env(sample_db) -> dict[str, str]:
    return {"NEWSFLOW_LAKE_CATALOG": str(publish.where(sample_db))}


def test_export_writes_parquet_with_the_query_rows(sample_db, env, tmp_path):
    out = tmp_path / "on_topic.parquet"
    result = CliRunner().invoke(app, [
        "export", "--db", str(sample_db.db), "--format", "parquet", "--out", str(out),
        "--query", "SELECT article_id, title, relevance FROM report_articles WHERE on_topic;"], env=env)
    assert result.exit_code == 0, result.output
    assert "wrote 7 rows" in result.output
    table = pq.read_table(out)
    assert table.num_rows == 7 and table.column_names == ["article_id", "title", "relevance"]
    assert sorted(table["article_id"].to_pylist()) == [r[0] for r in query(
        sample_db.db, "SELECT article_id FROM current_classifications WHERE relevant ORDER BY 1")]


@pytest.mark.parametrize("name, fmt", [("sources.csv", ["--format", "csv"]), ("sources.csv", []),
                                       ("sources.out", ["--format", "CSV"])])
def test_export_writes_csv_with_a_header(sample_db, env, tmp_path, name, fmt):
    """CSV when asked for (in any case), or when the file's name ends in .csv."""
    out = tmp_path / name
    result = CliRunner().invoke(app, [
        "export", "--db", str(sample_db.db), *fmt, "--out", str(out),
        "--query", "SELECT source, sum(articles) AS articles FROM report_source_volume "
                   "GROUP BY 1 ORDER BY 1"],
        env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows == [["source", "articles"], ["Baltic Wire", "3"], ["Euro Ledger", "7"], ["Kyiv Courier", "2"],
                    ["The Sample Times", "7"]]


def test_export_cannot_write_to_the_database_and_says_why(sample_db, tmp_path):
    settings = sample_db
    sneaky = f"SELECT 1) TO '{tmp_path / 'x.csv'}' (FORMAT csv); CREATE TABLE pwned AS (SELECT 1"
    with pytest.raises(export.ExportError, match="query failed"):
        export.export(settings, sneaky, "csv", tmp_path / "y.csv")
    with publish.read(settings) as con:
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'pwned'").fetchall() == [(0,)]
    assert not (tmp_path / "y.csv").exists()
    with pytest.raises(export.ExportError, match="unknown format 'xlsx'"):
        export.export(settings, "SELECT 1", "xlsx", tmp_path / "z.xlsx")


def test_a_bad_query_is_a_one_line_error(sample_db, env, tmp_path):
    args = ["export", "--db", str(sample_db.db), "--query", "SELECT nope FROM articles",
            "--out", str(tmp_path / "a.parquet")]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2 and "query failed" in result.output and "nope" in result.output


def test_a_place_that_cannot_be_written_is_named_before_the_query_runs(sample_db, env, tmp_path):
    """The output's fault is not the query's: the error names the file and the reason."""
    out = Path("/proc/newsflow-export.csv")  # not writable, even by root
    result = CliRunner().invoke(app, ["export", "--db", str(sample_db.db), "--query", "SELECT 1",
                                      "--format", "csv", "--out", str(out)], env=env)
    assert result.exit_code == 2 and "query failed" not in result.output
    assert f"{out}: cannot write there" in " ".join(result.output.split())
    folder = CliRunner().invoke(app, ["export", "--db", str(sample_db.db), "--query", "SELECT nope",
                                      "--out", str(tmp_path)], env=env)
    assert folder.exit_code == 2 and f"{tmp_path}: is a folder" in " ".join(folder.output.split())
