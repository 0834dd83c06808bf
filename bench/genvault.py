"""A synthetic vault of N pages shaped like kwiki's own output, for benchmarks (lint, query).

`generate_vault(root, pages)` writes the vault itself into `root` (sources/, concepts/, entities/, methods/,
index.md, log.md); pass `raw=` to also write the raw sources the pages cite, so the vault lints clean.
Deterministic for a given seed. Run as a script to make one: `python bench/genvault.py OUT 10000`.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from kwiki.index import build_index, scan_pages
from kwiki.markdown import dump_page

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "ze",
    "qua",
    "bel",
    "dor",
    "fen",
    "gri",
    "hal",
    "jun",
    "kor",
    "lim",
    "mar",
    "nor",
    "pel",
    "ros",
    "tal",
    "ver",
    "wix",
    "yol",
]
WORDS = [
    "model",
    "data",
    "training",
    "signal",
    "task",
    "reward",
    "agent",
    "memory",
    "context",
    "tool",
    "system",
    "method",
    "result",
    "claim",
    "evidence",
    "benchmark",
    "scale",
    "error",
    "loss",
    "gradient",
    "policy",
    "search",
    "index",
    "graph",
    "source",
    "page",
    "review",
]
SHARE = {"sources": 0.30, "concepts": 0.40, "entities": 0.20, "methods": 0.10}
TYPES = {"sources": "source", "concepts": "concept", "entities": "entity", "methods": "method"}
DAY = dt.date(2026, 4, 18)


@dataclass(frozen=True)
class Spec:
    folder: str
    slug: str
    title: str
    raw: str  # the raw source a source page summarizes ("" for knowledge pages)


def _name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(1, 3))]
        slug = "-".join(words)
        if slug not in taken:
            taken.add(slug)
            return slug, " ".join(words).capitalize()


def _specs(rng: random.Random, pages: int) -> list[Spec]:
    taken: set[str] = set()
    specs = []
    for folder, share in SHARE.items():
        for n in range(max(1, round(pages * share))):
            slug, title = _name(rng, taken)
            raw = f"{2020 + n % 6}/{slug}.md" if folder == "sources" else ""
            specs.append(Spec(folder, slug, title, raw))
    return specs[:pages] if len(specs) > pages else specs


def _sentence(rng: random.Random, links: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    for link in links:
        words.insert(rng.randrange(len(words)), link)
    return " ".join(words).capitalize() + "."


def _link(spec: Spec, rng: random.Random) -> str:
    return f"[[{spec.slug}|{spec.title}]]" if rng.random() < 0.3 else f"[[{spec.slug}]]"


def _knowledge(spec: Spec, cited: list[Spec], peers: list[Spec], rng: random.Random) -> str:
    front = {
        "title": spec.title,
        "type": TYPES[spec.folder],
        "summary": _sentence(rng, []),
        "aliases": [spec.title.lower() + " idea"] if rng.random() < 0.4 else [],
        "tags": [rng.choice(WORDS), TYPES[spec.folder]],
        "sources": [s.raw for s in cited],
        "created": DAY,
        "updated": DAY,
    }
    paragraphs = [
        " ".join(_sentence(rng, [_link(rng.choice(peers + cited), rng)]) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(2, 4))
    ]
    quotes = [f'> "{_sentence(rng, [])}"\n> — [[{s.slug}]]' for s in cited[:2]]
    related = " · ".join(f"[[{p.slug}]]" for p in peers[:4])
    sources = "\n".join(f"- [[{s.slug}]]" for s in cited)
    body = "\n\n".join([f"# {spec.title}", *paragraphs, *quotes, f"## Related\n- {related}", f"## Sources\n{sources}"])
    return dump_page(front, body)


def _source(spec: Spec, mentioned: list[Spec], rng: random.Random) -> str:
    front = {
        "title": spec.title,
        "type": "source",
        "summary": _sentence(rng, []),
        "aliases": [],
        "tags": [rng.choice(WORDS)],
        "sources": [spec.raw],
        "date": DAY,
        "created": DAY,
        "updated": DAY,
    }
    claims = "\n".join(f"- {_sentence(rng, [])}" for _ in range(rng.randint(2, 5)))
    mentions = "\n".join(f"- {_link(m, rng)} — {_sentence(rng, [])}" for m in mentioned)
    parts = [
        f"# {spec.title}",
        f"> [!info] Source\n> `raw/{spec.raw}` · {DAY.isoformat()} · en",
        f"## Summary\n\n{_sentence(rng, [])} {_sentence(rng, [])}",
        f"## Key claims\n\n{claims}",
        f'## Quotes\n\n> "{_sentence(rng, [])}"',
    ]
    if mentions:
        parts.append(f"## Mentions\n\n{mentions}")
    return dump_page(front, "\n\n".join(parts))


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _citations(rng: random.Random, knowledge: list[Spec], sources: list[Spec]) -> dict[str, list[Spec]]:
    """Which sources each knowledge page cites; every source is cited at least once (no orphans)."""
    cites = {k.slug: rng.sample(sources, k=min(len(sources), rng.randint(1, 3))) for k in knowledge}
    uncited = {s.slug for s in sources} - {s.slug for cited in cites.values() for s in cited}
    for source in sources:
        if source.slug in uncited and knowledge:
            cites[rng.choice(knowledge).slug].append(source)
    return cites


def generate_vault(root: Path, pages: int, seed: int = 0, raw: Path | None = None) -> None:
    """Write a vault of `pages` pages whose links all resolve and whose pages all have inbound links."""
    rng = random.Random(seed)
    specs = _specs(rng, pages)
    sources = [s for s in specs if s.folder == "sources"]
    knowledge = [s for s in specs if s.folder != "sources"]
    cites = _citations(rng, knowledge, sources)
    mentioned_by: dict[str, list[Spec]] = {s.slug: [] for s in sources}
    for spec in knowledge:
        for source in cites[spec.slug]:
            mentioned_by[source.slug].append(spec)
        peers = rng.sample(knowledge, k=min(4, len(knowledge)))
        _write(root, f"{spec.folder}/{spec.slug}.md", _knowledge(spec, cites[spec.slug], peers, rng))
    for spec in sources:
        _write(root, f"sources/{spec.slug}.md", _source(spec, mentioned_by[spec.slug], rng))
        if raw is not None:
            _write(raw, spec.raw, f"# {spec.title}\n\n{_sentence(rng, [])}\n")
    for rel, text in build_index(scan_pages(root)).items():
        _write(root, rel, text)
    entries = [f"## [{DAY.isoformat()}] ingest | {s.title}\n\n- [[{s.slug}]]\n" for s in sources[:200]]
    _write(root, "log.md", "# Log\n\n" + "\n".join(entries))


if __name__ == "__main__":
    generate_vault(Path(sys.argv[1]), int(sys.argv[2]))
