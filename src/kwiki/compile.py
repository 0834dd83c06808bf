"""Turn all extracted notes into pages: place every page, draft knowledge pages, merge human edits.

A function of the `WikiSnapshot` (snapshot.py), the notes and the model's drafts: no filesystem call here. Model
calls go through the `LLM` protocol. What changes is returned as `Compiled`; `generated.py` adds index, log and
overview, and `journal.apply` writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

from kwiki import contradictions as contra
from kwiki import vocabulary as v
from kwiki.delta import earlier_claims, merge_addition, new_claims, update_request
from kwiki.errors import KwikiError
from kwiki.gate import normalize_ws
from kwiki.knowledge import (
    Neighbourhood,
    PagePlan,
    alias_lookup,
    check_body,
    knowledge_frontmatter,
    links_by_source,
    neighbours,
    page_path,
    plan_pages,
    prompt_text,
    relink,
    write_request,
)
from kwiki.llm.base import LLM
from kwiki.markdown.properties import split_text
from kwiki.merge import merge_page
from kwiki.notes import SourceNote
from kwiki.pages import LinkTo, clean_tags, prose_links, render, source_body, source_frontmatter
from kwiki.resolve import Cluster, assign_slugs, normalize_name, resolve
from kwiki.slugs import RESERVED, name_key, slugify, unique_slug
from kwiki.snapshot import LazyTexts, WikiSnapshot
from kwiki.state import ContradictionRecord, PageRecord

Progress = Callable[[str, str, int, int], None]
Draft = tuple[str, list[contra.Finding]]  # checked body, contradictions the draft reported
KNOWLEDGE_FOLDERS = frozenset(v.FOLDERS[kind] for kind in v.KNOWLEDGE_TYPES)


@dataclass(frozen=True)
class Staged:
    """One page as this run leaves it."""

    rel: str
    text: str | None = None  # the file's new text, when the file or its base changes
    base: str | None = None  # the new base (what kwiki generated), when it changes
    record: PageRecord | None = None  # the page's state row; None: the row is dropped
    outcome: str = ""  # created | updated | renamed | removed | moved (the old name of a renamed page) | ""
    conflict: bool = False
    render: str = ""  # what the page was rendered from and the base that came out (state: renders)

    @property
    def deletes(self) -> bool:
        return self.outcome in ("removed", "moved")


@dataclass(frozen=True)
class Compiled:
    """What compiling changes: staged pages, the contradiction register, and where every source's page lives."""

    staged: tuple[Staged, ...]
    contradictions: tuple[ContradictionRecord, ...]
    source_pages: Mapping[str, str]  # raw path → wiki path
    renamed: tuple[tuple[str, str], ...]  # (old path, new path)
    page_failures: tuple[tuple[str, str], ...]  # (page, error): retried next run

    def files(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for s in self.staged:
            if s.deletes:
                out[s.rel] = None
            elif s.text is not None:
                out.setdefault(s.rel, s.text)
        return out

    def bases(self) -> dict[str, str]:
        return {s.rel: s.base for s in self.staged if s.base is not None and not s.deletes}

    def paths(self, outcome: str) -> list[str]:
        return [s.rel for s in self.staged if s.outcome == outcome]

    @property
    def conflicts(self) -> list[str]:
        return [s.rel for s in self.staged if s.conflict]


class Compiler:
    """One run's view of the wiki: notes, clusters and where every page lives."""

    def __init__(
        self,
        snapshot: WikiSnapshot,
        notes: Mapping[str, SourceNote],
        changed: set[str],
        today: str,
        source_images: bool = False,
    ) -> None:
        self.snap, self.notes, self.changed, self.today = snapshot, dict(notes), changed, today
        self.images = source_images  # images a source holds stay images (kwiki.toml source_images)
        self.records = snapshot.records
        self.clusters = [c for c in resolve(self.notes) if c.deserves_page]
        self.slugs = assign_slugs(self.clusters, self._kept_knowledge_slugs(), set(RESERVED) | self._foreign())
        self.moves = self._knowledge_moves()  # new path → old path of a page that moved
        own = {name_key(s) for s in self.slugs.values()}
        self.source_pages = self._place_sources((set(snapshot.basenames) - own) | RESERVED | own)
        self.source_links = {p: LinkTo(_stem(rel), self.notes[p].title) for p, rel in self.source_pages.items()}
        self.lookup = alias_lookup(self.clusters, self.slugs, list(self.source_links.values()))
        self.hood = Neighbourhood(self.clusters)
        # a source's text as quotes are checked against it: normalized once, however many pages cite it
        self.normalized_raw = LazyTexts(None, lambda rel: normalize_ws(snapshot.raw[rel]))

    def _foreign(self) -> set[str]:
        """Basenames a new knowledge page must not take: every page outside the knowledge folders, human ones too,
        and a page of a person's own inside them (no record of kwiki's and no knowledge type, as kwiki writes)."""
        return {name_key(_stem(rel)) for rel in self.snap.pages if self._not_kwikis(rel)}

    def _not_kwikis(self, rel: str) -> bool:
        if rel.split("/")[0] not in KNOWLEDGE_FOLDERS:
            return True
        return rel not in self.records and self.snap.frontmatter(rel).get("type") not in v.KNOWLEDGE_TYPES

    def _kept_knowledge_slugs(self) -> dict[str, str]:
        """Slugs that already exist stay: kwiki's own, and pages a human renamed (found by title and type)."""
        kept = {}
        for record in self.records.values():
            if record.kind not in v.KNOWLEDGE_TYPES:
                continue
            if record.path in self.snap.pages:
                kept[record.key] = _stem(record.path)
            elif (record.key, record.kind) in self.snap.knowledge_titles:
                kept[record.key] = _stem(self.snap.knowledge_titles[(record.key, record.kind)])
        return kept

    def _knowledge_moves(self) -> dict[str, str]:
        """Pages whose kind changed (entity ↔ concept) or that a human renamed: they move with their text and base."""
        wanted = {c.key: page_path(c, self.slugs[c.key]) for c in self.clusters}
        paths = set(wanted.values())
        moves: dict[str, str] = {}
        for record in sorted(self.records.values(), key=lambda r: r.path):
            new = wanted.get(record.key)
            if record.kind in v.KNOWLEDGE_TYPES and record.path not in paths and new and new not in self.records:
                moves.setdefault(new, record.path)
        return moves

    def _place_sources(self, taken: set[str]) -> dict[str, str]:
        placed = {}
        for path in sorted(self.notes):
            old = self.snap.sources.get(path)
            if old and old.pages and old.pages[0] in self.snap.pages:
                placed[path] = old.pages[0]
                continue
            found = self._source_page_on_disk(path, old is not None and bool(old.pages))
            if found is not None:  # state was lost (a fresh clone), or a human renamed the page: adopt it
                placed[path] = found
                if old and old.pages and old.pages[0] != found:
                    self.moves[found] = old.pages[0]
                continue
            candidate = unique_slug(slugify(self.notes[path].title), taken)
            taken.add(name_key(candidate))
            placed[path] = f"{v.FOLDERS['source']}/{candidate}.md"
        return placed

    def _source_page_on_disk(self, path: str, renamed: bool) -> str | None:
        """The page on disk that is this source's: where its title puts it, or (after a rename) anywhere in sources/."""
        rel = f"{v.FOLDERS['source']}/{slugify(self.notes[path].title)}.md"
        if self.snap.frontmatter(rel).get("sources") == [path]:
            return rel
        return self.snap.source_pages_on_disk.get(path) if renamed else None

    def plan(self) -> list[PagePlan]:
        previous = {r.path: r.input_hash for r in self.records.values()}
        previous.update({new: self.records[old].input_hash for new, old in self.moves.items() if old in self.records})
        return plan_pages(self.clusters, self.slugs, self.notes, previous)

    def compile(self, llm: LLM, concurrency: int, deleted: Iterable[str], progress: Progress | None) -> Compiled:
        plans = self.plan()
        drafts, failures = self._draft_all(llm, plans, concurrency, progress)
        unwritten = {p.path for p in plans if p.action == "create"} - {p.path for p in drafts}
        drafts = self._forget_unwritten(unwritten, drafts)
        records = self._contradictions([f for _, found in drafts.values() for f in found])
        staged = [self._knowledge(p.cluster, p.path, body, records, p.input_hash) for p, (body, _) in drafts.items()]
        staged += self._refresh_unchanged(plans, records)
        staged += self._stale_knowledge()
        staged += self._source_pages(records)
        staged += self._deleted_sources(deleted)
        renamed = tuple((old, new) for new, old in sorted(self.moves.items()))
        return Compiled(tuple(staged), tuple(records), dict(self.source_pages), renamed, tuple(failures))

    def _forget_unwritten(self, paths: set[str], drafts: dict[PagePlan, Draft]) -> dict[PagePlan, Draft]:
        """A new page whose draft failed is not written: no other page may link to it until it is."""
        if not paths:
            return drafts
        self.clusters = [c for c in self.clusters if page_path(c, self.slugs[c.key]) not in paths]
        self.lookup = alias_lookup(self.clusters, self.slugs, list(self.source_links.values()))
        self.hood = Neighbourhood(self.clusters)
        return {plan: (relink(body, self.lookup), found) for plan, (body, found) in drafts.items()}

    def _draft_all(
        self, llm: LLM, plans: Sequence[PagePlan], concurrency: int, progress: Progress | None
    ) -> tuple[dict[PagePlan, Draft], list[tuple[str, str]]]:
        def draft_or_error(plan: PagePlan) -> tuple[PagePlan, Draft | str]:
            try:
                return plan, self._draft(llm, plan)
            except KwikiError as err:  # a failed page is retried next run; the others go on
                return plan, str(err)

        drafts, failures = {}, []
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for count, (plan, outcome) in enumerate(pool.map(draft_or_error, plans), start=1):
                if isinstance(outcome, str):
                    failures.append((plan.path, outcome))
                else:
                    drafts[plan] = outcome
                if progress:
                    progress("write", plan.path, count, len(plans))
        return drafts, failures

    def _draft(self, llm: LLM, plan: PagePlan) -> Draft:
        """A delta update, or a whole draft if the page has no body or a cited source changed (docs/design.md §2.5)."""
        current = self._current_body(plan)
        cited = set(record.sources) if (record := self._record(plan.path)) else set()
        fresh = {s for s in plan.cluster.sources if s in self.changed or s not in cited}
        disputed = self._disputed(plan.path)
        if current and not fresh & cited:
            return self._update(llm, plan, current, fresh, disputed)
        sent = fresh | disputed
        near = neighbours(plan.cluster, self.hood, self.slugs, naming=f"{prompt_text(plan, sent)} {current}")
        request = write_request(plan, current, self.source_links, self.notes, near, self.snap.schema, sent)
        return self._checked(llm.complete(request).text, plan.path, plan.cluster.sources)

    def _disputed(self, path: str) -> set[str]:
        """Both sides of the page's open contradictions travel again, so a newer source can settle them."""
        disputes = [r for r in self.snap.contradictions if r.subject == path and r.status == "open"]
        return {s for r in disputes for s in (r.source_a, r.source_b)}

    def _update(self, llm: LLM, plan: PagePlan, current: str, fresh: set[str], disputed: set[str]) -> Draft:
        """Ask for the addition the new claims make and insert it; no call when no claim is new for the page."""
        new = new_claims(plan.claims, fresh)
        if not new:
            return current, []  # only a source or a description more: re-rendered (sources, Related) without a call
        earlier = earlier_claims(plan.claims, fresh, disputed, [plan.cluster.title, *plan.cluster.aliases])
        near = neighbours(plan.cluster, self.hood, self.slugs, among=fresh, naming=prompt_text(plan, fresh))
        links, notes, schema = self.source_links, self.notes, self.snap.schema
        reply = llm.complete(update_request(plan.cluster, current, new, earlier, links, notes, near, schema)).text
        addition, findings = self._checked(reply, plan.path, sorted({p for p, _ in [*new, *earlier]}))
        return merge_addition(current, addition), findings

    def _checked(self, reply: str, path: str, sources: Sequence[str]) -> Draft:
        """The reply through the body checks (quotes must occur in `sources`); its contradiction callouts."""
        body, callouts = contra.split_callouts(reply)
        # a contradiction may cite only this page's own sources, never two the model named from elsewhere
        own = {self.source_links[p].slug.casefold(): p for p in sources if p in self.source_links}
        findings = contra.findings_from(path, callouts, own, self.lookup)
        quotable = {slug: self.normalized_raw[p] for slug, p in own.items()}
        return check_body(body, self.lookup, [self.snap.raw[p] for p in sources], self.images, quotable), findings

    def _record(self, rel: str) -> PageRecord | None:
        return self.records.get(rel) or self.records.get(self.moves.get(rel, ""))

    def _current_body(self, plan: PagePlan) -> str:
        """The page's last generated body, unless a source it drew on is gone (then it is redrafted from scratch)."""
        record = self._record(plan.path)
        if record is None or not set(record.sources) <= set(plan.cluster.sources):
            return ""
        return relink(self._stored_body(plan.path), self.lookup)

    def _base(self, rel: str) -> str | None:
        for name in (rel, self.moves.get(rel)):
            if name is not None and name in self.snap.bases:
                return self.snap.bases[name]
        return None

    def _stored_body(self, rel: str) -> str:
        """The drafted part of the page kwiki last generated: without H1, callouts, Related and Sources."""
        base = self._base(rel)
        if base is None:
            return ""
        text = split_text(base).body  # the frontmatter is not parsed
        end = v.related_at(text)
        body = text[:end] if end >= 0 else text
        return contra.split_callouts(body)[0].split("\n", 2)[-1].strip()

    def _refresh_unchanged(self, plans: Sequence[PagePlan], records: Sequence[ContradictionRecord]) -> list[Staged]:
        """Pages with no new claims are re-rendered without a call: their Related list and callouts may change."""
        planned = {p.path for p in plans}
        staged = []
        for cluster in self.clusters:
            path = page_path(cluster, self.slugs[cluster.key])
            record = self._record(path)
            if path not in planned and record is not None:
                body = relink(self._stored_body(path), self.lookup)
                staged.append(self._knowledge(cluster, path, body, records, record.input_hash))
        return staged

    def _contradictions(self, findings: Sequence[contra.Finding]) -> list[ContradictionRecord]:
        """Earlier findings stand while both sources are unchanged; a redraft's findings are added to them."""
        new_pairs = {(f.subject, f.source_a, f.source_b) for f in findings}
        kept = [
            contra.Finding(r.subject, r.source_a, r.source_b, r.claim_a)
            for r in self.snap.contradictions
            if r.source_a in self.notes
            and r.source_b in self.notes
            and not {r.source_a, r.source_b} & self.changed
            and (r.subject, r.source_a, r.source_b) not in new_pairs
        ]
        dates = {p: n.date for p, n in self.notes.items()}
        return contra.settle([*kept, *findings], dates, self.source_pages)

    def _knowledge(
        self, cluster: Cluster, path: str, body: str, records: Sequence[ContradictionRecord], digest: str
    ) -> Staged:
        callouts = [contra.render_callout(r) for r in records if r.subject == path]
        related = neighbours(cluster, self.hood, self.slugs)
        sources = [self.source_links[p] for p in cluster.sources]
        text = "\n\n".join(
            [
                f"# {cluster.title}",
                body or v.NO_TEXT,
                *callouts,
                v.heading(v.RELATED),
                v.RELATED_SEPARATOR.join(r.markdown() for r in related) or v.NO_RELATED,
                v.heading(v.SOURCES),
                "\n".join(f"- {s.markdown()}" for s in sources),
            ]
        )
        tags = clean_tags([cluster.kind, *[t for p in cluster.sources for t in self.notes[p].tags][:4]])
        record = PageRecord(path, cluster.kind, cluster.key, digest, cluster.sources)
        return self._place(path, knowledge_frontmatter(cluster, body, tags), text, record)

    def _place(self, rel: str, frontmatter: dict[str, object], body: str, record: PageRecord) -> Staged:
        """Merge with any human edit; the base keeps what kwiki generated. A moved page brings its text and base.
        A page made from what its base was made from, untouched since, is not rendered again."""
        moved_from, key = self.moves.get(rel), digest(frontmatter, body, v.render_digest())
        disk = next((self.snap.pages[p] for p in (rel, moved_from) if p is not None and p in self.snap.pages), None)
        base = self._base(rel)
        if moved_from is None and disk is not None and disk == base and self.snap.renders.get(rel) == _made(key, base):
            return Staged(rel, record=record, render=_made(key, base))
        new = render(frontmatter, body, base or disk, self.today)
        merged, made = merge_page(base, disk, new), _made(key, new)
        if moved_from is not None:
            return Staged(rel, merged.text, new, record, "renamed", bool(merged.conflicts), made)
        outcome = "" if merged.text == disk else ("updated" if disk is not None else "created")
        changed = merged.text != disk or new != base
        text = merged.text if changed else None
        return Staged(rel, text, new if new != base else None, record, outcome, bool(merged.conflicts), made)

    def _stale_knowledge(self) -> list[Staged]:
        wanted = {page_path(c, self.slugs[c.key]) for c in self.clusters}
        moved = set(self.moves.values())
        return [
            self._removal(path, "moved" if path in moved else "removed")
            for path, record in sorted(self.records.items())
            if record.kind in v.KNOWLEDGE_TYPES and path not in wanted
        ]

    def _removal(self, rel: str, outcome: str) -> Staged:
        """A page kwiki no longer wants: its state row goes; the file too unless a human edited it (or it moved)."""
        if outcome == "moved" or rel not in self.snap.pages or self.snap.bases.get(rel) == self.snap.pages[rel]:
            return Staged(rel, outcome=outcome)
        return Staged(rel)

    def _source_pages(self, records: Sequence[ContradictionRecord]) -> list[Staged]:
        by_source = links_by_source(self.clusters, self.slugs)
        staged = []
        for path in sorted(self.notes):
            note, rel = self.notes[path], self.source_pages[path]
            callouts = [contra.render_callout(r) for r in records if path in (r.source_a, r.source_b)]
            links = by_source.get(path, [])
            linked = {normalize_name(link.title) for link in links}
            plain = sorted({m.name for m in note.mentions if normalize_name(m.name) not in linked}, key=str.casefold)
            resolved = prose_links(note, self.lookup)
            shown = [(x.slug, x.title) for x in links]
            key = digest(note.to_json(), shown, plain, callouts, rel, v.render_digest(), resolved, self.images)
            old = self.snap.sources.get(path)
            if path not in self.changed and old and old.pages == (rel,) and self._recorded_hash(rel) == key:
                continue
            body = source_body(note, self.snap.raw[path], links, plain, callouts, self.lookup, self.images)
            record = PageRecord(rel, "source", path, key, (path,))
            staged.append(self._place(rel, source_frontmatter(note), body, record))
            if rel in self.moves:
                staged.append(self._removal(self.moves[rel], "moved"))
        return staged

    def _recorded_hash(self, rel: str) -> str:
        record = self.records.get(rel)
        return record.input_hash if record else ""

    def _deleted_sources(self, deleted: Iterable[str]) -> list[Staged]:
        return [self._removal(rel, "removed") for path in deleted for rel in self.snap.sources[path].pages]


def _made(key: str, base: str) -> str:
    return f"{key}:{hashlib.sha256(base.encode()).hexdigest()[:16]}"


def _stem(rel: str) -> str:
    return PurePosixPath(rel).stem


def digest(*parts: object) -> str:
    """A short, stable hash of JSON-able parts: page input hashes and the overview's digest."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:16]
