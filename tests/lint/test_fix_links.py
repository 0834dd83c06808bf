"""`lint --fix` unlinks only links kwiki wrote or links to deleted pages, never a person's forward link."""

from __future__ import annotations

from typer.testing import CliRunner

from kwiki.cli import app
from kwiki.project import Paths

runner = CliRunner()


def _fix(paths: Paths) -> str:
    result = runner.invoke(app, ["lint", "--fix", "--project", str(paths.root)])
    return result.stdout


def test_fix_keeps_a_forward_link_a_person_wrote(clean_project: Paths) -> None:
    page = clean_project.wiki / "concepts/alpha.md"
    page.write_text(page.read_text() + "\nI will write [[does-not-exist]] next week.\n")
    stdout = _fix(clean_project)
    assert "I will write [[does-not-exist]] next week." in page.read_text()
    assert "unlinked" not in stdout
    assert "link-unresolved link to 'does-not-exist'" in stdout  # still reported, with how to fix it
    assert "kept 1 broken link kwiki did not write" in stdout


def test_fix_unlinks_a_broken_link_kwiki_wrote(clean_project: Paths) -> None:
    page = clean_project.wiki / "concepts/alpha.md"
    page.write_text(page.read_text() + "\nSee [[dropped-concept]].\n")
    base = clean_project.base_dir / "concepts/alpha.md"
    base.parent.mkdir(parents=True, exist_ok=True)
    base.write_text(page.read_text())
    stdout = _fix(clean_project)
    assert "See dropped-concept." in page.read_text()
    assert "unlinked 'dropped-concept'" in stdout


def test_fix_unlinks_a_link_to_a_page_that_was_deleted(clean_project: Paths) -> None:
    log = clean_project.wiki / "log.md"
    log.write_text(log.read_text() + "\n## [2026-04-19] ingest | Old\n\n- page: `sources/old-source.md`\n")
    page = clean_project.wiki / "concepts/beta.md"
    page.write_text(page.read_text() + "\nAs [[old-source]] said.\n")
    _fix(clean_project)
    assert "As old-source said." in page.read_text()
