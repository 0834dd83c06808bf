"""Convergence of ingest against an adversarial model behind a faulty OpenAI-compatible loopback server.

Run `.venv/bin/python bench/adversarial.py [--rates 0.2,0.4] [--runs 3]`; prints, per fault rate and run, the
sources and pages that failed, the unresolved links (Obsidian's resolution) and the other vault problems
(foreign URLs, images, HTML, structure, oversize fields, junk names) as tests/ingest/adversary.py defines them.
Results are recorded in BENCHMARKS.md. Not part of pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests"), str(REPO)]

from ingest.adversary import SOURCES, FaultyServerModel, unresolved_links, vault_problems  # noqa: E402
from ingest.conftest import run, write_raw  # noqa: E402
from kwiki.project import Paths  # noqa: E402
from llm.loopback import LoopbackServer, loopback_llm  # noqa: E402


def _project(tmp: Path) -> Paths:
    root = tmp / "kb"
    (root / "raw").mkdir(parents=True)
    (root / "wiki").mkdir()
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    paths = Paths(root)
    write_raw(paths, SOURCES)
    return paths


def converge(rate: float, runs: int) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(FaultyServerModel(rate)) as server:
        paths = _project(Path(tmp))
        for attempt in range(1, runs + 1):
            llm = loopback_llm(server, paths, timeout=120.0)
            report = run(paths, llm, concurrency=3)
            links, problems = len(unresolved_links(paths)), len(vault_problems(paths))
            pages = len(list(paths.wiki.rglob("*.md")))
            rows.append(
                f"| {rate:.0%} | {attempt} | {len(report.failures)} | {len(report.page_failures)} | {pages} "
                f"| {links} | {problems - links} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", default="0.2,0.4")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{len(SOURCES)} sources, adversarial in every field\n")
    print("| faults | run | failed sources | failed pages | pages | unresolved links | other problems |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for rate in (float(r) for r in args.rates.split(",")):
        print("\n".join(converge(rate, args.runs)))


if __name__ == "__main__":
    main()
