"""A run with nothing to do loads neither the compile stack, the markdown parser, the lint engine, progress bars
nor a provider's SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kwiki.project import Paths

from .conftest import source_text, write_raw

PROBE = """
import json, sys
from kwiki.cli import main
sys.argv = ["kwiki", "ingest", "--json"]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(paths: Paths, env: dict[str, str]) -> tuple[object, set[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KWIKI_") and not k.endswith("_API_KEY")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=paths.root, env=clean | env, capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["code"], set(data["modules"])


def _fake_replies(folder: Path) -> dict[str, str]:
    folder.mkdir()
    extract = {"title": "Static", "date": "", "language": "en", "summary": "S.", "tags": [], "claims": []}
    extract["mentions"] = [{"name": "Zettel", "type": "concept", "aliases": [], "description": "d", "central": True}]
    (folder / "extract.json").write_text(json.dumps(extract), encoding="utf-8")
    (folder / "overview.md").write_text("Overview.", encoding="utf-8")
    (folder / "write-page.md").write_text("Zettel, in brief.", encoding="utf-8")
    return {"KWIKI_PROVIDER": "fake", "KWIKI_FAKE_REPLIES": str(folder)}


def test_a_no_op_cli_ingest_loads_neither_the_compile_stack_nor_progress_bars(project: Paths, tmp_path: Path) -> None:
    write_raw(project, {"a.md": source_text("Alpha"), "b.md": source_text("Beta")})
    env = _fake_replies(tmp_path / "replies")
    first, loaded = _loaded(project, env)
    assert first in (0, None) and "kwiki.compile" in loaded  # a run with work to do
    again, loaded = _loaded(project, env)
    assert again in (0, None)
    assert not {"kwiki.compile", "kwiki.generated", "rich.progress", "markdown_it", "kwiki.lint"} & loaded


def test_a_cli_ingest_with_nothing_to_do_never_imports_the_providers_sdk(project: Paths) -> None:
    env = {"KWIKI_PROVIDER": "openai", "KWIKI_MODEL": "gpt-test", "OPENAI_API_KEY": "test-key"}
    code, loaded = _loaded(project, env | {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})  # never called
    assert code in (0, None) and not {"openai", "anthropic", "httpx2"} & loaded
