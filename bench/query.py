"""Query retrieval at scale: index build, refresh and search latency on a generated wiki.

Goals (issue 6): index build < 10 s, refresh of 10 changed pages < 1 s, search p50 < 50 ms once the index
exists. Run: `python bench/query.py [PAGES] [QUERIES]` (defaults 10000 and 300).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from genvault import WORDS, generate_vault
from kwiki.project import Paths
from kwiki.query import DEFAULT_BUDGET, DEFAULT_LIMIT, select_context
from kwiki.search import refresh_index, search

T = TypeVar("T")
GOALS = {"index build": 10.0, "refresh, 10 pages changed": 1.0, "search p50": 0.050}


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def questions(paths: Paths, count: int, rng: random.Random) -> list[tuple[str, str | None]]:
    """(question, expected page): a third name a page by its title, the rest are common-word questions."""
    pages = sorted(p for p in paths.wiki.glob("*/*.md") if p.parent.name != "index")
    asked: list[tuple[str, str | None]] = []
    for n in range(count):
        if n % 3 == 0:
            page = rng.choice(pages)
            title = page.stem.replace("-", " ")
            asked.append((f"What do we know about {title}?", f"{page.parent.name}/{page.name}"))
        else:
            words = rng.sample(WORDS, k=rng.randint(2, 5))
            asked.append((f"How does {' '.join(words)} work?", None))
    return asked


def touch_pages(paths: Paths, count: int, rng: random.Random) -> None:
    for page in rng.sample(sorted(paths.wiki.glob("concepts/*.md")), k=count):
        with page.open("a", encoding="utf-8") as handle:
            handle.write("\nAn added sentence about zanzibar lighthouses.\n")


def run(pages: int, count: int) -> dict[str, float]:
    """Seconds for each step, plus the share of title questions whose page ranked first."""
    rng = random.Random(1)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp))
        _, results["generate vault"] = timed(lambda: generate_vault(paths.wiki, pages))
        built, results["index build"] = timed(lambda: refresh_index(paths))
        assert built.added == pages, built
        _, results["refresh, nothing changed"] = timed(lambda: refresh_index(paths))
        touch_pages(paths, 10, rng)
        stats, results["refresh, 10 pages changed"] = timed(lambda: refresh_index(paths))
        assert stats.updated == 10, stats
        asked = questions(paths, count, rng)
        latencies, found = [], 0
        for question, expected in asked:
            hits, seconds = timed(lambda q=question: search(paths, q, DEFAULT_LIMIT))  # type: ignore[misc]
            latencies.append(seconds)
            found += expected is not None and bool(hits) and hits[0].page == expected
        results["search p50"] = statistics.median(latencies)
        results["search p95"] = statistics.quantiles(latencies, n=20)[-1]
        _, results["search + select_context"] = timed(
            lambda: select_context(search(paths, asked[1][0], DEFAULT_LIMIT), DEFAULT_BUDGET)
        )
        results["title questions ranked first"] = found / sum(e is not None for _, e in asked)
    return results


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(f"kwiki query bench: {pages} pages, {count} questions")
    for name, value in run(pages, count).items():
        if name == "title questions ranked first":
            print(f"  {name:32} {value:10.0%}")
            continue
        goal = GOALS.get(name)
        verdict = "" if goal is None else ("  ok" if value < goal else f"  MISSED (goal < {goal * 1000:.0f} ms)")
        print(f"  {name:32} {value * 1000:10.1f} ms{verdict}")


if __name__ == "__main__":
    main()
