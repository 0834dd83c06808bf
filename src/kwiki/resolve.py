"""Resolve: map every mention of every source to one canonical page, in code, independent of source order."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from kwiki.gate import INVISIBLE, MAX_ALIAS, MAX_NAME
from kwiki.notes import Claim, Mention, SourceNote
from kwiki.slugs import name_key, slugify, unique_slug

_NO_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))  # a soft hyphen must not split `Zettel\u00adkasten` in two

KIND_PRIORITY = {"entity": 0, "method": 1, "concept": 2}
ACRONYM_WORDS = 16  # a longer name is no acronym's expansion: this bounds name matching for any input
_ARTICLES = ("the ", "a ", "an ", "der ", "die ", "das ")


@dataclass(frozen=True)
class Cluster:
    """One thing the sources discuss: its canonical name, other names, type and evidence."""

    key: str  # normalized canonical name: the page's identity across runs
    title: str
    kind: str
    aliases: tuple[str, ...]
    sources: tuple[str, ...]  # raw paths that mention it, sorted
    descriptions: tuple[tuple[str, str], ...]  # (source, description)
    keys: frozenset[str]  # every normalized name that resolves here

    @property
    def deserves_page(self) -> bool:
        return len(self.sources) >= 2 or self.central

    @cached_property
    def source_set(self) -> frozenset[str]:
        """`sources` as a set, built once: every page's Related list intersects it with every other page's."""
        return frozenset(self.sources)

    central: bool = False


@lru_cache(maxsize=65_536)  # pure, and called for every mention and claim of every source on each run
def normalize_name(name: str) -> str:
    """Case, diacritics, punctuation, possessives, articles and a plural on the last word folded away."""
    text = fold_words(name)
    for article in _ARTICLES:
        if text.startswith(article) and len(text) > len(article) + 2:
            text = text[len(article) :]
    words = text.split()
    if words:
        words[-1] = _singular(words[-1])
    return " ".join(words)


def fold_words(text: str) -> str:
    """Case, diacritics, punctuation and possessives folded away: the words, one space apart. Not cached, so it
    suits long text (a name's key is `normalize_name`)."""
    text = unicodedata.normalize("NFKD", text if text.isascii() else text.translate(_NO_INVISIBLE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"[^\W_]+", re.sub(r"['’]s\b", "", text)))


def _name_key(name: str, limit: int) -> str:
    """The key of a name, or "" for one longer than the gate lets through (a note stored before the caps)."""
    return normalize_name(name) if len(name) <= limit else ""


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words)


def acronym_match(a: str, b: str) -> bool:
    """'llm os' ~ 'llm operating system': each word of the shorter is a word or the initials of a run in the other."""
    return _acronym_words(tuple(a.split()), tuple(b.split()))


def _acronym_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) == len(long) or len(long) > ACRONYM_WORDS:
        return False
    return _align(short, long, 0, 0)


def _align(short: tuple[str, ...], long: tuple[str, ...], i: int, j: int) -> bool:
    """Whether short[i:] covers long[j:]: a word of the shorter is the next word, or the initials of as many
    words as it has letters. At most two choices per word and at most ACRONYM_WORDS words: bounded work."""
    if i == len(short):
        return j == len(long)
    head, rest = short[i], len(short) - i - 1
    if long[j] == head and len(long) - j - 1 >= rest and _align(short, long, i + 1, j + 1):
        return True
    size = len(head)
    if size < 2 or len(long) - j - size < rest:
        return False
    return _initials(long[j : j + size]) == head and _align(short, long, i + 1, j + size)


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self.parent[high] = low


def _link_names(union: _Union, keys: Iterable[str]) -> None:
    """Fuzzy step: acronym expansions, and concatenations ('slip box' ~ 'slipbox'), blocked by first letter."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for key in sorted(set(keys)):
        if key:
            by_first[key[0]].append(key)
    for block in by_first.values():
        squashed: dict[str, str] = {}
        for key in block:
            flat = key.replace(" ", "")
            if flat in squashed:
                union.union(key, squashed[flat])
            squashed.setdefault(flat, key)
        multi = [(k, tuple(k.split())) for k in block if " " in k and k.count(" ") < ACRONYM_WORDS]
        for i, (a, a_words) in enumerate(multi):
            for b, b_words in multi[i + 1 :]:
                if _acronym_words(a_words, b_words):
                    union.union(a, b)


def resolve(notes: Mapping[str, SourceNote]) -> list[Cluster]:
    """Clusters of every mention, sorted by key; the same notes in any order give the same clusters."""
    union = _Union()
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    for path in sorted(notes):
        for mention in notes[path].mentions:
            key = _name_key(mention.name, MAX_NAME)
            if not key:
                continue
            union.find(key)
            surface[key][mention.name] += 1
            for alias in mention.aliases:
                alias_key = _name_key(alias, MAX_ALIAS)
                if alias_key and len(alias_key) > 1:
                    union.union(key, alias_key)
                    surface[alias_key][alias] += 0
    _link_names(union, list(union.parent))
    return _clusters(notes, union, surface)


def _clusters(notes: Mapping[str, SourceNote], union: _Union, surface: Mapping[str, Counter[str]]) -> list[Cluster]:
    groups: dict[str, list[tuple[str, Mention]]] = defaultdict(list)
    for path in sorted(notes):
        for m in notes[path].mentions:
            key = _name_key(m.name, MAX_NAME)
            if key:
                groups[union.find(key)].append((path, m))
    members: dict[str, set[str]] = defaultdict(set)
    for key in union.parent:
        members[union.find(key)].add(key)
    clusters = [_cluster(mentions, frozenset(members[root]), surface) for root, mentions in groups.items()]
    return sorted(clusters, key=lambda c: c.key)


def _cluster(mentions: list[tuple[str, Mention]], keys: frozenset[str], surface: Mapping[str, Counter[str]]) -> Cluster:
    by_source: dict[str, list[Mention]] = defaultdict(list)
    for path, m in mentions:
        by_source[path].append(m)
    name_sources: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for items in by_source.values():
        for name in {m.name for m in items}:
            name_sources[name] += 1
        kinds.update({m.kind for m in items})
    title = min(name_sources, key=lambda n: (-name_sources[n], len(n), n))
    kind = min(kinds, key=lambda k: (-kinds[k], KIND_PRIORITY.get(k, 9)))
    names = {n for k in keys for n in surface.get(k, ())}
    names |= {a for ms in by_source.values() for m in ms for a in m.aliases if len(a) <= MAX_ALIAS}
    # casefold, then the name itself: "Slip-box" and "slip-box" must not come out in set (hash seed) order
    aliases = tuple(sorted({n for n in names if n.casefold() != title.casefold()}, key=lambda n: (n.casefold(), n)))
    descriptions = tuple((p, ms[0].description) for p, ms in sorted(by_source.items()) if ms[0].description)
    central = any(m.central for ms in by_source.values() for m in ms)
    return Cluster(
        normalize_name(title),
        title,
        kind,
        _dedupe_aliases(aliases),
        tuple(sorted(by_source)),
        descriptions,
        keys,
        central,
    )


def _dedupe_aliases(aliases: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for alias in aliases:
        seen.setdefault(alias.casefold(), alias)
    return tuple(seen.values())[:12]


def claims_for(cluster: Cluster, notes: Mapping[str, SourceNote]) -> list[tuple[str, Claim]]:
    """(source path, claim) for every claim whose subject resolves to this cluster, in source order."""
    out = []
    for path in cluster.sources:
        for claim in notes[path].claims:
            if normalize_name(claim.subject) in cluster.keys:
                out.append((path, claim))
    return out


def assign_slugs(clusters: Sequence[Cluster], fixed: Mapping[str, str], taken: set[str]) -> dict[str, str]:
    """cluster key → basename. `fixed` keeps slugs already on disk; new ones are derived from titles, sorted."""
    slugs = {}
    for cluster in clusters:
        if cluster.key in fixed:
            slugs[cluster.key] = fixed[cluster.key]
            taken.add(name_key(fixed[cluster.key]))
    for cluster in clusters:  # retitled: the page keeps the name it had under another of the cluster's names
        kept = sorted(fixed[k] for k in cluster.keys if k in fixed and name_key(fixed[k]) not in taken)
        if cluster.key not in slugs and kept:
            slugs[cluster.key] = kept[0]
            taken.add(name_key(kept[0]))
    for cluster in sorted(clusters, key=lambda c: c.key):
        if cluster.key not in slugs:
            slug = unique_slug(slugify(cluster.title), taken)
            taken.add(name_key(slug))
            slugs[cluster.key] = slug
    return slugs
