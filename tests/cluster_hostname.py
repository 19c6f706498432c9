"""`[core] hostname_callable` of the cluster test's Airflow services: each instance's own HOSTNAME
(`airflow-worker-1`), as a container's hostname is its own, so task instances record the worker
that ran them even though every worker runs on this one machine."""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["HOSTNAME"]
