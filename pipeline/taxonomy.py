"""The topic definition: the story, its subtopics, their terms and actors, and the seed texts.

Shipped in `pipeline/topics/`: `taxonomy.yaml` (versioned) and `seeds/*.txt`, the five seed
articles the story was drawn from.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.config import PACKAGE_DIR
from pipeline.errors import ConfigError

TOPICS_DIR = PACKAGE_DIR / "topics"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    spellings: tuple[str, ...] = ()


class Subtopic(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str = ""
    terms: tuple[str, ...] = Field(min_length=1)
    actors: tuple[Actor, ...] = ()
    exemplars: tuple[str, ...] = ()


class Story(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str = ""
    terms: tuple[str, ...] = Field(min_length=1)


class Taxonomy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    story: Story
    subtopics: tuple[Subtopic, ...] = Field(min_length=1)
    seeds: tuple[str, ...] = ()  # seed texts, loaded beside the YAML

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever any term, actor, exemplar or seed changes."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:8]

    @property
    def subtopic_ids(self) -> list[str]:
        return [s.id for s in self.subtopics]


def load_taxonomy(path: Path | None = None, seeds_dir: Path | None = None) -> Taxonomy:
    path = path or TOPICS_DIR / "taxonomy.yaml"
    seeds_dir = seeds_dir or path.parent / "seeds"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot load taxonomy: {exc}") from None
    seeds = tuple(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    try:
        taxonomy = Taxonomy.model_validate({**data, "seeds": seeds})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{path}: {field}: {err['msg']}") from None
    ids = taxonomy.subtopic_ids
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: subtopics: duplicate subtopic id")
    return taxonomy
