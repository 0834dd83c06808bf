"""A page's neighbours come from an index of which pages share sources: it must pick exactly the pages the
definition picks (most shared sources first, then by key; only pages the prompt's text names, when asked)."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from kwiki.knowledge import MAX_NEIGHBOURS, Neighbourhood, neighbours
from kwiki.pages import LinkTo
from kwiki.resolve import Cluster, fold_words

WORDS = ("memex", "zettel", "card", "index", "link", "note", "trail", "box")


def _cluster(rng: random.Random, n: int, sources: Sequence[str]) -> Cluster:
    names = {" ".join(rng.sample(WORDS, rng.randint(1, 2))) for _ in range(rng.randint(1, 3))}
    picked = tuple(sorted(rng.sample(list(sources), rng.randint(1, min(8, len(sources))))))
    return Cluster(f"key {n}", f"Page {n}", "concept", (), picked, (), frozenset(names))


def _by_definition(
    cluster: Cluster, clusters: Sequence[Cluster], among: Collection[str] | None, naming: str | None
) -> list[LinkTo]:
    """Every other page scored by the sources it shares, one set intersection per page: the slow definition."""
    mine = set(cluster.sources if among is None else among)
    scored = {c.key: len(mine & c.source_set) for c in clusters if c.key != cluster.key}
    ranked = sorted((k for k, n in scored.items() if n), key=lambda k: (-scored[k], k))
    by_key = {c.key: c for c in clusters}
    if naming is not None:
        words = f" {fold_words(naming)} "
        ranked = [k for k in ranked if any(f" {n} " in words or f" {n}s " in words for n in by_key[k].keys)]
    return [LinkTo(k.replace(" ", "-"), by_key[k].title) for k in ranked[:MAX_NEIGHBOURS]]


def test_indexed_neighbours_are_the_pages_the_definition_picks() -> None:
    rng = random.Random(7)
    for _ in range(60):
        sources = [f"raw/{n}.md" for n in range(rng.randint(3, 30))]
        clusters = [_cluster(rng, n, sources) for n in range(rng.randint(2, 40))]
        hood, slugs = Neighbourhood(clusters), {c.key: c.key.replace(" ", "-") for c in clusters}
        for cluster in clusters:
            among = rng.sample(sources, rng.randint(1, 3)) if rng.random() < 0.3 else None
            naming = " ".join(rng.choices([*WORDS, "cards", "notes", "x"], k=rng.randint(0, 12)))
            for named in (None, naming):
                expected = _by_definition(cluster, clusters, among, named)
                assert neighbours(cluster, hood, slugs, among, named) == expected
