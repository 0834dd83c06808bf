"""The CLI and the core around the run: the project lock, --plan (writes nothing), --json shapes, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kwiki.cli import app
from kwiki.errors import LockedError
from kwiki.lock import ProjectLock
from kwiki.project import Paths

from .conftest import RawGuard, run, scripted_llm, source_text, static_replies, tree_digest, write_raw

LONG = "\n\n".join(
    f"## Part {i}\n\n" + f"Paragraph {i} says something about long sources. " * 60 for i in range(12)
)  # ~37,000 characters


@pytest.fixture
def fake_cli(project: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Paths:
    """The CLI with provider fake: static scripted replies from a folder."""
    replies = static_replies(tmp_path / "replies")
    monkeypatch.setenv("KWIKI_PROVIDER", "fake")
    monkeypatch.setenv("KWIKI_FAKE_REPLIES", str(replies))
    return project


def _cli(paths: Paths, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(paths.root), "ingest", *args])


def test_second_concurrent_ingest_fails_at_once_naming_the_holder(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"a.md": source_text("A")})
    raw_guard.freeze(project)
    with ProjectLock(project.state_dir, "query"), pytest.raises(LockedError) as caught:
        run(project, scripted_llm())
    assert "kwiki query" in caught.value.message and "pid" in caught.value.message
    assert not (project.wiki / "index.md").exists()


def test_cli_reports_the_lock_holder_and_exits_non_zero(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"a.md": source_text("A")})
    raw_guard.freeze(fake_cli)
    with ProjectLock(fake_cli.state_dir, "lint"):
        result = _cli(fake_cli)
    assert result.exit_code != 0
    assert "locked by `kwiki lint`" in result.stderr


def test_plan_writes_nothing_and_lists_sources_as_json(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"short.md": source_text("Short"), "long.md": LONG})
    raw_guard.freeze(fake_cli)
    before = tree_digest(fake_cli.root)
    result = _cli(fake_cli, "--plan", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["path"]: row for row in data["sources"]}
    assert set(rows) == {"short.md", "long.md"}
    assert all({"reason", "chunks", "estimated_tokens"} <= set(row) for row in rows.values())
    assert rows["short.md"]["chunks"] == 1 and rows["long.md"]["chunks"] > 1
    assert rows["long.md"]["estimated_tokens"] > rows["short.md"]["estimated_tokens"]
    after = tree_digest(fake_cli.root)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert not any(k.startswith("wiki") for k in changed), changed


def test_plan_on_a_fresh_project_creates_no_state(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"short.md": source_text("Short")})
    raw_guard.freeze(fake_cli)
    assert _cli(fake_cli, "--plan", "--json").exit_code == 0
    assert not fake_cli.state_db.exists()


def test_plan_after_an_ingest_changes_neither_wiki_nor_state(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"a.md": source_text("A")})
    assert _cli(fake_cli).exit_code == 0
    write_raw(fake_cli, {"a.md": source_text("A changed"), "b.md": source_text("B")})
    raw_guard.freeze(fake_cli)
    before = tree_digest(fake_cli.wiki), fake_cli.state_db.read_bytes()
    data = json.loads(_cli(fake_cli, "--plan", "--json").stdout)
    assert {(r["path"], r["reason"]) for r in data["sources"]} == {("a.md", "changed"), ("b.md", "new")}
    assert (tree_digest(fake_cli.wiki), fake_cli.state_db.read_bytes()) == before


def test_long_source_is_extracted_per_chunk_plus_one_summary(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, {"long.md": LONG})
    raw_guard.freeze(project)
    plan = run(project, scripted_llm(), plan_only=True)
    chunks = plan.pending[0].chunks
    llm = scripted_llm()
    run(project, llm)
    names = [r.name for r in llm.requests]
    assert chunks > 1 and names.count("extract") == chunks and names.count("summarize") == 1
    assert all(len(r.user) < 24_000 + 8_000 for r in llm.requests if r.name == "extract")


def test_cli_json_summary_has_the_documented_shape(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"a.md": source_text("A"), "b.md": source_text("B"), "bin.md": ""})
    raw_guard.freeze(fake_cli)
    result = _cli(fake_cli, "--json", "-c", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["sources"]) == {"ingested", "unchanged", "skipped", "failed", "deleted"}
    assert {"created", "updated", "deleted"} <= set(data["pages"])
    assert {"calls", "input_tokens", "output_tokens", "cached_tokens", "cache_hits"} <= set(data["llm"])
    assert data["sources"]["ingested"] == 2 and data["sources"]["skipped"] == 1
    assert data["failures"] == [] and data["skipped"] == [{"path": "bin.md", "reason": "empty or whitespace-only"}]
    assert data["llm"]["calls"] >= 3
    again = json.loads(_cli(fake_cli, "--json").stdout)
    assert again["sources"]["unchanged"] == 2 and again["llm"]["calls"] == 0


def test_cli_path_outside_raw_exits_2(fake_cli: Paths, raw_guard: RawGuard, tmp_path: Path) -> None:
    write_raw(fake_cli, {"a.md": source_text("A")})
    raw_guard.freeze(fake_cli)
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# Elsewhere\n", encoding="utf-8")
    result = _cli(fake_cli, str(outside))
    assert result.exit_code == 2
    assert "outside raw/" in result.stderr
    assert not (fake_cli.wiki / "index.md").exists()


def test_cli_ingests_only_the_given_path(fake_cli: Paths, raw_guard: RawGuard) -> None:
    write_raw(fake_cli, {"one/a.md": source_text("A"), "two/b.md": source_text("B")})
    raw_guard.freeze(fake_cli)
    data = json.loads(_cli(fake_cli, str(fake_cli.raw / "one"), "--json").stdout)
    assert data["sources"]["ingested"] == 1 and data["sources"]["deleted"] == 0


def test_a_plan_needs_no_api_key_and_a_run_still_does(project: Paths, clean_env: None) -> None:
    """`--plan` makes no call, and its price is what one wants to see before getting a key."""
    write_raw(project, {"a.md": source_text("A")})
    args = ["--project", str(project.root), "--provider", "anthropic", "ingest"]
    plan = CliRunner().invoke(app, [*args, "--plan", "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["estimated_cost_usd"] > 0
    run_ = CliRunner().invoke(app, args)
    assert run_.exit_code == 2 and "needs an API key" in run_.output


def test_a_missing_claude_md_is_said_before_it_costs_a_full_recompile(project: Paths, clean_env: None) -> None:
    """Deleting CLAUDE.md (taken for another tool's file) made every source pending, silently."""
    write_raw(project, {"a.md": source_text("A")})
    args = ["--project", str(project.root), "--provider", "extractive", "ingest"]
    assert "is missing" not in CliRunner().invoke(app, args).stderr  # never had one: nothing to say
    project.schema.write_text("# My wiki's schema\n\nPages are short.\n", encoding="utf-8")
    assert CliRunner().invoke(app, args).exit_code == 0
    project.schema.unlink()
    plan = CliRunner().invoke(app, [*args, "--plan"])
    assert "CLAUDE.md is missing: the sources compiled with it are extracted again" in plan.stderr


def test_a_plan_says_which_setting_makes_every_source_pending(fake_cli: Paths) -> None:
    """It said `prompts, model or CLAUDE.md changed` whatever changed: after an upgrade that changed the default
    model, a user could not tell why a full (paid) recompile was planned."""
    write_raw(fake_cli, {"a.md": source_text("A")})
    args = ["--project", str(fake_cli.root), "--model", "old-model", "ingest"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    args[args.index("old-model")] = "new-model"
    plan = CliRunner().invoke(app, [*args, "--plan", "--json"])
    assert plan.exit_code == 0, plan.output
    assert [s["reason"] for s in json.loads(plan.stdout)["sources"]] == ["model old-model → new-model"]
