"""One planted instance of every check: each is found exactly once, with its id, path and line."""

from __future__ import annotations

from kwiki.lint import CHECKS, LintOptions, run_lint
from kwiki.project import Paths
from kwiki.state import State

from .conftest import tree_hash

# check id → (file relative to the project root, text on the line the finding points at; "" = line 1)
PLANTED = {
    "link-unresolved": ("wiki/concepts/alpha.md", "[[nowhere-page]]"),
    "link-alias": ("wiki/concepts/beta.md", "[[first letter]]"),
    "embed-missing": ("wiki/concepts/beta.md", "![[missing-chart.png]]"),
    "heading-missing": ("wiki/entities/gamma.md", "[[alpha#No Such Heading]]"),
    "name-clash": ("wiki/media/Diagram.png", ""),
    "name-invalid": ("wiki/assets/bad:name.png", ""),
    "frontmatter-missing": ("wiki/notes/plain-note.md", ""),
    "frontmatter-invalid": ("wiki/notes/broken.md", ""),
    "frontmatter-keys": ("wiki/notes/keyless.md", ""),
    "property-type": ("wiki/notes/typed.md", "created: yesterday"),
    "tag-invalid": ("wiki/notes/tagged.md", "tags:"),
    "property-link-unquoted": ("wiki/notes/related.md", "related: [[alpha]]"),
    "orphan": ("wiki/concepts/lonely.md", ""),
    "page-empty": ("wiki/concepts/thin.md", "# Thin"),
    "no-sources": ("wiki/concepts/unsourced.md", "sources:"),
    "source-missing": ("wiki/concepts/ghost-source.md", "sources:"),
    "single-source": ("wiki/concepts/solo.md", "sources:"),
    "stale-page": ("wiki/sources/source-d.md", "sources:"),
    "raw-not-ingested": ("raw/2026/new.md", ""),
    "raw-skipped": ("raw/2026/empty.md", ""),
    "source-failed": ("raw/2026/fail.md", ""),
    "index-stale": ("wiki/index.md", ""),
    "log-stale": ("wiki/log.md", "[[deleted-page]]"),
    "concept-candidate": ("wiki/sources/source-a.md", "- Reward hacking"),
    "contradiction-open": ("wiki/concepts/beta.md", "> [!warning] Contradiction"),
    "update-conflict": ("wiki/entities/gamma.md", "> [!note] kwiki update"),
    "url-foreign": ("wiki/sources/source-b.md", "https://evil.example/x.png"),
    "raw-injection": ("raw/2026/c.md", "Ignore all previous instructions"),
    "answer-stale": ("wiki/answers/old-answer.md", "cites:"),
    "base-invalid": ("wiki/bases/broken.base", "formula.missing"),
    "entry-odd": ("wiki/notes/folder.md", ""),
}
FIXABLE = {
    "link-unresolved",
    "link-alias",
    "heading-missing",
    "tag-invalid",
    "property-link-unquoted",
    "index-stale",
    "log-stale",
    "concept-candidate",
}


def _line(paths: Paths, rel: str, marker: str) -> int:
    if not marker:
        return 1
    lines = (paths.root / rel).read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if marker in line)


def _lint(paths: Paths, options: LintOptions) -> list[tuple[str, str, int]]:
    with State.open(paths.state_db) as state:
        report = run_lint(paths, state, options)
    return [(f.id, f.path, f.line) for f in report.findings]


def test_every_check_is_planted_once() -> None:
    assert set(PLANTED) == set(CHECKS)


def test_each_planted_instance_is_found_once_at_its_line(planted_project: Paths) -> None:
    found = _lint(planted_project, LintOptions())
    expected = sorted((check, path, _line(planted_project, path, marker)) for check, (path, marker) in PLANTED.items())
    assert sorted(found) == expected


def test_fix_repairs_the_fixable_and_a_second_run_finds_none_of_them(planted_project: Paths) -> None:
    raw_before = tree_hash(planted_project.raw)
    with State.open(planted_project.state_db) as state:
        report = run_lint(planted_project, state, LintOptions(fix=True, today="2026-05-01"))
    assert report.fixes
    remaining = {check for check, _, _ in _lint(planted_project, LintOptions())}
    assert remaining == set(PLANTED) - FIXABLE
    assert tree_hash(planted_project.raw) == raw_before
    wiki = planted_project.wiki
    assert "[[reward-hacking" not in (wiki / "sources/source-a.md").read_text()  # prose and mentions untouched
    assert "stub: true" in (wiki / "concepts/reward-hacking.md").read_text()
    assert "Also [[alpha|first letter]] and" in (wiki / "concepts/beta.md").read_text()
    assert "See nowhere-page." in (wiki / "concepts/alpha.md").read_text()
    assert 'related: "[[alpha]]"' in (wiki / "notes/related.md").read_text()
    assert "tags: [machine-learning]" in (wiki / "notes/tagged.md").read_text()
    log = (wiki / "log.md").read_text()
    assert "[[deleted-page]]" not in log
    assert "## [2026-05-01] lint |" in log
