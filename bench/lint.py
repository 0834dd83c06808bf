"""Benchmark `kwiki lint` on a generated vault: wall time, CPU time and peak memory of one full run.

    python bench/lint.py [PAGES]        (default 10,000; the goal is < 3 s and < 300 MB on 2 cores)

The vault (and a state that has ingested every raw file) is made by a child process, so the memory measured
here is lint's alone.
"""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kwiki.lint import LintOptions, run_lint
from kwiki.project import Paths
from kwiki.state import SourceRecord, State


def make(root: Path, pages: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from genvault import generate_vault

    paths = Paths(root)
    generate_vault(paths.wiki, pages, raw=paths.raw)
    with State.open(paths.state_db) as state, state.transaction():
        for raw in sorted(paths.raw.rglob("*.md")):
            rel, stat = raw.relative_to(paths.raw).as_posix(), raw.stat()
            sha = hashlib.sha256(raw.read_bytes()).hexdigest()
            state.put_source(SourceRecord(rel, sha, stat.st_size, stat.st_mtime_ns, "bench", "done"))


def measure(root: Path) -> None:
    paths = Paths(root)
    wall, cpu = time.perf_counter(), time.process_time()
    with State.open(paths.state_db) as state:
        report = run_lint(paths, state, LintOptions())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = sum(1 for _ in paths.wiki.rglob("*.md"))
    print(f"lint: {pages} pages, {len(report.findings)} findings {report.counts()}")
    print(f"lint: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB peak RSS")


def main() -> None:
    if sys.argv[1:2] == ["--make"]:
        make(Path(sys.argv[2]), int(sys.argv[3]))
        return
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--make", tmp, str(pages)], check=True)
        print(f"vault: {pages} pages generated in {time.perf_counter() - started:.1f} s")
        measure(Path(tmp))


if __name__ == "__main__":
    main()
