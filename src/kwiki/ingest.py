"""`kwiki ingest`: discover → extract → resolve → plan → write → finish → apply (DESIGN §2)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kwiki import journal
from kwiki.bases import ensure_bases
from kwiki.compile import Compiler, CompileResult
from kwiki.discover import RawFile, Skipped, discover, read_source, resolve_targets, shown_name
from kwiki.errors import KwikiError
from kwiki.extract import Extraction, extract_source
from kwiki.index import LogEntry
from kwiki.journal import RETRY_PAGES  # set when a page failed: the next run compiles even if no source changed
from kwiki.knowledge import PagePlan
from kwiki.llm.base import LLM
from kwiki.lock import ProjectLock
from kwiki.notes import SourceNote
from kwiki.plan import PageWrite, PendingSource, SourcePlan, compile_key, expected_writes, plan_sources
from kwiki.project import Paths
from kwiki.sanitize import one_line
from kwiki.state import SourceRecord, State

Progress = Callable[[str, str, int, int], None]  # (phase, item, done, total)


@dataclass(frozen=True)
class IngestOptions:
    targets: tuple[Path, ...] = ()
    plan_only: bool = False
    concurrency: int = 4
    max_bytes: int = 5_000_000
    today: str = ""
    provider: str = "extractive"


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)  # sources
    page_failures: list[Failure] = field(default_factory=list)  # pages whose draft failed; retried next run
    deleted: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    pending: list[PendingSource] = field(default_factory=list)
    page_plan: list[PagePlan] = field(default_factory=list)
    writes: tuple[PageWrite, ...] = ()  # --plan: the page writes a run would make
    dropped_quotes: int = 0
    recovered: bool = False
    recovery_notes: list[str] = field(default_factory=list)  # pages merged, kept or not written; a journal set aside
    seconds: float = 0.0


def ingest(paths: Paths, llm: LLM, options: IngestOptions, progress: Progress | None = None) -> IngestReport:
    started = time.monotonic()
    report = IngestReport()
    if options.plan_only:
        return _plan_only(paths, llm, options, report, started)
    with ProjectLock(paths.state_dir, "ingest"), State.open(paths.state_db) as state:
        recovery = journal.recover(paths, state)
        report.recovered, report.recovery_notes = recovery.replayed, list(recovery.notes)
        known = {r.path: r for r in state.sources()}
        key = compile_key(options.provider, llm.model, paths.schema)
        targets = resolve_targets(paths.raw, list(options.targets))
        found = discover(paths.raw, targets, known, options.max_bytes)
        plan = plan_sources(paths.raw, found, known, key)
        report.skipped, report.unchanged = list(found.skipped), len(plan.unchanged)
        report.pending, report.deleted = list(plan.pending), list(plan.deleted)
        if plan.pending or plan.deleted or state.get_meta(RETRY_PAGES) == "1":
            files = {f.rel: f for f in found.found}
            _run(paths, llm, options, state, known, files, plan, key, report, progress)
    report.seconds = time.monotonic() - started
    return report


def _plan_only(paths: Paths, llm: LLM, options: IngestOptions, report: IngestReport, started: float) -> IngestReport:
    """Read-only: no lock, no journal replay, and no state file is created when there is none."""
    known: dict[str, SourceRecord] = {}
    state = State.open(paths.state_db) if paths.state_db.is_file() else None
    if state is not None:
        known = {r.path: r for r in state.sources()}
    try:
        key = compile_key(options.provider, llm.model, paths.schema)
        found = discover(paths.raw, resolve_targets(paths.raw, list(options.targets)), known, options.max_bytes)
        plan = plan_sources(paths.raw, found, known, key)
        report.skipped, report.unchanged = list(found.skipped), len(plan.unchanged)
        report.pending, report.deleted = list(plan.pending), list(plan.deleted)
        if state is not None:
            report.page_plan = _page_plan(paths, state, known, plan)
        pages = state.pages() if state is not None else []
        report.writes = expected_writes(plan, known, pages, report.page_plan, paths.wiki)
    finally:
        if state is not None:
            state.close()
    report.seconds = time.monotonic() - started
    return report


def _page_plan(paths: Paths, state: State, known: Mapping[str, SourceRecord], plan: SourcePlan) -> list[PagePlan]:
    """Knowledge-page edits implied by what is already extracted (pending sources are extracted by the real run)."""
    notes = _notes(known, exclude=set(plan.deleted))
    compiler = Compiler(paths, state, notes, changed=set(), today="")
    return compiler.plan()


def _notes(known: Mapping[str, SourceRecord], exclude: set[str]) -> dict[str, SourceNote]:
    return {p: SourceNote.from_json(r.note) for p, r in known.items() if r.note and p not in exclude}


def _run(
    paths: Paths,
    llm: LLM,
    options: IngestOptions,
    state: State,
    known: Mapping[str, SourceRecord],
    files: Mapping[str, RawFile],
    plan: SourcePlan,
    key: str,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    schema_doc = paths.schema.read_text(encoding="utf-8") if paths.schema.is_file() else ""
    extractions, errors = _extract_all(paths, llm, options, plan, schema_doc, progress)
    notes = _notes(known, exclude=set(plan.deleted))
    notes.update({p: e.note for p, e in extractions.items()})
    compiler = Compiler(paths, state, notes, changed=set(extractions) | set(plan.deleted), today=options.today)
    deleted_titles = _titles(known, plan.deleted)
    result = compiler.compile(llm, schema_doc, options.concurrency, deleted_titles, progress)
    changes, entries = result.changes, []
    for pending in plan.pending:
        if pending.path in extractions:
            extraction = extractions[pending.path]
            changes.sources.append(_done(files[pending.path], extraction, key, result))
            report.ingested.append(pending.path)
            report.dropped_quotes += extraction.dropped_quotes
            page = result.source_pages[pending.path]
            # state was lost (a fresh clone, a deleted .kwiki/) and the page on disk is already exactly this one:
            # adopting it is not news, and logging it again would make log.md differ on every fresh clone
            if pending.reason == "new" and _already_on_disk(paths.wiki / page, changes.files.get(page)):
                continue
            entries.append(
                LogEntry(
                    options.today,
                    "ingest",
                    extraction.note.title,
                    (f"- source: `raw/{shown_name(pending.path)}` ({pending.reason})", f"- page: `{page}`"),
                )
            )
        else:
            changes.sources.append(_failed(files[pending.path], known.get(pending.path), key, errors[pending.path]))
            report.failures.append(Failure(pending.path, errors[pending.path]))
            entries.append(
                LogEntry(
                    options.today,
                    "ingest",
                    shown_name(pending.path),
                    (f"- failed: {one_line(errors[pending.path], 300)}", "- retried on the next run"),
                )
            )
    for path in plan.deleted:
        removed = (f"- source removed: `raw/{shown_name(path)}`",)
        entries.append(LogEntry(options.today, "delete", deleted_titles[path], removed))
    changes.deleted_sources.extend(plan.deleted)
    changes.meta[RETRY_PAGES] = "1" if result.page_failures else "0"
    changes.files.update(compiler.finish(llm, result, entries))
    journal.apply(paths, changes, state)
    ensure_bases(paths.wiki)  # Obsidian Bases views, written once when absent (bases.py)
    report.page_failures = [Failure(page, error) for page, error in result.page_failures]
    report.created, report.updated = result.created, result.updated
    report.removed, report.conflicts = result.removed, result.conflicts


def _extract_all(
    paths: Paths, llm: LLM, options: IngestOptions, plan: SourcePlan, schema_doc: str, progress: Progress | None
) -> tuple[dict[str, Extraction], dict[str, str]]:
    done: dict[str, Extraction] = {}
    errors: dict[str, str] = {}

    def one(path: str) -> tuple[str, Extraction | str]:
        try:
            return path, extract_source(llm, path, read_source(paths.raw, path), schema_doc)
        except KwikiError as err:  # one failed source never stops the others
            return path, str(err)

    with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
        for count, (path, outcome) in enumerate(pool.map(one, [p.path for p in plan.pending]), start=1):
            if isinstance(outcome, str):
                errors[path] = outcome
            else:
                done[path] = outcome
            if progress:
                progress("extract", path, count, len(plan.pending))
    return done, errors


def _already_on_disk(file: Path, staged: str | None) -> bool:
    return file.is_file() and (staged is None or file.read_text(encoding="utf-8") == staged)


def _done(raw: RawFile, extraction: Extraction, key: str, result: CompileResult) -> SourceRecord:
    page = result.source_pages[raw.rel]
    return SourceRecord(
        raw.rel, raw.sha256, raw.size, raw.mtime_ns, key, "done", "", (page,), extraction.note.to_json()
    )


def _failed(raw: RawFile, old: SourceRecord | None, key: str, error: str) -> SourceRecord:
    """Keeps the last good note and page: the wiki stays as it was until the source is extracted again."""
    pages, note = (old.pages, old.note) if old else ((), "")
    return SourceRecord(raw.rel, raw.sha256, raw.size, raw.mtime_ns, key, "failed", error, pages, note)


def _titles(known: Mapping[str, SourceRecord], deleted: tuple[str, ...]) -> dict[str, str]:
    return {p: SourceNote.from_json(known[p].note).title if known[p].note else p for p in deleted}
