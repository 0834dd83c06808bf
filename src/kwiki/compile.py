"""Turn all extracted notes into pages: place every page, draft knowledge pages, merge human edits, finish."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kwiki import contradictions as contra
from kwiki.discover import read_source
from kwiki.errors import KwikiError
from kwiki.index import LogEntry, append_log, index_changes, scan_pages
from kwiki.journal import ChangeSet
from kwiki.knowledge import (
    PagePlan,
    alias_lookup,
    check_body,
    knowledge_frontmatter,
    neighbours,
    page_path,
    plan_pages,
    relink,
    write_request,
)
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import fence_json
from kwiki.markdown import split_frontmatter
from kwiki.merge import merge_page
from kwiki.notes import SourceNote
from kwiki.pages import LinkTo, clean_tags, render, source_body, source_frontmatter
from kwiki.payloads import OverviewPayload, overview_page
from kwiki.project import Paths
from kwiki.prompts import load_prompt
from kwiki.resolve import Cluster, assign_slugs, normalize_name, resolve
from kwiki.slugs import RESERVED, slugify, unique_slug
from kwiki.state import ContradictionRecord, PageRecord, State

OVERVIEW_PAGES = 12  # the overview's digest: small and fixed, so its prompt is the same size for any wiki
Progress = Callable[[str, str, int, int], None]
Draft = tuple[str, list[contra.Finding]]  # checked body, contradictions the draft reported


@dataclass
class CompileResult:
    changes: ChangeSet = field(default_factory=ChangeSet)
    source_pages: dict[str, str] = field(default_factory=dict)  # raw path → wiki path
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    page_failures: list[tuple[str, str]] = field(default_factory=list)


class Compiler:
    """Holds one run's view of the wiki: notes, clusters and where every page lives."""

    def __init__(
        self, paths: Paths, state: State, notes: Mapping[str, SourceNote], changed: set[str], today: str
    ) -> None:
        self.paths, self.notes, self.changed, self.today = paths, dict(notes), changed, today
        self.records = {r.path: r for r in state.pages()}
        self.old_sources = {r.path: r for r in state.sources()}
        self.old_contradictions = state.contradictions()
        self.clusters = [c for c in resolve(self.notes) if c.deserves_page]
        taken = {p.stem.casefold() for p in _markdown_files(paths.wiki)}
        self.slugs = assign_slugs(self.clusters, self._kept_knowledge_slugs(), set(RESERVED))
        taken -= {s.casefold() for s in self.slugs.values()}
        self.source_pages = self._place_sources(taken | RESERVED | {s.casefold() for s in self.slugs.values()})
        self.source_links = {p: LinkTo(_stem(rel), self.notes[p].title) for p, rel in self.source_pages.items()}
        self._texts: dict[str, str] = {}
        self.lookup = alias_lookup(self.clusters, self.slugs, list(self.source_links.values()))

    def _kept_knowledge_slugs(self) -> dict[str, str]:
        """Slugs that already exist stay: kwiki's own, and pages a human renamed (found by title and type)."""
        kept = {}
        by_title = _titles_on_disk(self.paths.wiki) if self.records else {}
        for record in self.records.values():
            if record.kind not in ("concept", "entity", "method"):
                continue
            if (self.paths.wiki / record.path).is_file():
                kept[record.key] = _stem(record.path)
            elif (record.key, record.kind) in by_title:
                kept[record.key] = _stem(by_title[(record.key, record.kind)])
        return kept

    def _place_sources(self, taken: set[str]) -> dict[str, str]:
        placed = {}
        for path in sorted(self.notes):
            old = self.old_sources.get(path)
            if old and old.pages and (self.paths.wiki / old.pages[0]).is_file():
                placed[path] = old.pages[0]
                continue
            candidate = slugify(self.notes[path].title)
            rel = f"sources/{candidate}.md"
            if not _page_of_source(self.paths.wiki / rel, path):
                candidate = unique_slug(candidate, taken)
                rel = f"sources/{candidate}.md"
            taken.add(candidate.casefold())
            placed[path] = rel
        return placed

    def plan(self) -> list[PagePlan]:
        previous = {r.path: r.input_hash for r in self.records.values()}
        return plan_pages(self.clusters, self.slugs, self.notes, previous)

    def compile(
        self, llm: LLM, schema_doc: str, concurrency: int, deleted_titles: Mapping[str, str], progress: Progress | None
    ) -> CompileResult:
        result = CompileResult(source_pages=dict(self.source_pages))
        plans = self.plan()
        drafts = self._draft_all(llm, plans, schema_doc, concurrency, result, progress)
        findings = [f for plan, (_, found) in drafts.items() for f in found]
        records = self._contradictions(findings)
        for plan, (body, _) in drafts.items():
            self._write_knowledge(plan.cluster, plan.path, body, records, result, plan.input_hash)
        self._refresh_unchanged(plans, records, result)
        self._remove_stale_knowledge(result)
        self._write_sources(records, result)
        self._remove_deleted_sources(deleted_titles, result)
        result.changes.contradictions = records
        return result

    def _draft_all(
        self,
        llm: LLM,
        plans: Sequence[PagePlan],
        schema_doc: str,
        concurrency: int,
        result: CompileResult,
        progress: Progress | None,
    ) -> dict[PagePlan, Draft]:
        lookup = self.lookup

        def one(plan: PagePlan) -> tuple[PagePlan, tuple[str, list[contra.Finding]] | str]:
            try:
                return plan, self._draft(llm, plan, schema_doc, lookup)
            except KwikiError as err:  # a failed page is retried next run; the others go on
                return plan, str(err)

        drafts = {}
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for count, (plan, outcome) in enumerate(pool.map(one, plans), start=1):
                if isinstance(outcome, str):
                    result.page_failures.append((plan.path, outcome))
                else:
                    drafts[plan] = outcome
                if progress:
                    progress("write", plan.path, count, len(plans))
        return drafts

    def _draft(self, llm: LLM, plan: PagePlan, schema_doc: str, lookup: Callable[[str], LinkTo | None]) -> Draft:
        current = self._current_body(plan)
        near = neighbours(plan.cluster, self.clusters, self.slugs)
        # sources on either side of an open contradiction travel again, so a newer source can settle it
        disputed = {
            s
            for r in self.old_contradictions
            if r.subject == plan.path and r.status == "open"
            for s in (r.source_a, r.source_b)
        }
        request = write_request(plan, current, self.source_links, self.notes, near, schema_doc, self.changed | disputed)
        reply = llm.complete(request)
        body, callouts = contra.split_callouts(reply.text)
        slug_to_source = {link.slug.casefold(): path for path, link in self.source_links.items()}
        findings = contra.findings_from(plan.path, callouts, slug_to_source)
        texts = [self._source_text(p) for p in plan.cluster.sources]
        return check_body(body, lookup, texts), findings

    def _current_body(self, plan: PagePlan) -> str:
        """The page's last generated body, unless a source it drew on is gone (then it is redrafted from scratch)."""
        record = self.records.get(plan.path)
        if record is None or not set(record.sources) <= set(plan.cluster.sources):
            return ""
        return relink(self._stored_body(plan.path), self.lookup)

    def _stored_body(self, rel: str) -> str:
        """The drafted part of the page kwiki last generated: without H1, callouts, Related and Sources."""
        base = self.paths.base_dir / rel
        if not base.is_file():
            return ""
        body = split_frontmatter(base.read_text(encoding="utf-8"))[1]
        return contra.split_callouts(body.split("\n## Related")[0])[0].split("\n", 2)[-1].strip()

    def _refresh_unchanged(
        self, plans: Sequence[PagePlan], records: Sequence[ContradictionRecord], result: CompileResult
    ) -> None:
        """Pages with no new claims are re-rendered without a call: their Related list and callouts may change."""
        planned = {p.path for p in plans}
        for cluster in self.clusters:
            path = page_path(cluster, self.slugs[cluster.key])
            record = self.records.get(path)
            if path not in planned and record is not None:
                body = relink(self._stored_body(path), self.lookup)
                self._write_knowledge(cluster, path, body, records, result, record.input_hash)

    def _source_text(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = read_source(self.paths.raw, path)
        return self._texts[path]

    def _contradictions(self, findings: Sequence[contra.Finding]) -> list[ContradictionRecord]:
        """Earlier findings stand while both sources are unchanged; a redraft's findings are added to them."""
        new_pairs = {(f.subject, f.source_a, f.source_b) for f in findings}
        kept = [
            contra.Finding(r.subject, r.source_a, r.source_b, r.claim_a)
            for r in self.old_contradictions
            if r.source_a in self.notes
            and r.source_b in self.notes
            and not {r.source_a, r.source_b} & self.changed
            and (r.subject, r.source_a, r.source_b) not in new_pairs
        ]
        dates = {p: n.date for p, n in self.notes.items()}
        return contra.settle([*kept, *findings], dates, self.source_pages)

    def _write_knowledge(
        self,
        cluster: Cluster,
        path: str,
        body: str,
        records: Sequence[ContradictionRecord],
        result: CompileResult,
        digest: str,
    ) -> None:
        callouts = [contra.render_callout(r) for r in records if r.subject == path]
        related = [n for n in neighbours(cluster, self.clusters, self.slugs)]
        sources = [self.source_links[p] for p in cluster.sources]
        text = "\n\n".join(
            [
                f"# {cluster.title}",
                body or "_No text yet._",
                *callouts,
                "## Related",
                " · ".join(r.markdown() for r in related) or "_None yet._",
                "## Sources",
                "\n".join(f"- {s.markdown()}" for s in sources),
            ]
        )
        tags = clean_tags([cluster.kind, *[t for p in cluster.sources for t in self.notes[p].tags][:4]])
        self._place(path, knowledge_frontmatter(cluster, body, tags), text, result)
        result.changes.pages.append(PageRecord(path, cluster.kind, cluster.key, digest, cluster.sources))

    def _place(self, rel: str, frontmatter: dict[str, object], body: str, result: CompileResult) -> None:
        """Merge with any human edit, then stage the write; the base keeps what kwiki generated."""
        disk_path, base_path = self.paths.wiki / rel, self.paths.base_dir / rel
        disk = disk_path.read_text(encoding="utf-8") if disk_path.is_file() else None
        base = base_path.read_text(encoding="utf-8") if base_path.is_file() else None
        new = render(frontmatter, body, base or disk, self.today)
        merged = merge_page(base, disk, new)
        if merged.conflicts:
            result.conflicts.append(rel)
        if merged.text != disk:
            result.changes.files[rel] = merged.text
            (result.updated if disk is not None else result.created).append(rel)
        if new != base:
            result.changes.bases[rel] = new
            result.changes.files.setdefault(rel, merged.text)

    def _remove_stale_knowledge(self, result: CompileResult) -> None:
        wanted = {page_path(c, self.slugs[c.key]) for c in self.clusters}
        for path, record in self.records.items():
            if record.kind in ("concept", "entity", "method") and path not in wanted:
                result.changes.deleted_pages.append(path)
                if self._unedited(path):
                    result.changes.files[path] = None
                    result.removed.append(path)

    def _unedited(self, rel: str) -> bool:
        disk, base = self.paths.wiki / rel, self.paths.base_dir / rel
        return not disk.is_file() or (base.is_file() and base.read_bytes() == disk.read_bytes())

    def _write_sources(self, records: Sequence[ContradictionRecord], result: CompileResult) -> None:
        by_source = _links_by_source(self.clusters, self.slugs)
        for path in sorted(self.notes):
            note, rel = self.notes[path], self.source_pages[path]
            callouts = [contra.render_callout(r) for r in records if path in (r.source_a, r.source_b)]
            links = by_source.get(path, [])
            linked = {normalize_name(link.title) for link in links}
            plain = sorted({m.name for m in note.mentions if normalize_name(m.name) not in linked}, key=str.casefold)
            digest = _hash(note.to_json(), [(x.slug, x.title) for x in links], plain, callouts, rel)
            old = self.old_sources.get(path)
            if path not in self.changed and old and old.pages == (rel,) and self._recorded_hash(rel) == digest:
                continue
            body = source_body(note, self._source_text(path), links, plain, callouts)
            self._place(rel, source_frontmatter(note), body, result)
            result.changes.pages.append(PageRecord(rel, "source", path, digest, (path,)))

    def _recorded_hash(self, rel: str) -> str:
        record = self.records.get(rel)
        return record.input_hash if record else ""

    def _remove_deleted_sources(self, titles: Mapping[str, str], result: CompileResult) -> None:
        for path in titles:
            old = self.old_sources[path]
            for rel in old.pages:
                result.changes.deleted_pages.append(rel)
                if self._unedited(rel):
                    result.changes.files[rel] = None
                    result.removed.append(rel)

    def finish(self, llm: LLM, result: CompileResult, entries: Sequence[LogEntry]) -> dict[str, str | None]:
        """contradictions.md, overview.md, index.md and log.md, computed from the pages as they will be."""
        files = result.changes.files
        records = result.changes.contradictions or []
        out: dict[str, str | None] = {"contradictions.md": contra.register_text(records)}
        overview = self._overview(llm, files, result)
        if overview:
            out["overview.md"] = overview
        out.update(index_changes(self.paths.wiki, {**files, **out}))
        log_path = self.paths.wiki / "log.md"
        if entries:
            old = log_path.read_text(encoding="utf-8") if log_path.is_file() else None
            out["log.md"] = append_log(old, entries)
        return {rel: text for rel, text in out.items() if text is None or _differs(self.paths.wiki / rel, text)}

    def _overview(self, llm: LLM, files: Mapping[str, str | None], result: CompileResult) -> str | None:
        pages = [p for p in scan_pages(self.paths.wiki, files) if p.type in ("concept", "entity", "method")]
        top = sorted(pages, key=lambda p: (-p.source_count, p.title.casefold()))[:OVERVIEW_PAGES]
        payload: OverviewPayload = {
            "pages": [overview_page(p, top) for p in top],
            "source_count": len(self.notes),
        }
        # rewritten when the wiki changed materially: other leading pages, or the page count moved by ~20%
        digest = _hash(sorted(p.slug for p in top), round(math.log(len(pages) + 1, 1.2)))
        if self._recorded_hash("overview.md") == digest and (self.paths.wiki / "overview.md").is_file():
            return None
        system, user = load_prompt("overview").render(payload=fence_json(payload))
        try:
            reply = llm.complete(Request("overview", system, user, None, max_tokens=1500))
        except KwikiError as err:
            result.page_failures.append(("overview.md", str(err)))
            return None
        known = {p.slug.casefold(): LinkTo(p.slug, p.title) for p in top}
        body = check_body(reply.text, lambda t: known.get(slugify(t).casefold()), [])
        result.changes.pages.append(PageRecord("overview.md", "overview", "overview", digest, ()))
        meta = {"title": "Overview", "type": "overview", "summary": "What this wiki holds, in brief."}
        old = self.paths.wiki / "overview.md"
        return render(
            meta, f"# Overview\n\n{body}", old.read_text(encoding="utf-8") if old.is_file() else None, self.today
        )


def _markdown_files(wiki: Path) -> list[Path]:
    return [p for p in wiki.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(wiki).parts)]


def _titles_on_disk(wiki: Path) -> dict[tuple[str, str], str]:
    found = {}
    for folder in ("concepts", "entities", "methods"):
        for file in (wiki / folder).glob("*.md"):
            meta = split_frontmatter(file.read_text(encoding="utf-8"))[0]
            found[(normalize_name(str(meta.get("title", ""))), str(meta.get("type", "")))] = f"{folder}/{file.name}"
    return found


def _page_of_source(file: Path, source: str) -> bool:
    if not file.is_file():
        return False
    return split_frontmatter(file.read_text(encoding="utf-8"))[0].get("sources") == [source]


def _links_by_source(clusters: Sequence[Cluster], slugs: Mapping[str, str]) -> dict[str, list[LinkTo]]:
    out: dict[str, list[LinkTo]] = {}
    for cluster in clusters:
        descriptions = dict(cluster.descriptions)
        for path in cluster.sources:
            link = LinkTo(slugs[cluster.key], cluster.title, descriptions.get(path, "")[:200])
            out.setdefault(path, []).append(link)
    return out


def _stem(rel: str) -> str:
    return Path(rel).stem


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _differs(path: Path, text: str) -> bool:
    return not path.is_file() or path.read_text(encoding="utf-8") != text
