"""`run_lint`: read the project once, optionally compare pages with a model and repair, then run every check."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from kwiki.errors import UsageError
from kwiki.lint import bases, catalog, entries, freshness, links, mentions, names, pages, properties, review
from kwiki.lint.callouts import render_found
from kwiki.lint.deep import default_budget, run_deep
from kwiki.lint.fix import apply_fixes
from kwiki.lint.model import SEVERITIES, DeepSummary, Finding, Fix, LintOptions, LintReport, Progress
from kwiki.lint.snapshot import Vault, load_vault
from kwiki.llm.base import LLM
from kwiki.lock import ProjectLock
from kwiki.project import Paths
from kwiki.state import State

CHECKERS: tuple[Callable[[Vault], Iterator[Finding]], ...] = (
    links.check,
    names.check,
    properties.check,
    pages.check,
    freshness.check,
    catalog.check,
    mentions.check,
    review.check,
    bases.check,
    entries.check,
)
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def collect(vault: Vault) -> tuple[Finding, ...]:
    found = [item for checker in CHECKERS for item in checker(vault)]
    return tuple(sorted(found, key=lambda f: (_RANK[f.severity], f.path, f.line, f.id, f.message)))


def _deep(
    paths: Paths, vault: Vault, state: State | None, llm: LLM | None, budget: int | None, progress: Progress | None
) -> DeepSummary:
    if state is None or llm is None:
        raise UsageError("--deep needs a model and the project state", "run it inside a kwiki project")
    summary, found = run_deep(vault, state, llm, default_budget(vault) if budget is None else budget, progress)
    if found:
        render_found(paths, state, found)
    return summary


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Lint builds a million small objects that all live until it ends: the cyclic collector would scan
    them again and again for nothing (a quarter of the run on a 10,000-page vault), and they hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_lint(
    paths: Paths, state: State | None, options: LintOptions, llm: LLM | None = None, progress: Progress | None = None
) -> LintReport:
    """Every finding of the project's wiki, after the --deep comparison and the --fix repairs asked for.

    `progress` hears of each --deep comparison: ("compare", "a.md ~ b.md", done, total)."""
    if options.budget is not None and options.budget < 0:
        raise UsageError(f"--budget {options.budget} is negative", "give a number of model calls, 0 or more")
    writes = options.fix or options.deep  # one writer per project, whoever calls
    with _gc_paused(), ProjectLock(paths.state_dir, "lint") if writes else nullcontext():
        return _run(paths, state, options, llm, progress)


def _run(
    paths: Paths, state: State | None, options: LintOptions, llm: LLM | None, progress: Progress | None
) -> LintReport:
    vault = load_vault(paths, state)
    deep = None
    if options.deep:
        deep = _deep(paths, vault, state, llm, options.budget, progress)
        vault = load_vault(paths, state) if deep.new_contradictions else vault
    fixes: list[Fix] = []
    if options.fix:
        today = dt.date.fromisoformat(options.today) if options.today else dt.date.today()
        fixes = apply_fixes(vault, today)
        vault = load_vault(paths, state) if fixes else vault
    return LintReport(collect(vault), tuple(fixes), deep)
