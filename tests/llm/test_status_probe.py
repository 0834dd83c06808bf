"""`kwiki status --probe` asks the endpoint once per json_mode and says which one to set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.scaffold import init_project

from .loopback import Answer, LoopbackServer, chat_completion, error

TITLE = json.dumps({"title": "Moby-Dick"})


def llama_cpp_python_like(body: dict[str, Any]) -> Answer:
    """json_schema is a 500 naming response_format; json_object + schema and tools work; a bare prompt gets prose."""
    response_format = body.get("response_format", {})
    if response_format.get("type") == "json_schema":
        return error(500, "1 validation error: ('body', 'response_format', 'type') Input should be 'text' or ...")
    if "tools" in body:
        return chat_completion(None, tool_arguments=TITLE)
    return chat_completion(TITLE if "schema" in response_format else "It is called Moby-Dick.")


def test_status_probe_names_the_json_modes_the_server_accepts(tmp_path: Path) -> None:
    init_project(tmp_path)
    env = {"OPENAI_API_KEY": "", "KWIKI_PROVIDER": "", "KWIKI_JSON_MODE": "", "KWIKI_BASE_URL": ""}
    with LoopbackServer(llama_cpp_python_like) as server:
        (tmp_path / "kwiki.toml").write_text(f'provider = "openai"\nbase_url = "{server.base_url}"\n')
        args = ["--project", str(tmp_path), "status"]
        text = CliRunner().invoke(app, [*args, "--probe"], env=env).stdout
        report = json.loads(CliRunner().invoke(app, [*args, "--probe", "--json"], env=env).stdout)
        plain = CliRunner().invoke(app, args, env=env).stdout
        bodies = server.chat_bodies()
    verdicts = {probe["mode"]: probe["accepted"] for probe in report["json_modes"]}
    assert verdicts == {"json_schema": False, "json_object": True, "tools": True, "prompt": False}
    assert "json_mode json_schema NOT accepted: " in text and "rejected json_mode json_schema (HTTP 500)" in text
    assert 'set json_mode = "json_object"' in text
    assert "json_mode" not in plain
    assert len(bodies) == 2 * 6  # per probe: json_schema and its fallback try, json_object, tools, prompt + repair


def test_status_probe_exits_1_when_no_json_mode_works(tmp_path: Path) -> None:
    """It printed `no json_mode works` and exited 0: useless as a check before a long run."""
    init_project(tmp_path)
    env = {"OPENAI_API_KEY": "", "KWIKI_PROVIDER": "", "KWIKI_JSON_MODE": "", "KWIKI_BASE_URL": ""}
    with LoopbackServer(lambda body: chat_completion("No JSON from me.")) as server:
        (tmp_path / "kwiki.toml").write_text(f'provider = "openai"\nbase_url = "{server.base_url}"\n')
        result = CliRunner().invoke(app, ["--project", str(tmp_path), "status", "--probe"], env=env)
    assert "no json_mode works" in result.stdout and result.exit_code == 1
