"""How fast the offline engine extracts: a ~2,000-word note and a 60,000-character chunk (best of 5 runs).

Run `.venv/bin/python bench/offline_extract.py`. Goal: about 10 ms and 80 ms on a quiet machine, so that a whole
corpus compiles offline in seconds. (A timed test of this was flaky on a loaded 2-core machine; it lives here.)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from llm_extractive.asking import extract  # noqa: E402
from llm_extractive.texts import SLIP_BOX  # noqa: E402


def best_of(runs: int, text: str) -> float:
    extract(text)  # warm the lexicon caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        extract(text)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    note = "\n\n".join([" ".join(SLIP_BOX.split())] * 12)  # about 2,000 words
    chunk = ((SLIP_BOX + "\n\n") * 60)[:60_000]
    print(f"2,000-word note: {best_of(5, note) * 1000:.1f} ms")
    print(f"60,000-character chunk: {best_of(5, chunk) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
