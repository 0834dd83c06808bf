"""A wiki kwiki would write, untouched: lint finds nothing and changes nothing."""

from __future__ import annotations

from kwiki.lint import LintOptions, run_lint
from kwiki.project import Paths
from kwiki.state import State

from .conftest import tree_hash


def test_clean_vault_has_no_findings(clean_project: Paths) -> None:
    before = tree_hash(clean_project.root)
    with State.open(clean_project.state_db) as state:
        report = run_lint(clean_project, state, LintOptions())
    assert report.findings == ()
    assert report.counts() == {"error": 0, "warning": 0, "info": 0}
    assert tree_hash(clean_project.root) == before


def test_clean_vault_without_state_has_no_findings(clean_project: Paths) -> None:
    assert run_lint(clean_project, None, LintOptions()).findings == ()


def test_fix_on_clean_vault_changes_nothing_and_logs_nothing(clean_project: Paths) -> None:
    log = (clean_project.wiki / "log.md").read_text()
    with State.open(clean_project.state_db) as state:
        report = run_lint(clean_project, state, LintOptions(fix=True, today="2026-05-01"))
    assert report.fixes == ()
    assert (clean_project.wiki / "log.md").read_text() == log
