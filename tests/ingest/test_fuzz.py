"""Fuzz: a few hundred random raw/ trees and random model replies, seeded. Whatever the tree holds — names in
many scripts and lengths, links, loops, FIFOs, odd encodings, binaries — and whatever the model says, sizes up
to megabytes included: no crash, no hang, no duplicate basename, every file ingested, failed or skipped with a
reason, and raw/ byte-identical afterwards."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from pathlib import Path
from typing import Any

import pytest

from kwiki.ingest import IngestReport
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json
from kwiki.project import Paths

from .conftest import run, scripted_llm, tree_digest, wiki_pages

TREES = 200
SEED = 20261201
BOUND = 20.0  # seconds for one ingest of one tree: far above what one takes, far below a hang
ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "知识管理系统设计原则实践经验总结日本語のノート",
    "абвгдежзийклмнопрстуфхцчшщыэюя",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "αβγδεζηθικλμνξοπρστυφχψω",
    "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "한국어위키지식관리",
    "😀🎉🧠📚",
    "éèêëàâäîïôöûüçñ",
    " -_.,;()[]{}#%&'!+=~|^",
    "\n\t\u202e\u200f\u2066\x1b",
)
_WIDE = (b"\xff\xfe", b"\xfe\xff")  # how UTF-16 and UTF-32 files start (little-endian here)
ENCODINGS = ("utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "binary", "empty")
SUFFIXES = (".md", ".md", ".md", ".md", ".txt", ".markdown", ".html", ".MD", ".png", "", ".pdf", ".docx", ".epub")


def _name(rng: random.Random, longest: int) -> str:
    alphabet = "".join(rng.sample(ALPHABETS, rng.randint(1, 3)))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))


def _fits(name: str) -> bool:
    return 0 < len(name.encode()) <= 240 and name not in (".", "..") and "/" not in name and "\0" not in name


def _file_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = _name(rng, rng.choice((8, 20, 80))).strip() + rng.choice(SUFFIXES)
        if _fits(name) and name.casefold() not in taken:
            taken.add(name.casefold())
            return name


def _content(rng: random.Random) -> bytes:
    encoding = rng.choice(ENCODINGS)
    title = _name(rng, rng.choice((10, 40, 120)))
    mention = _name(rng, 12).replace("|", " ").replace(";", " ").strip() or "thing"
    text = (
        f"# {title}\n\n- mention: {mention} | {rng.choice(('concept', 'entity', 'method'))} | | central\n"
        f"- claim: {mention} | {_name(rng, 60)}\n\n{_name(rng, 400)}\n"
    )
    if encoding == "binary":
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000)))
    if encoding == "empty":
        return rng.choice((b"", b"  \n\t\n"))
    return text.encode(encoding, errors="replace")


def _tree(rng: random.Random, paths: Paths, outside: Path) -> list[str]:
    """Writes a random raw/ tree; returns the names of the FIFOs (to free a reader if one ever blocked)."""
    taken: set[str] = set()
    files: list[Path] = []
    fifos: list[str] = []
    folders = [paths.raw] + [paths.raw / _file_name(rng, taken).replace(".", "") or "d" for _ in range(2)]
    for _ in range(rng.randint(1, 6)):
        folder = rng.choice(folders)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _file_name(rng, taken)
        kind = rng.choices(
            ("file", "link", "dangling", "loop", "fifo", "outside", "dirlink", "latin-1 name"),
            weights=(12, 2, 1, 1, 1, 1, 1, 1),
        )[0]
        if kind == "file" or (kind == "link" and not files):
            target.write_bytes(_content(rng))
            files.append(target)
        elif kind == "link":
            os.symlink(os.path.relpath(rng.choice(files), target.parent), target)
        elif kind == "dangling":
            os.symlink("no-such-file.md", target)
        elif kind == "loop":
            other = target.with_name("loop-" + target.name)
            if _fits(other.name) and not other.exists():
                os.symlink(other.name, target)
                os.symlink(target.name, other)
        elif kind == "fifo":
            os.mkfifo(target)
            fifos.append(str(target))
        elif kind == "outside":
            os.symlink(outside, target)
        elif kind == "dirlink":
            os.symlink(".", target)
        else:
            with open(os.fsencode(target.parent) + b"/caf\xe9%d.md" % len(files), "wb") as out:
                out.write(_content(rng))
    return fifos


def _text(rng: random.Random) -> str:
    """Model prose of a random size, up to ~2 MB: one random phrase repeated (cheap to make at any size)."""
    size = rng.choices((20, 2_000, 200_000, 2_000_000), weights=(60, 12, 2, 0.5))[0]
    phrase = "".join(rng.choice(("word ", "知識 ", "ñ ", "[[link]] ", "\n", "# ", "> ", "**")) for _ in range(40))
    return (phrase * (size // len(phrase) + 1))[:size]


def _reply(rng: random.Random) -> Callable[[Request], Any]:
    """A model that answers extract at random: a sane note, odd or huge fields, wrong types, or no JSON at all."""

    tree_seed = rng.random()  # drawn here, not per call: two workers call extract in whatever order they run

    def extract(request: Request) -> Any:
        local = random.Random(f"{tree_seed}{unfence_json(request.user).get('path')}")
        roll = local.random()
        if roll < 0.5:
            return None  # the careful model of conftest
        if roll < 0.6:
            return local.choice(("not json at all", {"title": 3, "claims": "x"}, {}, [1, 2]))
        mentions = [
            {
                "name": _name(local, local.choice((5, 30, 300))),
                "type": local.choice(("concept", "entity", "method", "thing")),
                "aliases": [_name(local, 20) for _ in range(local.randint(0, 4))],
                "description": _text(local)[:5000],
                "central": local.random() < 0.5,
            }
            for _ in range(local.randint(0, 5))
        ]
        return {
            "title": _name(local, local.choice((10, 200, 2000))),
            "date": local.choice(("", "2025-01-01", "x")),
            "language": "en",
            "summary": _text(local),
            "tags": [_name(local, 30) for _ in range(3)],
            "claims": [
                {"subject": m["name"], "statement": _text(local)[:3000], "quote": _name(local, 30)} for m in mentions
            ],
            "mentions": mentions,
        }

    return extract


def _ingest_bounded(paths: Paths, rng: random.Random, fifos: list[str]) -> tuple[IngestReport, float]:
    llm = scripted_llm(extract=_reply(rng), page_extra=_text(rng)[:300_000])
    pool = ThreadPoolExecutor(max_workers=1)
    started = time.monotonic()
    future = pool.submit(run, paths, llm)
    try:
        return future.result(timeout=BOUND), time.monotonic() - started
    except TimeoutError:
        for fifo in fifos:  # free a reader blocked on one (with none, opening fails: ENXIO)
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"ingest still running after {BOUND} s")
    finally:
        pool.shutdown(wait=False)


def _entries(raw: Path) -> set[str]:
    """Every file-like entry of raw/ the walk can see (a hidden folder counts as one entry)."""
    found = set()
    for folder, dirs, files in os.walk(raw):
        base = Path(folder)
        found |= {(base / d).relative_to(raw).as_posix() for d in dirs if d.startswith(".") or (base / d).is_symlink()}
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found |= {(base / f).relative_to(raw).as_posix() for f in files}
    return found


def _check(paths: Paths, report: IngestReport, frozen: dict[str, str]) -> None:
    tree = paths.root.name
    accounted = set(report.ingested) | {f.path for f in report.failures} | {s.path for s in report.skipped}
    assert accounted == _entries(paths.raw), tree
    assert all(s.reason.strip() for s in report.skipped) and all(f.error.strip() for f in report.failures), tree
    stems = [Path(rel).stem.casefold() for rel in wiki_pages(paths)]
    assert len(stems) == len(set(stems)), f"{tree}: duplicate basename"
    assert tree_digest(paths.raw) == frozen, f"{tree}: raw/ changed"
    assert not (paths.state_dir / "journal.json").exists(), tree


COVERED = (
    "symlink loop",
    "dangling symlink",
    "named pipe",
    "outside raw/",
    "symlinked folder",
    "binary file",
    "not valid UTF-8",
    "empty",
    "unsupported file type",
    "file name is not valid UTF-8",
    "broken PDF",
    "not a zip archive",
)


def test_random_trees_and_replies_never_crash_hang_or_duplicate(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    reasons: set[str] = set()
    outcomes = {"ingested": 0, "failed": 0, "wide": 0}
    outside = tmp_path / "outside.md"
    outside.write_text("# not yours\n", encoding="utf-8")
    for i in range(TREES):
        paths = Paths(tmp_path / f"t{i}")
        (paths.raw).mkdir(parents=True)
        (paths.root / "kwiki.toml").write_text("", encoding="utf-8")
        fifos = _tree(rng, paths, outside)
        frozen = tree_digest(paths.raw)
        report, seconds = _ingest_bounded(paths, rng, fifos)
        assert seconds < BOUND
        _check(paths, report, frozen)
        reasons |= {s.reason for s in report.skipped}
        outcomes["ingested"] += len(report.ingested)
        outcomes["failed"] += len(report.failures)
        outcomes["wide"] += sum(1 for rel in report.ingested if (paths.raw / rel).read_bytes()[:2] in _WIDE)
        if i % 10 == 0:  # and a second run over the same tree finds nothing to do, or redoes only the failures
            again, _ = _ingest_bounded(paths, rng, fifos)
            assert not again.recovered and set(again.ingested) <= {f.path for f in report.failures}
    missing = [kind for kind in COVERED if not any(kind in reason for reason in reasons)]
    assert not missing, f"the seed no longer produces: {missing}"
    assert outcomes["ingested"] > TREES // 2 and outcomes["failed"] > 0 and outcomes["wide"] > 0, outcomes
