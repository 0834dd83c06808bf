"""`kwiki lint` on the command line: exit codes, the grouped table, the JSON shape, --fix."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import kwiki.cli.lint  # noqa: F401  (registers the command)
from kwiki.cli.app import app
from kwiki.project import Paths

runner = CliRunner()


def _lint(paths: Paths, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--project", str(paths.root), "lint", *args])
    return result.exit_code, result.stdout


def test_clean_wiki_exits_zero_with_a_summary(clean_project: Paths) -> None:
    code, stdout = _lint(clean_project)
    assert code == 0
    assert "0 errors, 0 warnings, 0 infos" in stdout


def test_errors_exit_one_and_are_grouped_by_severity(planted_project: Paths) -> None:
    code, stdout = _lint(planted_project)
    assert code == 1
    assert stdout.index("errors (") < stdout.index("warnings (") < stdout.index("infos (")
    assert "wiki/concepts/alpha.md" in stdout


def test_json_lists_every_finding_with_counts(planted_project: Paths) -> None:
    code, stdout = _lint(planted_project, "--json")
    data = json.loads(stdout)
    assert code == 1
    assert set(data["findings"][0]) == {"id", "severity", "path", "line", "message", "fix"}
    assert data["counts"] == {
        s: sum(f["severity"] == s for f in data["findings"]) for s in ("error", "warning", "info")
    }


def test_strict_counts_warnings_as_errors(clean_project: Paths) -> None:
    (clean_project.wiki / "concepts/alpha.md").write_text("no properties\n")
    assert _lint(clean_project)[0] == 0
    assert _lint(clean_project, "--strict")[0] == 1


def test_usage_error_exits_two(clean_project: Paths) -> None:
    assert _lint(clean_project, "--budget", "-1")[0] == 2


def test_fix_says_what_it_did(planted_project: Paths) -> None:
    code, stdout = _lint(planted_project, "--fix")
    assert "fixed  wiki/concepts/reward-hacking.md: created a stub page" in stdout
    assert "regenerated the index" in stdout
    assert code == 1  # the errors code cannot fix (a missing embed, a clashing name) remain
