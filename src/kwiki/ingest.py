"""`kwiki ingest`: load → discover → extract → compile → apply (docs/design.md §2).

`ingest` is the only part that touches the project: it takes the lock, replays a journal, reads one
`WikiSnapshot`, and applies the change set. Between those, everything is a function of what was read plus the
model's replies (extraction here, drafts in compile.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kwiki import entries, journal, vault
from kwiki.bases import ensure_bases
from kwiki.discover import Discovery, RawFile, Skipped, discover, resolve_targets, shown_name
from kwiki.entries import Odd
from kwiki.errors import EndpointUnreachable, KwikiError
from kwiki.extract import Extraction, extract_source
from kwiki.gate import line as one_line
from kwiki.index import LogEntry, append_log
from kwiki.journal import RETRY_PAGES, ChangeSet  # RETRY_PAGES: a page failed, the next run compiles
from kwiki.knowledge import PagePlan
from kwiki.llm.base import LLM
from kwiki.lock import ProjectLock
from kwiki.markdown import code_span
from kwiki.notes import SourceNote
from kwiki.plan import (
    COMPILED_WITH,
    PageWrite,
    PendingSource,
    SourcePlan,
    compile_parts,
    expected_writes,
    key_of,
    plan_sources,
    recompile_reason,
)
from kwiki.project import Paths
from kwiki.search import refresh_index
from kwiki.snapshot import WikiSnapshot, load_snapshot, notices
from kwiki.state import SourceRecord, Stamped, State
from kwiki.vocabulary import render_digest

if TYPE_CHECKING:  # compile.py and generated.py are imported when a run is due: a no-op never loads them
    from kwiki.compile import Compiled, Progress
    from kwiki.generated import Generated

RENDERED_WITH = "render_digest"  # how pages were last rendered: a new page format re-renders every page


@dataclass(frozen=True)
class IngestOptions:
    targets: tuple[Path, ...] = ()
    plan_only: bool = False
    concurrency: int = 4
    max_bytes: int = 5_000_000
    today: str = ""
    provider: str = "extractive"
    source_images: bool = False


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass(frozen=True)
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
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old page, new page): moved with text and base
    pending: list[PendingSource] = field(default_factory=list)
    page_plan: list[PagePlan] = field(default_factory=list)
    writes: tuple[PageWrite, ...] = ()  # --plan: the page writes a run would make
    dropped_quotes: int = 0
    recovered: bool = False
    recovery_notes: list[str] = field(default_factory=list)  # pages merged, kept or not written; a journal set aside
    odd: tuple[Odd, ...] = ()  # entries of wiki/ and .kwiki/base/ skipped or not read cleanly (entries.py)
    seconds: float = 0.0


def ingest(paths: Paths, llm: LLM, options: IngestOptions, progress: Progress | None = None) -> IngestReport:
    started = time.monotonic()
    if options.plan_only:
        return _plan_only(paths, llm, options, started)
    with ProjectLock(paths.state_dir, "ingest"), State.open(paths.state_db) as state:
        recovery = journal.recover(paths, state)
        known, schema = {r.path: r for r in state.sources(notes=False)}, _schema(paths)  # notes: when a run is due
        parts = compile_parts(options.provider, llm.model, schema)
        key = key_of(parts)
        found = discover(paths.raw, resolve_targets(paths.raw, list(options.targets)), known, options.max_bytes)
        plan = plan_sources(paths.raw, found, known, key, recompile_reason(state.get_meta(COMPILED_WITH), parts))
        run, odd = None, ()  # type: tuple[RunResult | None, tuple[Odd, ...]]
        if plan.pending or plan.deleted or _pages_due(state):  # only then is the vault read
            snap = load_snapshot(paths, state, {r.path: r for r in state.sources()}, schema)
            try:
                run = _run(Run(snap, llm, options, key, found, plan, json.dumps(parts)), progress)
            except EndpointUnreachable as err:  # nothing was applied: sources stay as they were, one log line
                _log_stopped(paths, options.today, err)
                raise
            journal.apply(paths, run.changes, state)
            state.update_catalog(snap.catalog, run.catalog)  # caches, outside the journal: each is checked
            state.put_renders({s.rel: s.render for s in run.compiled.staged if s.render})
            odd = notices(paths, snap)
            ensure_bases(paths.wiki)  # Obsidian Bases views, written once when absent (bases.py)
        if run is not None or recovery.replayed:
            refresh_index(paths)  # `kwiki query` stays fast: the search index follows the pages just written
    return dataclasses.replace(_report(found, plan, run, recovery, time.monotonic() - started), odd=odd)


def _pages_due(state: State) -> bool:
    """A page draft failed last time, or pages were rendered by another version of kwiki."""
    return state.get_meta(RETRY_PAGES) == "1" or state.get_meta(RENDERED_WITH) not in (None, render_digest())


@dataclass(frozen=True)
class Run:
    """What one run works from: the snapshot, the model, the options and the plan."""

    snap: WikiSnapshot
    llm: LLM
    options: IngestOptions
    key: str
    found: Discovery
    plan: SourcePlan
    compiled_with: str = ""  # the compile parts as JSON, kept in state to say later which one changed


@dataclass(frozen=True)
class RunResult:
    changes: ChangeSet
    compiled: Compiled
    extractions: Mapping[str, Extraction]
    errors: Mapping[str, str]
    page_failures: tuple[tuple[str, str], ...]
    catalog: Mapping[str, Stamped]


def _report(
    found: Discovery, plan: SourcePlan, run: RunResult | None, recovery: journal.Recovery, seconds: float
) -> IngestReport:
    base = IngestReport(
        skipped=list(found.skipped),
        unchanged=len(plan.unchanged),
        pending=list(plan.pending),
        deleted=list(plan.deleted),
        recovered=recovery.replayed,
        recovery_notes=list(recovery.notes),
        seconds=seconds,
    )
    if run is None:
        return base
    compiled = run.compiled
    return dataclasses.replace(
        base,
        ingested=[p.path for p in plan.pending if p.path in run.extractions],
        failures=[Failure(p.path, run.errors[p.path]) for p in plan.pending if p.path not in run.extractions],
        page_failures=[Failure(page, error) for page, error in run.page_failures],
        dropped_quotes=sum(e.dropped_quotes for e in run.extractions.values()),
        created=compiled.paths("created"),
        updated=compiled.paths("updated"),
        removed=compiled.paths("removed"),
        conflicts=compiled.conflicts,
        renamed=list(compiled.renamed),
    )


def _plan_only(paths: Paths, llm: LLM, options: IngestOptions, started: float) -> IngestReport:
    """Read-only: no lock, no journal replay, and no state file is created when there is none."""
    state = State.open(paths.state_db) if paths.state_db.is_file() else None
    try:
        known = {r.path: r for r in state.sources()} if state is not None else {}
        snap = load_snapshot(paths, state, known, _schema(paths)) if state is not None else WikiSnapshot(pages={})
        parts = compile_parts(options.provider, llm.model, _schema(paths))
        key = key_of(parts)
        targets = resolve_targets(paths.raw, list(options.targets))
        found = discover(paths.raw, targets, snap.sources, options.max_bytes)
        last = state.get_meta(COMPILED_WITH) if state is not None else None
        plan = plan_sources(paths.raw, found, snap.sources, key, recompile_reason(last, parts))
        page_plan = _page_plan(snap, plan) if state is not None else []
        writes = expected_writes(plan, snap.sources, state.pages() if state else [], page_plan, paths.wiki)
    finally:
        if state is not None:
            state.close()
    report = _report(found, plan, None, journal.Recovery(), time.monotonic() - started)
    return dataclasses.replace(report, page_plan=page_plan, writes=writes)


def _schema(paths: Paths) -> str:
    return paths.schema.read_text(encoding="utf-8") if paths.schema.is_file() else ""


def _page_plan(snap: WikiSnapshot, plan: SourcePlan) -> list[PagePlan]:
    """Knowledge-page edits implied by what is already extracted (pending sources are extracted by the real run)."""
    from kwiki.compile import Compiler

    return Compiler(snap, _notes(snap.sources, exclude=set(plan.deleted)), changed=set(), today="").plan()


def _notes(known: Mapping[str, SourceRecord], exclude: set[str]) -> dict[str, SourceNote]:
    return {p: SourceNote.from_json(r.note) for p, r in known.items() if r.note and p not in exclude}


def _run(run: Run, progress: Progress | None) -> RunResult:
    from kwiki.compile import Compiler
    from kwiki.generated import generate

    extractions, errors = _extract_all(run, progress)
    before = _notes(run.snap.sources, exclude=set(run.plan.deleted))
    notes = {**before, **{p: e.note for p, e in extractions.items()}}
    # A source extracted again to the same note (a new prompt, model or CLAUDE.md) has not changed: its claims are
    # not new to any page, and its contradictions still stand.
    changed = {p for p in extractions if before.get(p) != notes[p]} | set(run.plan.deleted)
    compiler = Compiler(run.snap, notes, changed, run.options.today, run.options.source_images)
    compiled, held = _hold(run.snap, compiler.compile(run.llm, run.options.concurrency, run.plan.deleted, progress))
    extractions = {p: e for p, e in extractions.items() if p not in held}
    errors = {**errors, **held}
    entries = _log_entries(run, compiled, extractions, errors)
    generated = generate(run.snap, run.llm, compiled, entries, len(notes), run.options.today)
    failures = compiled.page_failures + generated.failures
    changes = _change_set(run, compiled, generated, _source_records(run, compiled, extractions, errors), failures)
    return RunResult(changes, compiled, extractions, errors, failures, generated.catalog)


def _change_set(
    run: Run,
    compiled: Compiled,
    generated: Generated,
    sources: list[SourceRecord],
    failures: Sequence[tuple[str, str]],
) -> ChangeSet:
    staged, held = compiled.staged, run.snap.held()
    return ChangeSet(
        files={**compiled.files(), **{rel: text for rel, text in generated.files.items() if rel not in held}},
        bases=compiled.bases(),
        sources=sources,
        deleted_sources=list(run.plan.deleted),
        pages=[s.record for s in staged if s.record is not None] + list(generated.records),
        deleted_pages=[s.rel for s in staged if s.record is None],
        contradictions=list(compiled.contradictions),
        meta={RETRY_PAGES: "1" if failures else "0", RENDERED_WITH: render_digest(), COMPILED_WITH: run.compiled_with},
    )


def _hold(snap: WikiSnapshot, compiled: Compiled) -> tuple[Compiled, dict[str, str]]:
    """Pages kwiki could not read cleanly stay as they are (entries.py); the sources feeding them stay pending."""
    held = snap.held()
    kept = tuple(s for s in compiled.staged if s.rel not in held)
    reasons = {
        source: f"wiki/{s.rel} was not updated: {snap.odd_pages[s.rel].problem}"
        for s in compiled.staged
        if s.rel in held and (s.text is not None or s.base is not None or s.deletes)
        for source in (s.record.sources if s.record is not None else ())
    }
    return dataclasses.replace(compiled, staged=kept), reasons


def _source_records(
    run: Run, compiled: Compiled, extractions: Mapping[str, Extraction], errors: Mapping[str, str]
) -> list[SourceRecord]:
    files = {f.rel: f for f in run.found.found}
    records = []
    for pending in run.plan.pending:
        raw = files[pending.path]
        if pending.path in extractions:
            records.append(_done(raw, extractions[pending.path], run.key, compiled.source_pages[pending.path]))
        else:
            records.append(_failed(raw, run.snap.sources.get(pending.path), run.key, errors[pending.path]))
    return records


def _log_entries(
    run: Run, compiled: Compiled, extractions: Mapping[str, Extraction], errors: Mapping[str, str]
) -> list[LogEntry]:
    today, staged = run.options.today, compiled.files()
    entries = []
    for pending in run.plan.pending:
        if pending.path in extractions:
            page = compiled.source_pages[pending.path]
            # state was lost (a fresh clone, a deleted .kwiki/) and the page on disk is already exactly this one:
            # adopting it is not news, and logging it again would make log.md differ on every fresh clone
            if pending.reason == "new" and _already_on_disk(run.snap, page, staged.get(page)):
                continue
            title = extractions[pending.path].note.title
            lines = (
                f"- source: {code_span(f'raw/{shown_name(pending.path)}')} ({pending.reason})",
                f"- page: `{page}`",
            )
            entries.append(LogEntry(today, "ingest", title, lines))
        else:
            lines = (f"- failed: {one_line(errors[pending.path], 300)}", "- retried on the next run")
            entries.append(LogEntry(today, "ingest", shown_name(pending.path), lines))
    for old, new in compiled.renamed:
        entries.append(LogEntry(today, "rename", new, (f"- page moved: `{old}` → `{new}`",)))
    titles = _titles(run.snap.sources, run.plan.deleted)
    for path in run.plan.deleted:
        entries.append(
            LogEntry(today, "delete", titles[path], (f"- source removed: {code_span(f'raw/{shown_name(path)}')}",))
        )
    return entries


def _extract_all(run: Run, progress: Progress | None) -> tuple[dict[str, Extraction], dict[str, str]]:
    done: dict[str, Extraction] = {}
    errors: dict[str, str] = {}

    def extract_or_error(path: str) -> tuple[str, Extraction | str]:
        try:
            return path, extract_source(run.llm, path, run.snap.raw[path], run.snap.schema)
        except EndpointUnreachable:  # a dead server fails every source: stop the run instead
            raise
        except KwikiError as err:  # one failed source never stops the others
            return path, str(err)

    pending = [p.path for p in run.plan.pending]
    with ThreadPoolExecutor(max_workers=max(1, run.options.concurrency)) as pool:
        for count, (path, outcome) in enumerate(pool.map(extract_or_error, pending), start=1):
            if isinstance(outcome, str):
                errors[path] = outcome
            else:
                done[path] = outcome
            if progress:
                progress("extract", path, count, len(pending))
    return done, errors


def _log_stopped(paths: Paths, today: str, err: EndpointUnreachable) -> None:
    old, odd = entries.read_text(paths.wiki, "log.md")
    if odd is not None and os.path.lexists(paths.wiki / "log.md"):  # not UTF-8, or no file: never written over
        return
    entry = LogEntry(today, "ingest", f"stopped: {err.stopped}", (f"- {one_line(err.message, 300)}",))
    vault.write_text(paths.wiki, "log.md", append_log(old if odd is None else None, [entry]))


def _already_on_disk(snap: WikiSnapshot, page: str, staged: str | None) -> bool:
    return page in snap.pages and (staged is None or snap.pages[page] == staged)


def _done(raw: RawFile, extraction: Extraction, key: str, page: str) -> SourceRecord:
    return SourceRecord(
        raw.rel, raw.sha256, raw.size, raw.mtime_ns, key, "done", "", (page,), extraction.note.to_json()
    )


def _failed(raw: RawFile, old: SourceRecord | None, key: str, error: str) -> SourceRecord:
    """Keeps the last good note and page: the wiki stays as it was until the source is extracted again."""
    pages, note = (old.pages, old.note) if old else ((), "")
    return SourceRecord(raw.rel, raw.sha256, raw.size, raw.mtime_ns, key, "failed", error, pages, note)


def _titles(known: Mapping[str, SourceRecord], deleted: tuple[str, ...]) -> dict[str, str]:
    return {p: SourceNote.from_json(known[p].note).title if known[p].note else p for p in deleted}
