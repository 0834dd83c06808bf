"""One new note into a large wiki: the time to ingest a single note into a wiki of 1,000 and 10,000 notes.

Run `.venv/bin/python bench/incremental.py [--sizes 1000,10000] [--project-dir DIR] [--profile]`; prints a
markdown table (results in BENCHMARKS.md, "One new note into a large wiki"). Not part of pytest.

Each wiki is built once with bench/gencorpus.py and bench/ingest.py's instant fake (kept under DIR, reused by
the next run). A measurement works on a fresh copy of it (the copy is not timed) and adds two notes of about
2,500 characters, one per ingest: the first after the build, then the next (the steady state: what kwiki keeps in
state is filled by then). Both through the library call (the next one with a phase breakdown); on a second copy
the next note also through `python -m kwiki ingest`, the fake provider replaying the replies the library run got.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from ingest import (  # noqa: E402  (bench/ingest.py: its fakes and helpers)
    REPLIES,
    _calibration_ms,
    _child,
    _cpu,
    _grow_to,
    _new_note,
    fake,
    make_project,
    phase_timer,
    profile_top,
    run,
)
from kwiki.llm.fake import FakeLLM  # noqa: E402
from kwiki.project import Paths  # noqa: E402

FIRST, NEXT = 99, 98  # seeds of the two new notes (gencorpus.source_text)


def base_project(root: Path, size: int) -> Paths:
    """The wiki of `size` notes under `root`, built on the first run and reused afterwards."""
    target = root / f"wiki-{size}"
    smaller = sorted((p for p in root.glob("wiki-*") if int(p.name[5:]) < size), key=lambda p: int(p.name[5:]))
    if not target.exists() and smaller:  # grow from the largest smaller wiki: the same notes, built once
        shutil.copytree(smaller[-1], target, symlinks=True)
    paths = make_project(target)
    _grow_to(paths, size)
    return paths


def fresh_copy(paths: Paths, target: Path) -> Paths:
    if target.exists():
        shutil.rmtree(target)
    return Paths(Path(shutil.copytree(paths.root, target, symlinks=True)))


def add_note(paths: Paths, seed: int) -> Paths:
    rel, text = _new_note(seed)
    (paths.raw / rel).parent.mkdir(parents=True, exist_ok=True)
    (paths.raw / rel).write_text(text, encoding="utf-8")
    return paths


def library_run(paths: Paths, profile: bool) -> tuple[dict[str, Any], FakeLLM]:
    """One library ingest of the new note: wall, CPU, phases; the fake (its requests) for the CLI replay."""
    llm = fake()
    cpu = _cpu()
    with phase_timer() as times:
        if profile:
            print(profile_top(lambda: run(paths, llm, concurrency=1), limit=30), file=sys.stderr)
            elapsed = 0.0
        else:
            report, elapsed = run(paths, llm, concurrency=1)
            assert len(report.ingested) == 1, report
    result = {"wall": elapsed, "cpu": _cpu() - cpu, "phases": dict(times), "calls": len(llm.requests)}
    return result, llm


def write_replies(llm: FakeLLM, folder: Path) -> None:
    """The replies the library run got, in order, one .jsonl per call kind (concurrency 1: the same order)."""
    folder.mkdir(parents=True, exist_ok=True)
    answers: dict[str, list[str]] = {}
    for request in llm.requests:
        answers.setdefault(request.name, []).append(json.dumps(REPLIES[request.name](request)))
    answers.setdefault("overview", [json.dumps("Nothing.")])
    for name, lines in answers.items():
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli_run(paths: Paths, replies: Path) -> dict[str, Any]:
    env = {**os.environ, "KWIKI_PROVIDER": "fake", "KWIKI_MODEL": "fake", "KWIKI_FAKE_REPLIES": str(replies)}
    command = [sys.executable, "-m", "kwiki", "ingest", "--json", "--concurrency", "1"]
    done, wall, cpu = _child(command, cwd=paths.root, env=env)
    if done.returncode != 0 or json.loads(done.stdout)["sources"]["ingested"] != 1:
        raise SystemExit(f"CLI ingest failed ({done.returncode}): {done.stderr[-800:]} {done.stdout[-400:]}")
    return {"wall": wall, "cpu": cpu}


def measure(root: Path, size: int, profile: bool) -> list[str]:
    """The first new note after the wiki was built (state may lack what this kwiki keeps), then the next one."""
    paths = base_project(root, size)
    copy = fresh_copy(paths, root / "copy")
    first, _ = library_run(add_note(copy, FIRST), profile=False)
    library, llm = library_run(add_note(copy, NEXT), profile)
    if profile:
        return []
    write_replies(llm, root / "replies")
    copy = fresh_copy(paths, root / "copy")
    library_run(add_note(copy, FIRST), profile=False)
    cli = cli_run(add_note(copy, NEXT), root / "replies")
    shutil.rmtree(root / "copy")
    phases = ", ".join(f"{k} {v:.2f}" for k, v in library["phases"].items())
    calls = library["calls"]
    return [
        f"| {size:,} | library, first note | {first['wall']:.2f} | {first['cpu']:.2f} | {first['calls']} | |",
        f"| {size:,} | library, next note | {library['wall']:.2f} | {library['cpu']:.2f} | {calls} | {phases} |",
        f"| {size:,} | CLI, next note | {cli['wall']:.2f} | {cli['cpu']:.2f} | {calls} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="comma list of wiki sizes (notes)")
    parser.add_argument("--project-dir", type=Path, help="keep the built wikis here and reuse them")
    parser.add_argument("--profile", action="store_true", help="cProfile the library run (stderr) instead")
    args = parser.parse_args()
    calibration = _calibration_ms()
    with tempfile.TemporaryDirectory(prefix="kwiki-incr-") as tmp:
        root = args.project_dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        rows = [line for size in map(int, args.sizes.split(",")) for line in measure(root, size, args.profile)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average {load}; calibration {calibration:.0f} / {_calibration_ms():.0f} ms CPU (start / end)\n")
    print("| Notes | Run | Wall s | CPU s | Calls | Phases (wall s) |\n|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
