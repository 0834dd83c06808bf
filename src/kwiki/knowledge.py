"""Knowledge pages: plan which concept/entity/method pages change, draft each with one bounded call, check it."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from kwiki import gate
from kwiki import vocabulary as v
from kwiki.llm.base import Request
from kwiki.llm.blocks import fence_json
from kwiki.markdown.fences import in_code
from kwiki.notes import Claim, SourceNote
from kwiki.pages import LinkTo, slugs_of
from kwiki.payloads import WritePagePayload
from kwiki.project import FOLDERS
from kwiki.prompts import load_prompt, page_schema
from kwiki.quotes import Quotable, verified_quotes
from kwiki.resolve import Cluster, claims_for, fold_words, normalize_name

MAX_CLAIMS = 30  # per call: a page cited by hundreds of sources still gets a bounded prompt
MAX_BODY_CHARS = 12_000
MAX_NEIGHBOURS = 12
_OWN_SECTION = re.compile(rf"^ {{0,3}}#{{1,2}}\s+(?:{v.RELATED}|{v.SOURCES})\s*#*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PagePlan:
    cluster: Cluster
    path: str  # wiki-relative
    action: str  # create | update
    reason: str
    claims: tuple[tuple[str, Claim], ...]
    input_hash: str

    @property
    def estimated_tokens(self) -> int:
        sent = self.claims[-MAX_CLAIMS:]  # a draft carries at most MAX_CLAIMS claims, however many the page has
        return 1_200 + sum(len(c.statement) + len(c.quote) for _, c in sent) // 4 + 700


def page_path(cluster: Cluster, slug: str) -> str:
    return f"{FOLDERS[cluster.kind]}/{slug}.md"


def input_hash(cluster: Cluster, claims: Sequence[tuple[str, Claim]]) -> str:
    payload = [
        cluster.title,
        cluster.kind,
        list(cluster.aliases),
        list(cluster.sources),
        [[p, c.statement, c.quote] for p, c in claims],
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]


def plan_pages(
    clusters: Sequence[Cluster], slugs: Mapping[str, str], notes: Mapping[str, SourceNote], previous: Mapping[str, str]
) -> list[PagePlan]:
    """One edit per knowledge page whose inputs changed; `previous` maps page path → its last input hash."""
    plans = []
    for cluster in clusters:
        claims = tuple(claims_for(cluster, notes))
        path, digest = page_path(cluster, slugs[cluster.key]), input_hash(cluster, claims)
        if path not in previous:
            plans.append(PagePlan(cluster, path, "create", "new page", claims, digest))
        elif previous[path] != digest:
            plans.append(PagePlan(cluster, path, "update", "new or changed claims", claims, digest))
    return plans


class Neighbourhood:
    """Which pages share sources, indexed once per compile: a page's neighbours cost what its sources share with
    other pages, not a pass over every page of the wiki (a first ingest asks for every page's, three times)."""

    def __init__(self, clusters: Sequence[Cluster]) -> None:
        self.by_key = {c.key: c for c in clusters}
        self.by_source: dict[str, list[str]] = defaultdict(list)
        for cluster in clusters:
            for source in cluster.source_set:
                self.by_source[source].append(cluster.key)

    def shared(self, cluster: Cluster, among: Collection[str] | None = None) -> Counter[str]:
        """Other pages, each with how many of this page's sources (or of the sources `among`) it shares."""
        scored: Counter[str] = Counter()
        for source in set(cluster.sources if among is None else among):
            scored.update(self.by_source.get(source, ()))
        scored.pop(cluster.key, None)
        return scored


def neighbours(
    cluster: Cluster,
    hood: Neighbourhood,
    slugs: Mapping[str, str],
    among: Collection[str] | None = None,
    naming: str | None = None,
) -> list[LinkTo]:
    """Pages sharing the most sources with this one (or only the sources `among`), and when `naming` is given
    only those it names — a prompt lists only pages its text can link: a fixed-size list, whatever the wiki's size."""
    scored = hood.shared(cluster, among)
    ranked: Iterable[str] = sorted(scored, key=lambda k: (-scored[k], k))
    if naming is not None:
        words = f" {fold_words(naming)} "
        present = frozenset(words.split())
        ranked = (k for k in ranked if any(_named(n, words, present) for n in hood.by_key[k].keys))
    return [LinkTo(slugs[k], hood.by_key[k].title) for k in islice(ranked, MAX_NEIGHBOURS)]


def _named(name: str, words: str, present: frozenset[str]) -> bool:
    """Whether `words` holds the name (or its plural) as whole words; the set lookup rules out most names at once."""
    first = name.split(" ", 1)[0]
    if first not in present and first + "s" not in present:
        return False
    return f" {name} " in words or f" {name}s " in words


def prompt_text(plan: PagePlan, fresh: Collection[str]) -> str:
    """The claims and descriptions of `fresh` sources, as one text: what names the pages a draft may link."""
    claims = [c.statement for p, c in plan.claims if p in fresh]
    return " ".join([*claims, *(d for p, d in plan.cluster.descriptions if p in fresh)])


def write_request(
    plan: PagePlan,
    current_body: str,
    source_links: Mapping[str, LinkTo],
    notes: Mapping[str, SourceNote],
    near: Sequence[LinkTo],
    schema_doc: str,
    changed: set[str],
) -> Request:
    """A page with a body gets only the claims of sources changed in this run; a new page gets all (capped)."""

    def fresh(path: str) -> bool:
        return not current_body or path in changed

    claims = [pc for pc in plan.claims if fresh(pc[0])]
    claims = sorted(claims, key=lambda pc: (notes[pc[0]].date, pc[0]), reverse=True)[:MAX_CLAIMS]
    descriptions = [(p, d) for p, d in plan.cluster.descriptions if fresh(p)][:MAX_CLAIMS]
    payload: WritePagePayload = {
        "title": plan.cluster.title,
        "type": plan.cluster.kind,
        "aliases": list(plan.cluster.aliases),
        "current_body": current_body[:MAX_BODY_CHARS],
        "claims": [
            {
                "statement": c.statement,
                "quote": c.quote,
                "source_page": source_links[p].slug,
                "source_title": source_links[p].title,
                "date": notes[p].date,
            }
            for p, c in claims
        ],
        "descriptions": [{"source_page": source_links[p].slug, "text": d} for p, d in descriptions],
        "neighbours": [{"page": n.slug, "title": n.title} for n in near],
    }
    system, user = load_prompt("write-page").render(schema_doc=page_schema(schema_doc), payload=fence_json(payload))
    return Request("write-page", system, user, None, max_tokens=3000)


def check_body(
    text: str,
    resolve_link: Callable[[str], LinkTo | None],
    source_texts: Sequence[str],
    images: bool = False,
    quotable: Quotable | None = None,
) -> str:
    """Keep only links that resolve, quotes that occur in the source they name (`quotes.py`; with no `quotable`,
    no blockquote stays), and URLs/images a source contains."""
    lines = verified_quotes(_strip_structure(text).split("\n"), quotable or {}, resolve_link)
    return gate.body("\n".join(lines), slugs_of(resolve_link), source_texts, images)


def relink(body: str, resolve_link: Callable[[str], LinkTo | None]) -> str:
    """Point every wikilink at the page it means now (renames, aliases); a link to no page becomes its text."""
    return gate.relink(body, slugs_of(resolve_link))


def _strip_structure(text: str) -> str:
    """Drop frontmatter, the H1 and Related/Sources sections if the model wrote them anyway: code owns those."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text.strip(), flags=re.DOTALL)
    text = re.sub(r"\A#\s+[^\n]*\n", "", text.strip())
    # `#` too, in any case: the gate makes a `# Sources` an `## Sources`, a second list beside kwiki's own; a
    # `### Sources` of the draft's own stays, and so does a `# Sources` comment in a code block
    lines = text.split("\n")
    for n, (line, code) in enumerate(zip(lines, in_code(lines), strict=True)):
        if not code and _OWN_SECTION.match(line):
            return "\n".join(lines[:n])
    return text


def knowledge_frontmatter(cluster: Cluster, body: str, tags: Sequence[str]) -> dict[str, object]:
    first = next((line for line in body.split("\n") if len(line) > 20 and line[0] not in "#>-|*_"), "")
    if cluster.descriptions:
        first = cluster.descriptions[0][1]
    return {
        "title": gate.title(cluster.title),
        "type": cluster.kind,
        "summary": gate.line(first),
        "aliases": list(gate.aliases(cluster.aliases, cluster.title)),
        "tags": list(tags),
        "sources": list(cluster.sources),
    }


def alias_lookup(
    clusters: Sequence[Cluster], slugs: Mapping[str, str], others: Sequence[LinkTo]
) -> Callable[[str], LinkTo | None]:
    """Link target → page: an exact basename first, then any name of a knowledge page.

    This is how a model's `[[LLM OS]]` becomes `[[llm-os|LLM OS]]`, and a link to no page becomes plain text.
    """
    exact: dict[str, LinkTo] = {link.slug.casefold(): link for link in others}
    names: dict[str, LinkTo] = {}
    for cluster in clusters:
        link = LinkTo(slugs[cluster.key], cluster.title)
        exact[link.slug.casefold()] = link
        for key in cluster.keys:
            names.setdefault(key, link)

    def lookup(target: str) -> LinkTo | None:
        basename = target.rsplit("/", 1)[-1].removesuffix(".md")
        return exact.get(basename.casefold()) or names.get(normalize_name(basename))

    return lookup


def links_by_source(clusters: Sequence[Cluster], slugs: Mapping[str, str]) -> dict[str, list[LinkTo]]:
    """raw path → the knowledge pages that source feeds, as links with its description of each."""
    out: dict[str, list[LinkTo]] = {}
    for cluster in clusters:
        descriptions = dict(cluster.descriptions)
        for path in cluster.sources:
            link = LinkTo(slugs[cluster.key], cluster.title, descriptions.get(path, "")[:200])
            out.setdefault(path, []).append(link)
    return out
