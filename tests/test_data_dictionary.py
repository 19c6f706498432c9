"""docs/data-dictionary.md cannot rot: every table and view of a freshly migrated database, and
every column of each, is described there, and its example queries run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import publish, store
from pipeline.config import Settings

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def sections() -> dict[str, str]:
    """The text under each `### \\`name\\`` heading."""
    parts = re.split(r"^### `(\w+)`\s*$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ")[0] for i in range(1, len(parts), 2)}


def schema(tmp_path: Path) -> dict[str, list[str]]:
    """Every table and view of a fresh database, with its columns."""
    settings = Settings(db=tmp_path / "fresh.duckdb")
    with store.open_db(settings) as con:
        rows = con.execute("""
            SELECT table_name, list(column_name ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_schema = 'main' GROUP BY table_name""").fetchall()
    return dict(rows)


def test_every_table_and_view_is_in_the_dictionary(tmp_path):
    documented = sections()
    missing = sorted(set(schema(tmp_path)) - set(documented))
    assert not missing, f"add these to {DOC.name}: {missing}"


def test_every_column_is_described_under_its_table(tmp_path):
    documented = sections()
    undescribed = [f"{table}.{col}" for table, cols in schema(tmp_path).items() for col in cols
                   if f"`{col}`" not in documented.get(table, "")]
    assert not undescribed, f"describe these columns in {DOC.name}: {undescribed}"


def test_the_dictionary_names_no_table_that_does_not_exist(tmp_path):
    assert not sorted(set(sections()) - set(schema(tmp_path)))


EXAMPLES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8").split("## Example queries")[1],
                      flags=re.S)


@pytest.mark.parametrize("sql", [s for block in EXAMPLES for s in block.split(";") if s.strip()])
def test_the_example_queries_run_on_the_sample(sample_db, sql):
    with publish.read(sample_db) as con:
        con.execute(sql).fetchall()
