"""The feed list is validated before anything runs; a mistake is one line naming where it is."""

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.sources import load_feeds


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_only_id_and_url_are_required(tmp_path):
    feeds = load_feeds(write(tmp_path, "feeds:\n  - id: a\n    url: https://example.org/rss\n"))
    assert [(f.id, f.url, f.enabled, f.tags) for f in feeds] == [("a", "https://example.org/rss", True, ())]


def test_the_default_feed_list_is_valid_and_names_20_to_30_enabled_feeds():
    feeds = load_feeds(Path(__file__).parent.parent / "config" / "feeds.yaml")
    assert 20 <= len(feeds) <= 30
    assert all(f.url.startswith("https://") and f.language for f in feeds)
    assert len({f.language for f in feeds}) >= 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds:\n  - id: a\n    url: ftp://x/rss\n", "feeds[0] (id 'a'): url: must be an http(s) URL"),
        ("feeds:\n  - id: a\n    url: https://x/1\n  - id: b\n", "feeds[1] (id 'b'): url: Field required"),
        ("feeds:\n  - id: Bad Id\n    url: https://x/1\n", "feeds[0] (id 'Bad Id'): id: String should match"),
        ("feeds:\n  - id: a\n    url: https://x/1\n  - id: a\n    url: https://x/2\n",
         "feeds[1] (id 'a'): id: duplicate feed id 'a'"),
        ("feeds:\n  - id: a\n    url: https://x/1\n    enabeld: false\n",
         "feeds[0] (id 'a'): enabeld: Extra inputs are not permitted"),
        ("feeds:\n  - id: a\n    url: https://x/1\n    enabled: maybe\n", "feeds[0] (id 'a'): enabled:"),
        ("feeds: {}\n", "expected a top-level 'feeds:' list"),
        ("feeds:\n  - id: a\n   url: [\n", "invalid YAML"),
        ("feeds:\n  - just a string\n", "feeds[0]: expected a mapping"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_entry_and_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_feeds(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: feed list not found"):
        load_feeds(tmp_path / "nope.yaml")
