"""newsflow's settings in every Airflow component: the NEWSFLOW_* environment, overridden by the
Airflow Variable `newsflow_settings` (a JSON object of `pipeline.config.Settings` fields).

One definition for the tasks (`dags/newsflow_tasks.py`), the api-server's plugins (the newsflow
view, the runs listener) and the triggerer's (the feed watcher, the late-report notifier), so
that a database, feed list or webhook set in the Variable is the one each of them uses. This
module lives in the plugins folder because every component has that folder on its import path;
it registers no plugin.

Tasks and the triggerer reach the Variable through their supervisor (the Task SDK), the
api-server reads Airflow's metadata database: `variable()` takes whichever path the process has,
as `airflow.models.Variable` itself does (without its deprecation warning in a task). The
Variable is read on every call, so a change reaches the next page or watcher round; a DAG run's
tasks use the value its `begin` read (`dags/newsflow_tasks.py`, `run_settings`).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings

#: The Airflow Variable that may hold a JSON object of `Settings` fields (over NEWSFLOW_* env).
VARIABLE = "newsflow_settings"
SOURCE = f"Airflow Variable {VARIABLE}"
#: The XCom key under which a run's `begin` keeps {"value": the Variable as it read it}.
PINNED = "newsflow_settings"


def variable() -> object:
    """The Variable's value (None when it is not set)."""
    if hasattr(sys.modules.get("airflow.sdk.execution_time.task_runner"), "SUPERVISOR_COMMS"):
        from airflow.sdk import Variable

        return Variable.get(VARIABLE, default=None)
    from airflow.models.variable import Variable as Stored

    return Stored.get(VARIABLE, default_var=None)


def from_value(raw: object) -> Settings:
    """The environment's settings overridden by `raw`, a value of the Variable (None: not set). A
    value that is not a JSON object of valid settings is a one-line ConfigError naming it."""
    from pipeline.config import Settings

    return Settings.from_env().overridden(raw, SOURCE)


def pinned(dag_id: str, run_id: str) -> dict[str, object] | None:
    """What the run's `begin` kept of the Variable ({"value": ...}), read from Airflow's metadata
    database (the api-server's path; a task reads it with `xcom_pull`); None when it kept none."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(XComModel.get_many(run_id=run_id, dag_ids=dag_id, task_ids="begin",
                                                 key=PINNED, limit=1)).first()
        held = XComModel.deserialize_value(row) if row is not None else None
    return held if isinstance(held, dict) else None


def settings() -> Settings:
    """The settings of this component: environment, then the Variable as it is now."""
    return from_value(variable())


def of_run(held: dict[str, object] | None) -> Settings:
    """A run's settings: the Variable as its `begin` kept it (`held`), or as it is now for a run
    that kept none."""
    return settings() if held is None else from_value(held.get("value"))


def settings_or_env(log: logging.Logger, what: str) -> Settings:
    """`settings()`, or where the Variable cannot be read or is wrong, the environment's alone,
    with the reason logged: for the work that must be done even then (recording a late report)."""
    from pipeline.config import Settings
    from pipeline.errors import ConfigError

    try:
        return settings()
    except ConfigError as exc:
        log.error("newsflow %s: %s; using the NEWSFLOW_* environment alone", what, exc)
    except Exception as exc:  # the metadata database or the supervisor did not answer
        log.error("newsflow %s: cannot read the Airflow Variable %s (%s: %s); using the NEWSFLOW_* "
                  "environment alone", what, VARIABLE, type(exc).__name__, exc)
    return Settings.from_env()


_last_problem: dict[str, str] = {}


def settings_or_last(last: Settings, log: logging.Logger, what: str) -> Settings:
    """`settings()`, or where the Variable cannot be read or is wrong, `last` (the last good
    ones): for a loop such as the watcher's, which a moment's error must not send to other
    settings. The problem is logged once, until it changes."""
    try:
        found = settings()
    except Exception as exc:  # a bad Variable, or the metadata database or supervisor not answering
        problem = f"{type(exc).__name__}: {exc}"
        if _last_problem.get(what) != problem:
            log.error("newsflow %s: cannot use the Airflow Variable %s (%s); keeping the settings "
                      "it had", what, VARIABLE, problem)
            _last_problem[what] = problem
        return last
    _last_problem.pop(what, None)
    return found
