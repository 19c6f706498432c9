"""newsflow: feeds -> pages -> text -> topics -> DuckDB.

The library knows nothing of Airflow or of the command line: `dags/` and `pipeline.cli` are thin
shells over the stage modules (`sources`, `poll`, `fetch`, `extract`, `classify`, `store`) and the
`run` module that chains them.
"""

__version__ = "0.1.0"
