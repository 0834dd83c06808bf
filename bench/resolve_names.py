"""Name matching with a pathological name: resolving notes whose alias is thousands of words long.

Run `.venv/bin/python bench/resolve_names.py [--words 4000,20000]`; prints the time `resolve` takes for notes
holding one alias of that many words beside ten ordinary names (all starting with the same letter, so
they share a block of the fuzzy step). The notes are built directly, past the gate's caps at parse time, so this
measures the resolver's own bound. Results are recorded in BENCHMARKS.md. Not part of pytest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src")]

from kwiki.notes import Mention, SourceNote  # noqa: E402
from kwiki.resolve import normalize_name, resolve  # noqa: E402


def notes(words: int, ordinary: int = 10) -> dict[str, SourceNote]:
    monster = " ".join(f"lorem{i % 97}" for i in range(words))
    mentions = [Mention("Large language model", "concept", ("llm", monster), "", True)]
    mentions += [Mention(f"Layer {i} lattice", "concept", (f"ll {i}",), "", False) for i in range(ordinary)]
    note = SourceNote("a.md", "A", "", "en", "", (), (), tuple(mentions))
    return {"a.md": note, "b.md": SourceNote("b.md", "B", "", "en", "", (), (), tuple(mentions[:1]))}


def measure(words: int, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        batch = notes(words)
        normalize_name.cache_clear()
        started = time.perf_counter()
        resolve(batch)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", default="500,4000,20000")
    args = parser.parse_args()
    print("| alias words | resolve (best of 5) |\n| --- | --- |")
    for words in (int(w) for w in args.words.split(",")):
        print(f"| {words:,} | {measure(words) * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
