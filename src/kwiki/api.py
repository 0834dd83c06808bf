"""The library's front door: open a project, then ingest, lint and query it as the CLI does.

Each call takes the project lock when it writes (ingest, lint with fix or deep, saving an answer), exactly as the
commands do, and keeps the search index current; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kwiki.config import Config, load_config
from kwiki.errors import UsageError
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.lint.model import LintOptions, LintReport
from kwiki.lint.run import run_lint
from kwiki.llm.base import LLM
from kwiki.project import Paths, find_root
from kwiki.query import DEFAULT_BUDGET, DEFAULT_LIMIT, Answer, answer, save_answer
from kwiki.state import State


@dataclass
class Project:
    """One kwiki project: its folders, its settings, and the model those settings name (built on first use)."""

    paths: Paths
    config: Config
    env: Mapping[str, str] = field(default_factory=dict)
    _llm: LLM | None = field(default=None, repr=False)

    def llm(self) -> LLM:
        if self._llm is None:
            from kwiki.llm.provider import build_llm
            from kwiki.llm.wrappers import Meter

            self._llm = build_llm(self.config, self.paths, self.env, meter=Meter(), debug_sink=None)
        return self._llm

    def ingest(self, *targets: Path, plan_only: bool = False, today: str = "") -> IngestReport:
        """raw/ (or the given files and folders under it) into wiki/; `plan_only` writes nothing."""
        options = IngestOptions(
            targets=tuple(targets),
            plan_only=plan_only,
            concurrency=self.config.concurrency,
            max_bytes=int(self.config.max_source_mb * 1_000_000),
            today=today or dt.date.today().isoformat(),
            provider=self.config.provider,
        )
        return ingest(self.paths, self.llm(), options)

    def lint(self, fix: bool = False, deep: bool = False, budget: int | None = None) -> LintReport:
        options = LintOptions(fix=fix, deep=deep, budget=budget)
        if not (fix or deep or self.paths.state_db.is_file()):
            return run_lint(self.paths, None, options)
        with State.open(self.paths.state_db) as state:
            return run_lint(self.paths, state, options, self.llm() if deep else None)

    def query(self, question: str, limit: int = DEFAULT_LIMIT, budget: int = DEFAULT_BUDGET) -> Answer:
        return answer(self.paths, self.llm(), question, limit, budget)

    def save(self, result: Answer, today: dt.date | None = None) -> str:
        """File an answer in wiki/answers/ and log it; returns its wiki-relative path."""
        return save_answer(self.paths, result, today or dt.date.today())


def open_project(
    folder: str | Path = ".",
    *,
    provider: str | None = None,
    model: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Project:
    """The project at or above `folder`; settings from kwiki.toml, the environment and the arguments."""
    root = find_root(Path(folder))
    if root is None:
        raise UsageError(f"no kwiki project at {Path(folder).absolute()} or above", "run `kwiki init` there first")
    env = dict(os.environ if env is None else env)
    config = load_config(root, {"provider": provider, "model": model, "base_url": None}, env)
    return Project(Paths(root), config, env)
