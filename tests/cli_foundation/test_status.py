"""`kwiki status`: settings and their origins, the key (never its value), the server probe, counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.scaffold import init_project

from .conftest import Loopback, run_kwiki

runner = CliRunner()


@pytest.fixture
def kb(in_tmp: Path) -> Path:
    init_project(in_tmp)
    return in_tmp


def status_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "status", "--json"])
    assert result.exit_code == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_status_of_a_fresh_project_shows_the_automatic_provider(kb: Path) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"project   {kb}",
        "provider  extractive  (auto: no API key set)",
        "model     extractive  (default)",
        "api key   not needed by provider extractive",
        "raw       0 files",
        "wiki      0 pages",
        "sources   0 done, 0 pending, 0 failed, 0 deleted",
    ]


def test_status_json_has_a_stable_shape(kb: Path) -> None:
    assert status_json() == {
        "root": str(kb),
        "provider": {"value": "extractive", "origin": "auto: no API key set"},
        "model": {"value": "extractive", "origin": "default"},
        "base_url": {"value": None, "origin": "default"},
        "api_key": {"env": None, "present": False, "required": False},
        "endpoint": None,
        "counts": {"raw_files": 0, "wiki_pages": 0},
        "sources": {"done": 0, "pending": [], "failed": [], "deleted": []},
        "batches_in_flight": [],
        "json_modes": [],
    }


def test_status_lists_pending_failed_and_deleted_sources(kb: Path) -> None:
    from kwiki.project import Paths
    from kwiki.state import SourceRecord, State

    (kb / "raw" / "new.md").write_text("# New\n\nA new source.\n", encoding="utf-8")
    (kb / "raw" / "bad.md").write_text("# Bad\n\nIt failed.\n", encoding="utf-8")
    with State.open(Paths(kb).state_db) as state, state.transaction():
        state.put_source(SourceRecord("bad.md", "x", 1, 1, "k", "failed", "rate limited"))
        state.put_source(SourceRecord("gone.md", "y", 1, 1, "k", "done"))
    sources = status_json()["sources"]
    assert sources == {"done": 0, "pending": ["new.md"], "failed": [["bad.md", "rate limited"]], "deleted": ["gone.md"]}
    result = runner.invoke(app, ["status"])
    assert "1 pending, 1 failed, 1 deleted — run `kwiki ingest`" in result.stdout
    assert "failed  bad.md: rate limited" in result.stdout


def test_status_says_the_key_is_set_but_never_prints_it(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret")
    result = runner.invoke(app, ["status"])
    assert "provider  anthropic  (auto: ANTHROPIC_API_KEY is set)" in result.stdout
    assert "api key   ANTHROPIC_API_KEY is set" in result.stdout
    assert "very-secret" not in result.stdout + result.stderr
    assert "very-secret" not in runner.invoke(app, ["status", "--json"]).stdout


def test_status_flags_a_missing_key_for_a_configured_provider(kb: Path) -> None:
    (kb / "kwiki.toml").write_text('provider = "openai"\n', encoding="utf-8")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    assert "api key   OPENAI_API_KEY is NOT set\n" in result.stdout
    assert status_json()["api_key"] == {"env": "OPENAI_API_KEY", "present": False, "required": True}


def test_status_probes_a_reachable_base_url(kb: Path, loopback: Loopback) -> None:
    (kb / "kwiki.toml").write_text(f'provider = "openai"\nbase_url = "{loopback.url}"\n', encoding="utf-8")
    report = status_json()
    assert report["base_url"] == {"value": loopback.url, "origin": "kwiki.toml"}
    assert report["endpoint"] == {"url": f"{loopback.url}/models", "reachable": True, "detail": "HTTP 200"}
    assert report["api_key"] == {"env": "OPENAI_API_KEY", "present": False, "required": False}
    assert [(r["method"], r["path"]) for r in loopback.requests] == [("GET", "/v1/models")]
    assert "Authorization" not in loopback.requests[0]["headers"]
    text = runner.invoke(app, ["status"]).stdout
    assert f"server    reachable: GET {loopback.url}/models → HTTP 200" in text
    assert "OPENAI_API_KEY is NOT set (not needed: base_url is a local server)" in text


def test_a_server_that_answers_401_is_still_reachable(kb: Path, loopback: Loopback) -> None:
    loopback.status = 401
    report = status_json("--provider", "openai", "--base-url", loopback.url)
    assert report["endpoint"] == {"url": f"{loopback.url}/models", "reachable": True, "detail": "HTTP 401"}


def test_status_reports_an_unreachable_base_url_without_failing(kb: Path, dead_url: str) -> None:
    result = runner.invoke(app, ["--provider", "openai", "--base-url", dead_url, "status"])
    assert result.exit_code == 0
    assert f"server    NOT reachable: GET {dead_url}/models → " in result.stdout
    assert "refused" in result.stdout.lower()


def test_status_counts_raw_files_and_wiki_pages_but_not_hidden_ones(kb: Path) -> None:
    files = ["raw/a.md", "raw/2025/b.txt", "raw/.hidden.md", "raw/.git/config", "wiki/concepts/x.md", "wiki/index.md"]
    for rel in files:
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        (kb / rel).write_text("text", encoding="utf-8")
    assert status_json()["counts"] == {"raw_files": 2, "wiki_pages": 2}


def test_status_leaves_the_project_untouched(kb: Path) -> None:
    before = sorted(p.relative_to(kb) for p in kb.rglob("*"))
    runner.invoke(app, ["status"])
    assert sorted(p.relative_to(kb) for p in kb.rglob("*")) == before


def test_subprocess_status_json_uses_the_sdk_base_url_variable(kb: Path, loopback: Loopback) -> None:
    done = run_kwiki(["--provider", "openai", "status", "--json"], kb, OPENAI_BASE_URL=loopback.url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["base_url"] == {"value": loopback.url, "origin": "env OPENAI_BASE_URL"}
    assert report["endpoint"]["reachable"] is True


def test_subprocess_init_then_status(tmp_path: Path) -> None:
    done = run_kwiki(["init", "kb", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"][:2] == ["raw/", "wiki/"]
    done = run_kwiki(["--project", "kb", "status"], tmp_path)
    assert done.returncode == 0
    assert f"project   {tmp_path / 'kb'}" in done.stdout
