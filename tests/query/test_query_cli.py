"""`kwiki query` through typer's CliRunner and as a subprocess: output, --json shapes, exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kwiki.cli.query  # noqa: F401  (registers the command)
from kwiki.cli.app import app
from kwiki.project import Paths

NO_KEYS = {"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": None, "KWIKI_PROVIDER": None, "KWIKI_MODEL": None}
REPLY = "Checkers grade each attempt [[rlvr]], as in [[invented-page]].\n"


def raw_digest(raw: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(raw.rglob("*")):
        digest.update(str(path.relative_to(raw)).encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


@pytest.fixture
def project(wiki: Paths) -> Iterator[Paths]:
    """The fixture wiki with a raw/ that no query may touch."""
    (wiki.raw / "2025").mkdir()
    (wiki.raw / "2025" / "11.17.md").write_text("Software 2.0 easily automates what you can verify.\n")
    before = raw_digest(wiki.raw)
    yield wiki
    assert raw_digest(wiki.raw) == before


def use_fake(paths: Paths, reply: str | None) -> None:
    replies = paths.root / "replies"
    replies.mkdir()
    if reply is not None:
        (replies / "query.md").write_text(reply, encoding="utf-8")
    paths.config.write_text('provider = "fake"\nfake_replies = "replies"\n', encoding="utf-8")


def run(paths: Paths, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--project", str(paths.root), "query", *args], env=NO_KEYS)
    return result.exit_code, result.stdout, result.stderr


def test_offline_query_prints_ranked_pages_with_snippets(project: Paths) -> None:
    code, stdout, _ = run(project, "what", "is", "serendipity?")
    assert code == 0
    assert "Search results (no model)" in stdout and "not an answer" in stdout
    assert "1. Commonplace book  [[commonplace-book]]" in stdout
    assert "Rereading them produced serendipity between distant ideas." in stdout


def test_offline_json_lists_results(project: Paths) -> None:
    code, stdout, _ = run(project, "--json", "RLVR")
    assert code == 0
    data = json.loads(stdout)
    first = data["results"][0]
    assert set(first) >= {"page", "title", "type", "score", "snippet", "sentences"}
    assert (first["page"], first["type"]) == ("rlvr", "method")


def test_no_llm_flag_skips_the_configured_model(project: Paths) -> None:
    use_fake(project, None)  # a fake with no reply would fail if it were called
    code, stdout, _ = run(project, "--no-llm", "serendipity")
    assert code == 0 and "Search results (no model)" in stdout


def test_answer_json_with_fake_provider(project: Paths) -> None:
    use_fake(project, REPLY)
    code, stdout, _ = run(project, "--json", "--limit", "2", "How do checkers grade each attempt?")
    assert code == 0
    data = json.loads(stdout)
    assert data["answer"] == "Checkers grade each attempt [[rlvr]], as in invented-page."
    assert data["citations"] == [
        {"page": "rlvr", "title": "Reinforcement learning from verifiable rewards", "path": "methods/rlvr.md"}
    ]
    assert data["removed_citations"] == ["invented-page"]
    assert 1 <= len(data["pages_used"]) <= 2
    assert data["llm"]["calls"] == 1 and data["saved"] is None


def test_answer_is_rendered_with_pages_used_and_saved(project: Paths) -> None:
    use_fake(project, REPLY)
    code, stdout, stderr = run(project, "--save", "How do checkers grade each attempt?")
    assert code == 0
    assert "Checkers grade each attempt" in stdout and "* [[rlvr]]" in stdout
    assert "removed citations" in stderr and "[[invented-page]]" in stderr
    assert "saved wiki/answers/how-do-checkers-grade-each-attempt.md" in stdout
    assert (project.wiki / "answers" / "how-do-checkers-grade-each-attempt.md").is_file()


def test_an_answer_citing_no_page_is_not_saved(project: Paths) -> None:
    """ "I cannot do that." was filed into wiki/answers/ as knowledge, pointing to nothing."""
    use_fake(project, "I cannot do that.\n")
    before = sorted(project.wiki.rglob("*"))
    code, stdout, stderr = run(project, "--save", "How do checkers grade each attempt?")
    assert code == 1 and "not saved: the answer cites no page" in stderr
    assert "I cannot do that." in stdout and sorted(project.wiki.rglob("*")) == before


def test_failed_model_call_exits_1(project: Paths) -> None:
    use_fake(project, None)
    code, _, stderr = run(project, "How do checkers grade each attempt?")
    assert code == 1 and "error:" in stderr


@pytest.mark.parametrize("args", [[" "], ["--no-llm", "--save", "rlvr"]])
def test_usage_errors_exit_2(project: Paths, args: list[str]) -> None:
    code, _, stderr = run(project, *args)
    assert code == 2 and "error:" in stderr


def test_no_project_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--project", str(tmp_path), "query", "rlvr"], env=NO_KEYS)
    assert result.exit_code == 2 and "no kwiki project" in result.stderr


def test_offline_query_as_a_subprocess_without_keys(project: Paths) -> None:
    env = {k: v for k, v in os.environ.items() if k not in NO_KEYS}
    done = subprocess.run(
        # the same as `kwiki query …`, whether or not kwiki.cli already imports the query command
        [sys.executable, "-c", "import kwiki.cli.query, kwiki.cli; kwiki.cli.main()", "query", "Gedächtnispalast"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Search results (no model)" in done.stdout and "[[gedaechtnispalast]]" in done.stdout


def test_save_offline_explains_it_needs_a_model_and_how_to_set_one(project: Paths) -> None:
    code, _, stderr = run(project, "--save", "rlvr")  # no key, no provider: extractive
    assert code == 2
    assert "provider extractive (offline) runs no model" in stderr
    assert "ANTHROPIC_API_KEY" in stderr and "base_url" in stderr
    assert "--no-llm" not in stderr  # the user never passed it


def test_save_with_no_llm_says_to_drop_it(project: Paths) -> None:
    _, _, stderr = run(project, "--no-llm", "--save", "rlvr")
    assert "drop --no-llm" in stderr
