"""`kwiki lint --deep` says on stderr when the server rejected json_schema and kwiki fell back to json_object."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

import kwiki.cli.lint  # noqa: F401  (registers the command)
from kwiki.cli.app import app
from kwiki.project import Paths
from llm.loopback import Answer, LoopbackServer, chat_completion, error

REJECTION = "1 validation error: ('body', 'response_format', 'type') Input should be 'text' or 'json_object'"


def llama_cpp_python(body: dict[str, Any]) -> Answer:
    """json_schema is a 500 (as llama-cpp-python 0.3 answers it); json_object with the schema is honoured."""
    if body.get("response_format", {}).get("type") == "json_schema":
        return error(500, REJECTION)
    return chat_completion(json.dumps({"contradictions": []}))


def test_deep_lint_prints_the_json_schema_fallback_notice_once(clean_project: Paths) -> None:
    with LoopbackServer(llama_cpp_python) as server:
        args = ["--project", str(clean_project.root), "--provider", "openai", "--base-url", server.base_url]
        result = CliRunner().invoke(app, [*args, "lint", "--deep"])
        kinds = [b.get("response_format", {}).get("type") for b in server.chat_bodies()]
    assert result.exit_code == 0, result.output
    assert result.stderr.count(f"note: {server.base_url} rejected json_mode json_schema (HTTP 500)") == 1
    assert kinds[-1] == "json_object" and "0 errors" in result.stdout
