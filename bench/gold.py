"""Precision and recall of the offline engine against the hand-made gold sets in tests/fixtures/gold/.

Run `.venv/bin/python bench/gold.py`: ingests the 75 gold posts and the bundled example raw/ offline (each into a
temporary project) and prints recall, precision, the junk pages, variant duplicates and missing topics.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from goldset import FIXTURES, score_corpus  # noqa: E402


def main() -> None:
    for name, raw, gold in (
        ("gold posts", FIXTURES / "posts", FIXTURES / "gold.toml"),
        ("bundled example raw/", REPO / "examples" / "pkm" / "raw", FIXTURES / "example.toml"),
    ):
        if gold.exists():
            print(f"## {name}\n{score_corpus(raw, gold).report()}\n")


if __name__ == "__main__":
    main()
