"""The `source_images` setting: off by default, a TOML boolean or KWIKI_SOURCE_IMAGES text, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.config import load_config
from kwiki.errors import ConfigError


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "kwiki.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def test_source_images_are_off_by_default() -> None:
    assert load_config(None, {}, {}).source_images is False


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("source_images = true\n", {}, True),
        ("source_images = false\n", {}, False),
        ("", {"KWIKI_SOURCE_IMAGES": "true"}, True),
        ("source_images = true\n", {"KWIKI_SOURCE_IMAGES": "0"}, False),
    ],
)
def test_source_images_come_from_toml_or_env(tmp_path: Path, toml: str, env: dict[str, str], expected: bool) -> None:
    assert load_config(_project(tmp_path, toml), {}, env).source_images is expected


@pytest.mark.parametrize("toml", ['source_images = "yes"\n', "source_images = 1\n"])
def test_source_images_must_be_a_boolean(tmp_path: Path, toml: str) -> None:
    with pytest.raises(ConfigError, match="true or false"):
        load_config(_project(tmp_path, toml), {}, {})


def test_a_number_key_still_refuses_a_boolean(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(_project(tmp_path, "concurrency = true\n"), {}, {})
