"""Airflow UI plugin: a "newsflow" page in the Browse menu with feed health, today's on-topic
articles per subtopic and the week's closest calls, read from the published DuckLake (never the
writer's file).

A FastAPI app mounted by the API server under /newsflow (`fastapi_apps`) serves the page and its
figures as JSON (/newsflow/api/summary); `external_views` adds the menu entry that shows the page
in the UI. The figures come from `pipeline.view`; settings from the NEWSFLOW_* environment and
the `newsflow_settings` Variable, as the tasks read them (`newsflow_settings`).

Airflow mounts a plugin's app without its own authentication, so every route here requires an
Airflow user through the auth manager (a JWT in `Authorization: Bearer`, or the UI's session
cookie) with access to the website view: 401 without one, 403 for a user the auth manager refuses.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse
from newsflow_settings import settings

from pipeline import view
from pipeline.errors import NewsflowError

Day = Annotated[date | None, Query(description="UTC day (default: today)")]

app = FastAPI(title="newsflow",
              description="Feed health, subtopic counts and closest calls published by newsflow",
              dependencies=[Depends(requires_access_view(AccessView.WEBSITE))])


def _figures(day: date | None) -> dict:
    try:
        return view.summary(settings(), day)
    except NewsflowError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None


@app.get("/api/summary")
def summary(day: Day = None) -> dict:
    """Feed health, the day's on-topic articles per subtopic and the closest calls of the seven
    days to it, as JSON."""
    return _figures(day)


@app.get("/", response_class=HTMLResponse)
def page(day: Day = None) -> str:
    return view.page(_figures(day))


class NewsflowViewPlugin(AirflowPlugin):
    name = "newsflow"
    fastapi_apps = [{"app": app, "url_prefix": "/newsflow", "name": "newsflow view"}]
    external_views = [{"name": "newsflow", "href": "newsflow/", "url_route": "newsflow",
                       "destination": "nav", "category": "browse"}]
