"""Data checks: queries in `sql/checks/*.sql` that return the rows breaking a rule.

A check passes when its query returns no row. The first comment line of each file states the
rule; `news_report` runs them all after every load and fails loudly, naming the rules broken and
showing offending rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline import store
from pipeline.config import Settings

#: Offending rows shown per failed check.
EXAMPLES = 5


@dataclass(frozen=True)
class CheckResult:
    name: str
    rule: str
    failures: int
    examples: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def describe(self) -> str:
        head = f"{self.name}: {'ok' if self.ok else f'{self.failures} row(s) break the rule'} — {self.rule}"
        return "\n".join([head, *(f"    {row}" for row in self.examples)])


def run_checks(settings: Settings, *, published: bool = False) -> list[CheckResult]:
    """Run every check against the database, or read-only against what readers see of it."""
    from pipeline import publish

    results = []
    with (publish.read(settings) if published else store.open_db(settings)) as con:
        for path in sorted((settings.sql_dir / "checks").glob("*.sql")):
            query = path.read_text(encoding="utf-8")
            rows = con.execute(query).fetchall()
            rule = next((line.removeprefix("--").strip() for line in query.splitlines()
                         if line.startswith("--")), path.stem)
            results.append(CheckResult(path.stem, rule, len(rows), rows[:EXAMPLES]))
    return results


class ChecksFailed(Exception):
    """One or more data checks failed."""


def assert_checks(results: list[CheckResult]) -> None:
    failed = [r for r in results if not r.ok]
    if failed:
        raise ChecksFailed("data checks failed:\n" + "\n".join(r.describe() for r in failed))
