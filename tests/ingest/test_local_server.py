"""A server shaped like llama-cpp-python (json_schema → HTTP 500, json_object + schema honoured) ingests with
the default settings: kwiki falls back to json_object once and says so."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.config import load_config
from kwiki.ingest import IngestOptions, ingest
from kwiki.llm import wrappers
from kwiki.llm.blocks import SOURCE, unfence, unfence_json
from kwiki.llm.provider import build_llm
from kwiki.project import Paths
from llm.loopback import Answer, LoopbackServer, chat_completion, error

from .conftest import RawGuard, extract_reply, page_reply, run, source_text, write_raw

REJECTION = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': "
    "\"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
)  # as llama-cpp-python 0.3 says


def llama_cpp_python(body: dict[str, Any]) -> Answer:
    """json_schema is a 500; json_object with a schema gets JSON of that schema; no response_format gets text."""
    response_format = body.get("response_format", {})
    if response_format.get("type") == "json_schema":
        return error(500, REJECTION)
    user = body["messages"][1]["content"]
    schema = response_format.get("schema")
    if schema is None:
        return chat_completion(page_reply(unfence_json(user)) if "Write the body" in user else "Overview.")
    if "claims" in schema["properties"]:
        return chat_completion(json.dumps(extract_reply(unfence(user, SOURCE)[0], unfence_json(user)["path"])))
    payload = unfence_json(user)
    return chat_completion(json.dumps({"title": payload["title"], "summary": "Summary."}))


def test_server_rejecting_json_schema_still_ingests_every_source_with_default_settings(
    project: Paths, raw_guard: RawGuard
) -> None:
    write_raw(
        project,
        {
            f"note-{i}.md": source_text(
                f"Note {i}",
                mentions=("Shared idea | concept | | central",),
                claims=(f"Shared idea | The shared idea appears in note {i}.",),
            )
            for i in range(3)
        },
    )
    raw_guard.freeze(project)
    with LoopbackServer(llama_cpp_python) as server:
        config = load_config(project.root, {"provider": "openai", "base_url": server.base_url}, {})
        assert config.json_mode == "json_schema"
        meter = wrappers.Meter()
        llm = build_llm(config, project, {}, meter=meter, debug_sink=None)
        report = run(project, llm)
        kinds = [b.get("response_format", {}).get("type") for b in server.chat_bodies()]
    assert sorted(report.ingested) == ["note-0.md", "note-1.md", "note-2.md"]
    assert not report.failures and not report.page_failures
    assert "json_schema" in kinds and kinds.count("json_schema") <= 2 * 3  # the first try(s), with SDK retries
    [notice] = meter.notices
    assert "rejected json_mode json_schema (HTTP 500)" in notice


NO_OP_INGEST = """
import sys
from pathlib import Path
from kwiki.config import load_config
from kwiki.ingest import IngestOptions, ingest
from kwiki.ingest import IngestOptions, ingest
from kwiki.llm import wrappers
from kwiki.llm.provider import build_llm
from kwiki.project import Paths

paths = Paths(Path(sys.argv[1]))
config = load_config(paths.root, {"provider": "openai", "base_url": sys.argv[2]}, {})
llm = build_llm(config, paths, {}, meter=wrappers.Meter(), debug_sink=None)
report = ingest(paths, llm, IngestOptions(provider="openai"))
print(report.unchanged, len(report.ingested), "openai" in sys.modules, "anthropic" in sys.modules)
"""


def test_no_op_ingest_never_imports_the_sdk(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"note.md": source_text("Note", mentions=("Idea | concept",), claims=("Idea | Ideas matter.",))})
    raw_guard.freeze(project)
    with LoopbackServer(llama_cpp_python) as server:
        config = load_config(project.root, {"provider": "openai", "base_url": server.base_url}, {})
        llm = build_llm(config, project, {}, meter=wrappers.Meter(), debug_sink=None)
        assert ingest(project, llm, IngestOptions(provider="openai")).ingested
        url = server.base_url
    done = subprocess.run(
        [sys.executable, "-c", NO_OP_INGEST, str(project.root), url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["1", "0", "False", "False"]


def test_cli_says_on_stderr_that_it_fell_back_to_json_object(
    project: Paths, raw_guard: RawGuard, clean_env: None
) -> None:
    write_raw(project, {"note.md": source_text("Note", mentions=("Idea | concept",), claims=("Idea | Ideas matter.",))})
    raw_guard.freeze(project)
    with LoopbackServer(llama_cpp_python) as server:
        result = CliRunner().invoke(
            app,
            ["--project", str(project.root), "--provider", "openai", "--base-url", server.base_url, "ingest", "--json"],
        )
    assert result.exit_code == 0, result.output
    assert f"note: {server.base_url} rejected json_mode json_schema (HTTP 500)" in result.stderr
    assert json.loads(result.stdout)["llm"]["notices"] == [result.stderr.split("note: ", 1)[1].strip()]
