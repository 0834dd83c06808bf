"""The fixture wiki every query test starts from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kwiki.project import Paths

from .wikis import PAGES, write_wiki


@pytest.fixture
def wiki(tmp_path: Path) -> Paths:
    (tmp_path / "kwiki.toml").write_text('provider = "extractive"\n', encoding="utf-8")
    (tmp_path / "raw").mkdir()
    return write_wiki(tmp_path, PAGES)
