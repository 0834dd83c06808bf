"""`kwiki lint` on the command line: exit codes, compiler-style output at 80 columns, the JSON shape, --fix."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from typer.testing import CliRunner

import kwiki.cli.lint  # noqa: F401  (registers the command)
from kwiki.cli.app import app
from kwiki.cli.lint import summary
from kwiki.lint.model import Fix, LintReport, finding
from kwiki.project import Paths

runner = CliRunner()


def _lint(paths: Paths, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--project", str(paths.root), "lint", *args])
    return result.exit_code, result.stdout


def test_clean_wiki_exits_zero_with_a_summary(clean_project: Paths) -> None:
    code, stdout = _lint(clean_project)
    assert code == 0
    assert stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_errors_exit_one_and_are_grouped_by_file(planted_project: Paths) -> None:
    code, stdout = _lint(planted_project)
    assert code == 1
    located = [line.split(":")[0] for line in stdout.splitlines() if re.match(r"^\S+:\d+: (error|warning|info) ", line)]
    assert located == sorted(located)
    assert "wiki/concepts/alpha.md" in located


def _kwiki(paths: Paths, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KWIKI_")} | {"COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "kwiki", "--project", str(paths.root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_golden_output_at_80_columns_keeps_every_message_and_fix(planted_project: Paths) -> None:
    findings = json.loads(_kwiki(planted_project, "lint", "--json").stdout)["findings"]
    done = _kwiki(planted_project, "lint")
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    flat = _flat(done.stdout)
    for f in findings:
        assert _flat(f"{f['path']}:{f['line']}: {f['severity']} {f['id']} {f['message']}") in flat, f
        assert _flat(f"fix: {f['fix']}") in flat
    assert sum(line.lstrip().startswith("fix: ") for line in lines) == len(findings)
    assert "\x1b[" not in done.stdout  # no colour when stdout is not a terminal
    errors = sum(f["severity"] == "error" for f in findings)
    assert lines[-1].startswith(f"{errors} errors, ")


def test_narrow_terminals_wrap_instead_of_truncating(planted_project: Paths) -> None:
    done = _kwiki(planted_project, "lint", columns=50)
    assert max(map(len, done.stdout.splitlines())) <= 50
    assert "…" not in done.stdout


def test_summary_counts_in_the_singular_for_one() -> None:
    one = (finding("orphan", "wiki/a.md", 1, "m"), finding("single-source", "wiki/a.md", 1, "m"))
    report = LintReport(one + (finding("link-alias", "wiki/b.md", 2, "m"),) * 3, (Fix("wiki/index.md", "x"),))
    assert summary(report) == "3 errors, 1 warning, 1 info; 1 fix made"


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
    assert "fixed wiki/concepts/reward-hacking.md: created a stub page" in stdout
    assert "regenerated the index" in stdout
    assert code == 1  # the errors code cannot fix (a missing embed, a clashing name) remain
