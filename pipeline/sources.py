"""The feed list: a YAML file with a top-level `feeds:` list, validated before anything runs.

Only `id` and `url` are required; a mistake stops the run with one line naming the file, the
entry and the field, for example::

    config/feeds.yaml: feeds[3] (id 'dw-world'): url: must be an http(s) URL
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import ConfigError

FeedId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]


class FeedSource(BaseModel):
    """One configured feed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FeedId
    url: str
    name: str | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2})?$")
    tags: tuple[str, ...] = ()
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/?#]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @property
    def label(self) -> str:
        return self.name or self.id


def parse_feeds(data: Any, origin: str) -> list[FeedSource]:
    """Validate an already-loaded YAML document; `origin` names it in messages."""
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise ConfigError(f"{origin}: expected a top-level 'feeds:' list")
    feeds: list[FeedSource] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["feeds"]):
        where = f"{origin}: feeds[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping with at least 'id' and 'url'")
        if "id" in raw:
            where += f" (id {raw['id']!r})"
        try:
            feed = FeedSource.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "entry"
            msg = err["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{where}: {field}: {msg}") from None
        if feed.id in seen:
            raise ConfigError(f"{where}: id: duplicate feed id {feed.id!r}")
        seen.add(feed.id)
        feeds.append(feed)
    return feeds


def load_feeds(path: Path | str) -> list[FeedSource]:
    """Read and validate a feed list file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: feed list not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_feeds(data, str(path))
