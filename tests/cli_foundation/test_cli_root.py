"""The root command and the conventions in kwiki.cli.common: options, project discovery, errors, JSON, session."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from kwiki import __version__
from kwiki.cli import app
from kwiki.cli.common import Session, guarded, print_json, session
from kwiki.config import Config
from kwiki.errors import ConfigError, LockedError
from kwiki.llm.base import Request
from kwiki.project import Paths
from kwiki.scaffold import init_project

from .conftest import run_kwiki

runner = CliRunner()


def test_version_prints_the_package_version(clean_env: None) -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"kwiki {__version__}\n")


def test_help_lists_the_global_options_and_commands(clean_env: None) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ["--project", "--provider", "--model", "--base-url", "KWIKI_PROJECT", "init", "status"]:
        assert word in result.stdout, word


def test_help_and_status_import_no_llm_sdk(tmp_path: Path) -> None:
    init_project(tmp_path)
    code = (
        "import sys\n"
        "from kwiki.cli import app\n"
        "for args in (['--help'], ['status']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('LOADED', sorted({'anthropic', 'openai', 'httpx2'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert "LOADED []" in done.stdout, done.stdout + done.stderr


def test_a_command_outside_any_project_says_how_to_start_one(in_tmp: Path) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no kwiki project here")
    assert "  fix: run `kwiki init` or pass --project DIR\n" in result.stderr
    assert result.stdout == ""


def test_the_project_is_found_from_a_subfolder(in_tmp: Path) -> None:
    init_project(in_tmp)
    (in_tmp / "raw" / "deep").mkdir()
    result = runner.invoke(app, ["--project", str(in_tmp / "raw" / "deep"), "status", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["root"] == str(in_tmp)


def test_kwiki_project_variable_selects_the_project(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_project(in_tmp / "kb")
    monkeypatch.setenv("KWIKI_PROJECT", str(in_tmp / "kb"))
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["root"] == str(in_tmp / "kb")


def test_project_that_is_not_a_folder_is_a_usage_error(in_tmp: Path) -> None:
    result = runner.invoke(app, ["--project", str(in_tmp / "missing"), "status"])
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr


def test_invalid_config_exits_2_naming_the_file_and_the_fix(in_tmp: Path) -> None:
    init_project(in_tmp)
    (in_tmp / "kwiki.toml").write_text('concurrency = "lots"\n', encoding="utf-8")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    expected = "concurrency must be a whole number from 1 to 64 (as --concurrency takes), got 'lots'"
    assert f"error: {in_tmp / 'kwiki.toml'}: {expected}" in result.stderr
    assert "  fix: set e.g. concurrency = 4" in result.stderr


def test_bad_provider_flag_is_a_usage_error(in_tmp: Path) -> None:
    init_project(in_tmp)
    result = runner.invoke(app, ["--provider", "gemini", "status"])
    assert result.exit_code == 2
    assert "error: --provider must be one of anthropic, openai, extractive, fake" in result.stderr


def test_global_flags_win_over_the_environment(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_project(in_tmp)
    monkeypatch.setenv("KWIKI_MODEL", "from-env")
    result = runner.invoke(app, ["--provider", "openai", "--model", "from-flag", "status", "--json"])
    report = json.loads(result.stdout)
    assert report["provider"] == {"value": "openai", "origin": "flag"}
    assert report["model"] == {"value": "from-flag", "origin": "flag"}


def _demo_app() -> typer.Typer:
    demo = typer.Typer()

    @demo.command()
    @guarded
    def fail(kind: Annotated[str, typer.Argument()]) -> None:
        if kind == "locked":
            raise LockedError("the project is locked by pid 7", "wait for it to finish")
        if kind == "config":
            raise ConfigError("kwiki.toml: bad [value]")
        raise KeyboardInterrupt

    @demo.command()
    def other() -> None:  # a second command, so that typer keeps the command names
        pass

    return demo


@pytest.mark.parametrize(
    ("kind", "code", "stderr"),
    [
        ("locked", 1, "error: the project is locked by pid 7\n  fix: wait for it to finish\n"),
        ("config", 2, "error: kwiki.toml: bad [value]\n"),
        ("interrupt", 130, "interrupted\n  fix: run the command again; work already written is kept\n"),
    ],
)
def test_guarded_turns_errors_into_messages_and_exit_codes(kind: str, code: int, stderr: str) -> None:
    result = runner.invoke(_demo_app(), ["fail", kind])
    assert (result.exit_code, result.stderr, result.stdout) == (code, stderr, "")


def test_print_json_keeps_insertion_order_and_unicode(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"zeta": "ünïcode [[link]]", "alpha": Path("raw/a.md"), "paths": Paths(Path("/kb"))})
    assert capsys.readouterr().out == (
        '{\n  "zeta": "ünïcode [[link]]",\n  "alpha": "raw/a.md",\n  "paths": {\n    "root": "/kb"\n  }\n}\n'
    )


def _fake_session(tmp_path: Path, env: dict[str, str]) -> Session:
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "ping.md").write_text("pong", encoding="utf-8")
    config = Config(provider="fake", model="fake", fake_replies=replies, notice="using provider 'fake' (test)")
    return Session(Paths(tmp_path), config, env)


def test_session_builds_the_llm_once_and_prints_the_notice_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _fake_session(tmp_path, {})
    first = s.llm()
    assert s.llm() is first
    assert first.complete(Request("ping", "system", "user")).text == "pong"
    assert s.meter.calls == 1
    assert capsys.readouterr().err == "note: using provider 'fake' (test)\n"


def test_kwiki_debug_dumps_requests_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = _fake_session(tmp_path, {"KWIKI_DEBUG": "1"})
    s.llm().complete(Request("ping", "system", "user"))
    assert "--- kwiki request ---" in capsys.readouterr().err


def test_session_without_a_project_can_be_allowed(in_tmp: Path) -> None:
    ctx = typer.Context(typer.main.get_command(app))
    s = session(ctx, require_project=False)
    assert s.paths.root == in_tmp and s.config.provider == "extractive"


def test_subprocess_status_outside_a_project_fails_with_exit_2(tmp_path: Path) -> None:
    done = run_kwiki(["status"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: no kwiki project here (no kwiki.toml in {tmp_path} or above)",
        "  fix: run `kwiki init` or pass --project DIR",
    ]


def test_subprocess_version(tmp_path: Path) -> None:
    done = run_kwiki(["--version"], tmp_path)
    assert (done.returncode, done.stdout) == (0, f"kwiki {__version__}\n")


def test_a_file_system_refusal_is_an_error_message_not_a_traceback(tmp_path: Path, clean_env: None) -> None:
    """A read-only folder, a path through a file, no permission: `OSError` reached the user as a traceback."""
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path / "a-file" / "kb")])
    assert result.exit_code == 1, result.output
    assert "error: Not a directory" in result.output and "fix:" in result.output
    assert "Traceback" not in result.output


def test_json_stays_utf8_with_a_file_name_that_is_not(capsys: pytest.CaptureFixture[str]) -> None:
    """os.fsdecode keeps a name's undecodable byte as a lone surrogate; written as is, stdout was not UTF-8."""
    name = "raw/bad\udcfe.md"
    print_json({"skipped": [name]})
    out = capsys.readouterr().out
    out.encode("utf-8")  # would raise on a lone surrogate
    assert json.loads(out) == {"skipped": [name]}


def test_a_read_only_project_is_not_called_damaged(tmp_path: Path, clean_env: None) -> None:
    """On a read-only mount, every command said `.kwiki/state.sqlite is damaged` and advised moving it aside."""
    project = tmp_path / "kb"
    init_project(project)
    (project / "raw" / "a.md").write_text("# A\n\nA note about index cards and links.\n", encoding="utf-8")
    assert run_kwiki(["--project", str(project), "--provider", "extractive", "ingest"], tmp_path).returncode == 0
    command = f"mount --bind {project} {project} && mount -o remount,bind,ro {project} {project} && "
    command += f"{sys.executable} -m kwiki --project {project} status"
    try:
        result = subprocess.run(
            ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, timeout=60, check=False
        )
    except FileNotFoundError:
        pytest.skip("no unshare here")
    if "mount" in result.stderr and "kwiki" not in result.stderr:
        pytest.skip(f"cannot make a read-only mount here: {result.stderr.strip()[:80]}")
    assert "damaged" not in result.stderr and "doctor --fix" not in result.stderr, result.stderr
    assert "read-only file system" in result.stderr and result.returncode == 1
