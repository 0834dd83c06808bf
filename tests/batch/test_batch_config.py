"""`batch` in kwiki.toml and KWIKI_BATCH: a boolean, checked like every other setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.config import load_config
from kwiki.errors import ConfigError


def test_batch_is_off_by_default_and_read_from_the_file_or_the_environment(tmp_path: Path) -> None:
    (tmp_path / "kwiki.toml").write_text("", encoding="utf-8")
    assert load_config(tmp_path, {}, {}).batch is False
    assert load_config(tmp_path, {}, {"KWIKI_BATCH": "1"}).batch is True
    (tmp_path / "kwiki.toml").write_text("batch = true\n", encoding="utf-8")
    config = load_config(tmp_path, {}, {})
    assert config.batch is True and config.origins["batch"] == "kwiki.toml"
    assert load_config(tmp_path, {}, {"KWIKI_BATCH": "false"}).batch is False


@pytest.mark.parametrize("text", ['batch = "yes"', "batch = 1"])
def test_a_batch_value_that_is_not_a_boolean_is_refused_with_an_example(tmp_path: Path, text: str) -> None:
    (tmp_path / "kwiki.toml").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {}, {})
    assert "true or false" in caught.value.message and "batch = true" in caught.value.hint


def test_a_non_boolean_int_setting_still_refuses_true(tmp_path: Path) -> None:
    (tmp_path / "kwiki.toml").write_text("concurrency = true\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(tmp_path, {}, {})
