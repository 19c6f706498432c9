"""How Airflow's processes open a SQLite metadata database (the embedded default, `make airflow-ui`).

Python's sqlite3 gives up on a lock after 5 s. On a small machine the scheduler, dag-processor,
triggerer and task runners all write to that one file, and a write that waits longer (creating a
backfill's runs, for one) fails with "database is locked": the api-server answers a backfill from the
UI with 503. Waiting up to a minute for the lock turns that into a slower answer instead.

Airflow reads this through `AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS=newsflow_sqlite.CONNECT_ARGS`
(the plugins folder is on its import path before it connects). Postgres deployments do not use it.
"""

from __future__ import annotations

from typing import Any

BUSY_TIMEOUT_SECONDS = 60

CONNECT_ARGS: dict[str, Any] = {"timeout": BUSY_TIMEOUT_SECONDS}
