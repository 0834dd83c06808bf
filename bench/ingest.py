"""Ingest benchmarks: no-op re-ingest, per-source overhead, concurrency, prompt growth and peak memory.

Run `.venv/bin/python bench/ingest.py [--quick] [--only a,b,c,d,e] [--profile]`; prints a markdown table
(results recorded in BENCHMARKS.md). Not part of pytest. Providers are fakes: an instant in-process FakeLLM
whose replies are derived from each source's text, and a loopback OpenAI-compatible server that answers
after a fixed delay.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench"), str(REPO / "src"), str(REPO)]

from gencorpus import VOCABULARY, generate_corpus, source_text  # noqa: E402
from kwiki import generated, journal, vault  # noqa: E402
from kwiki import ingest as ingest_module  # noqa: E402
from kwiki.compile import Compiler  # noqa: E402
from kwiki.ingest import IngestOptions, IngestReport, ingest  # noqa: E402
from kwiki.llm.base import LLM, Request  # noqa: E402
from kwiki.llm.blocks import SOURCE, unfence, unfence_json  # noqa: E402
from kwiki.llm.fake import FakeLLM  # noqa: E402
from kwiki.project import Paths  # noqa: E402

TODAY = "2026-11-21"
_KINDS = {n.casefold(): (n, k) for n, k in VOCABULARY}
_SENTENCE = re.compile(r"[^.\n#][^.\n]*\.")


# ---------------------------------------------------------------- fake replies, derived from the prompt


def extract_reply(request: Request) -> dict[str, Any]:
    """What a careful model would return: the vocabulary names the text mentions, claims quoting it verbatim."""
    text = unfence(request.user, SOURCE)[0]
    title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), "Untitled")
    date = re.search(r"Date: (\d{4}-\d{2}-\d{2})", text)
    lowered = text.casefold()
    hits = sorted((lowered.find(key), key) for key in _KINDS if key in lowered)
    found = [_KINDS[key] for _, key in hits[:12]]
    claims: list[dict[str, str]] = []
    for sentence in _SENTENCE.findall(text):
        subject = next((n for n, _ in found if n.casefold() in sentence.casefold()), None)
        if subject and len(claims) < 6:
            claims.append({"subject": subject, "statement": sentence.strip(), "quote": sentence.strip()})
    mentions = [
        {"name": n, "type": k, "aliases": [], "description": f"{n}, as discussed in {title}.", "central": i == 0}
        for i, (n, k) in enumerate(found)
    ]
    tags = sorted({k for _, k in found})[:3]
    return {
        "title": title,
        "date": date.group(1) if date else "",
        "language": "en",
        "summary": claims[0]["statement"] if claims else title,
        "tags": tags,
        "claims": claims,
        "mentions": mentions,
    }


def write_reply(request: Request) -> str:
    """A body the size a model would write: one cited sentence per claim, a few quotes, some neighbour links."""
    data = unfence_json(request.user)
    lines = [f"{c['statement']} ([[{c['source_page']}]])" for c in data["claims"]]
    quotes = [f'> "{c["quote"]}"\n> — [[{c["source_page"]}]]' for c in data["claims"][:2] if c["quote"]]
    near = " ".join(f"See [[{n['page']}]]." for n in data["neighbours"][:3])
    kept = data["current_body"][:4000]
    # a page with no claims (only descriptions) still gets a sentence, as a model would write: an empty reply fails
    said = lines or [f"{d['text']} ([[{d['source_page']}]])" for d in data["descriptions"][:2]]
    body = "\n\n".join(p for p in [kept, " ".join(said), *quotes, near] if p)
    return body or f"{data['title']} is discussed in the sources."


def update_reply(request: Request) -> str:
    """An addition the size a model would write: one cited sentence per new claim, a quote, a neighbour link."""
    data = unfence_json(request.user)
    lines = [f"{c['statement']} ([[{c['source_page']}]])" for c in data["claims"]]
    quotes = [f'> "{c["quote"]}"\n> — [[{c["source_page"]}]]' for c in data["claims"][:1] if c["quote"]]
    near = " ".join(f"See [[{n['page']}]]." for n in data["neighbours"][:2])
    return "\n\n".join(p for p in [" ".join(lines), *quotes, near] if p)


def overview_reply(request: Request) -> str:
    data = unfence_json(request.user)
    return "\n".join(f"- [[{p['page']}]]: {p['summary']}" for p in data["pages"][:20]) or "Empty so far."


def summarize_reply(request: Request) -> dict[str, Any]:
    data = unfence_json(request.user)
    return {"title": data["title"], "summary": " ".join(data["summaries"])[:400]}


REPLIES: dict[str, Callable[[Request], Any]] = {
    "extract": extract_reply,
    "write-page": write_reply,
    "update-page": update_reply,
    "overview": overview_reply,
    "summarize": summarize_reply,
}


FAKE_CPU = [0.0]  # CPU seconds spent building fake replies (bench code, not kwiki), summed over threads
_FAKE_LOCK = threading.Lock()


def _timed_reply(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
    def reply(request: Request) -> Any:
        started = time.thread_time()
        try:
            return fn(request)
        finally:
            with _FAKE_LOCK:
                FAKE_CPU[0] += time.thread_time() - started

    return reply


def fake() -> FakeLLM:
    return FakeLLM({name: _timed_reply(fn) for name, fn in REPLIES.items()}, model="fake")


# ---------------------------------------------------------------- helpers


def make_project(root: Path) -> Paths:
    for folder in ("raw", "wiki"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    return Paths(root)


def options(concurrency: int = 4) -> IngestOptions:
    return IngestOptions(
        targets=(), plan_only=False, concurrency=concurrency, max_bytes=5_000_000, today=TODAY, provider="fake"
    )


def run(paths: Paths, llm: LLM, concurrency: int = 4) -> tuple[IngestReport, float]:
    started = time.perf_counter()
    report = ingest(paths, llm, options(concurrency))
    elapsed = time.perf_counter() - started
    if report.failures or report.page_failures:
        raise SystemExit(f"ingest failed: {report.failures[:3]} {report.page_failures[:3]}")
    return report, elapsed


def page_count(paths: Paths) -> int:
    return sum(len(list((paths.wiki / f).glob("*.md"))) for f in ("sources", "concepts", "entities", "methods"))


PEAK_AFTER: dict[str, float] = {}  # phase → this process's peak RSS (MB) when the phase ended


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Discard(list[Request]):
    """A request log that keeps nothing, so the fake's own bookkeeping stays out of the memory figure."""

    def append(self, item: Request) -> None:
        pass


@contextmanager
def phase_timer() -> Iterator[dict[str, float]]:
    """Times the phases of one ingest by wrapping the names kwiki.ingest calls (bench only; src is untouched)."""
    times: dict[str, float] = defaultdict(float)
    originals: dict[str, Any] = {}

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[label] += time.perf_counter() - started
                PEAK_AFTER[label] = _peak_mb()

        return wrapper

    targets = {
        "load snapshot": "load_snapshot",
        "discover": "discover",
        "plan": "plan_sources",
        "extract": "_extract_all",
    }
    for label, name in targets.items():
        originals[name] = getattr(ingest_module, name)
        setattr(ingest_module, name, timed(label, originals[name]))
    generate = generated.generate  # imported by kwiki.ingest when a run is due
    setattr(generated, "generate", timed("finish (index, overview, log)", generate))  # noqa: B010
    apply = journal.apply
    setattr(journal, "apply", timed("apply (journal + state)", apply))  # noqa: B010 - patched for timing only
    methods = {"__init__": "resolve + place (Compiler init)", "compile": "compile (draft + check + merge)"}
    saved = {m: getattr(Compiler, m) for m in methods}
    for method, label in methods.items():
        setattr(Compiler, method, timed(label, saved[method]))
    try:
        yield times
    finally:
        for name, fn in originals.items():
            setattr(ingest_module, name, fn)
        setattr(journal, "apply", apply)  # noqa: B010
        setattr(generated, "generate", generate)  # noqa: B010
        for method, fn in saved.items():
            setattr(Compiler, method, fn)


def profile_top(fn: Callable[[], Any], limit: int = 18) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"kwiki", limit)
    out.write("\n---- by own time ----\n")
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


# ---------------------------------------------------------------- the benchmarks

Row = tuple[str, str, str, str]  # benchmark, measured, goal, verdict


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    """CPU seconds (user + sys) so far: unlike wall time, it does not depend on what else the machine runs."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload: on shared cores a CPU second does less work under load,
    so CPU times of two runs compare only after dividing by this."""
    data = [{"name": f"page {n}", "claims": [f"claim {k} of {n}" for k in range(20)]} for n in range(300)]
    started = _cpu()
    for _ in range(20):
        json.loads(json.dumps(data))
        sorted(str(item) for item in data)
    return (_cpu() - started) * 1000


def _file_create_us(folder: Path, count: int = 300) -> float:
    """Wall microseconds to write one small file as kwiki does (temp file, rename): this varies far more than
    CPU speed. ext4 scans for an inode it may reuse, and right after many deletions (a test suite, the previous
    benchmark's folder) that scan costs about 1 ms of kernel time per new file, for some minutes."""
    scratch = folder / "file-create-calibration"
    started = time.perf_counter()
    for n in range(count):
        vault.write_text(scratch, f"page-{n}.md", "x" * 2000, durable=False)
    elapsed = time.perf_counter() - started
    shutil.rmtree(scratch)
    return elapsed / count * 1e6


def _first_ingest(paths: Paths) -> dict[str, Any]:
    """The first ingest of `paths` in a child process (its own peak RSS), reported by the child as JSON."""
    child = subprocess.run(
        [sys.executable, __file__, "--worker", str(paths.root)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(child.stdout)
    return result


def _first_note(label: str, n: int, first: dict[str, Any]) -> str:
    return (
        f"{label} first ingest of {n} sources: {first['seconds']:.1f} s wall, {first['cpu']:.1f} s CPU "
        f"({first['seconds'] / n * 1000:.1f} / {first['cpu'] / n * 1000:.1f} ms per source), {first['pages']} pages, "
        f"peak RSS {first['rss_mb']:.0f} MB; peak RSS (MB) when each phase ended: "
        + ", ".join(f"{k} {v:.0f}" for k, v in first["peaks"].items())
    )


def bench_memory(work: Path, n: int, rows: list[Row], notes: list[str]) -> None:
    """(e): peak RSS of a first ingest, in a child process so nothing else of the bench counts."""
    paths = make_project(work / "memory")
    generate_corpus(paths.raw, n)
    first = _first_ingest(paths)
    rss = first["rss_mb"]
    rows.append(
        (f"(e) peak RSS, first ingest of {n} sources (child process)", f"{rss:.0f} MB", "< 250 MB", _verdict(rss < 250))
    )
    notes.append(_first_note("(e)", n, first))


def bench_noop(work: Path, n: int, rows: list[Row], notes: list[str], reuse: Path | None) -> None:
    """(a): a re-ingest with nothing to do, as a library call and as the CLI; `reuse` keeps the ingested project."""
    paths = make_project(reuse or work / "noop")
    if not paths.state_db.is_file():
        generate_corpus(paths.raw, n)
        notes.append(_first_note("(a)", n, _first_ingest(paths)))
    walls, cpus = [], []
    for _ in range(3):
        cpu = _cpu()
        report, elapsed = run(paths, fake())
        assert report.unchanged == n and not report.ingested, report
        walls.append(elapsed)
        cpus.append(_cpu() - cpu)
    rows.append(
        (
            f"(a) no-op re-ingest of {n} unchanged sources (library)",
            f"{min(walls):.2f} s wall, {min(cpus):.2f} s CPU (best of 3)",
            "< 2 s",
            _verdict(min(walls) < 2),
        )
    )
    with phase_timer() as times:
        run(paths, fake())
    notes.append("(a) no-op phases: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in times.items()))
    first_cli = _cli_noop(paths, work)  # builds the search index when the library call left none
    steady = [_cli_noop(paths, work) for _ in range(3)]
    wall, cpu = min(steady)
    rows.append(
        (
            f"(a) no-op re-ingest of {n} sources (`python -m kwiki ingest`, steady state)",
            f"{wall:.2f} s wall, {cpu:.2f} s CPU (best of 3)",
            "< 2 s",
            _verdict(wall < 2),
        )
    )
    help_wall, help_cpu = _cli_help()
    notes.append(
        f"(a) first CLI run after the library ingest: {first_cli[0]:.2f} s wall, {first_cli[1]:.2f} s CPU; "
        f"`kwiki --help` alone: {help_wall:.2f} s wall, {help_cpu:.2f} s CPU"
    )


def _child(
    command: list[str], env: dict[str, str] | None = None, **kwargs: Any
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a command; (result, wall seconds, its CPU seconds). Bytecode is cached as an installed kwiki's is
    (PYTHONDONTWRITEBYTECODE would add a compile of every module to each run)."""
    env = {k: v for k, v in (env or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}
    cpu, started = _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, **kwargs)
    return done, time.perf_counter() - started, _cpu(resource.RUSAGE_CHILDREN) - cpu


def _cli_help() -> tuple[float, float]:
    _, wall, cpu = _child([sys.executable, "-m", "kwiki", "--help"], check=True)
    return wall, cpu


def _cli_noop(paths: Paths, work: Path) -> tuple[float, float]:
    """`python -m kwiki ingest` on the same project; provider fake with the same model, so the key matches."""
    replies = work / "replies"
    replies.mkdir(exist_ok=True)
    (replies / "overview.md").write_text("Nothing.", encoding="utf-8")
    env = {**os.environ, "KWIKI_PROVIDER": "fake", "KWIKI_MODEL": "fake", "KWIKI_FAKE_REPLIES": str(replies)}
    done, wall, cpu = _child([sys.executable, "-m", "kwiki", "ingest", "--json"], cwd=paths.root, env=env)
    if done.returncode != 0 or json.loads(done.stdout)["sources"]["ingested"]:
        raise SystemExit(f"CLI no-op failed ({done.returncode}): {done.stderr[-800:]} {done.stdout[-400:]}")
    return wall, cpu


def worker(root: str) -> None:
    """Child process for a first ingest, reported as JSON on stdout (peak RSS of this process alone)."""
    paths = Paths(Path(root))
    llm = fake()
    llm.requests = _Discard()
    with phase_timer():
        report, elapsed = run(paths, llm)
    result = {"seconds": elapsed, "cpu": _cpu(), "ingested": len(report.ingested), "pages": page_count(paths)}
    print(json.dumps({**result, "rss_mb": _peak_mb(), "peaks": PEAK_AFTER}))


def bench_overhead(work: Path, n: int, rows: list[Row], notes: list[str], profile: bool) -> None:
    """(b): wall and CPU time per source with an instant provider, broken down by phase."""
    paths = make_project(work / "overhead")
    generate_corpus(paths.raw, n)
    llm = fake()
    FAKE_CPU[0] = 0.0
    create_us = _file_create_us(work)
    system, cpu = resource.getrusage(resource.RUSAGE_SELF).ru_stime, _cpu()
    with phase_timer() as times:
        _, elapsed = run(paths, llm)
    cpu, system = _cpu() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_stime - system
    per, per_cpu, fake_cpu = elapsed / n * 1000, cpu / n * 1000, FAKE_CPU[0]
    compile_share = sum(v for k, v in times.items() if k.startswith(("resolve", "compile", "finish")))
    rows.append(
        (
            f"(b) kwiki overhead per source, {n} sources, instant fake",
            f"{per:.1f} ms wall, {per_cpu:.1f} ms CPU",
            "< 5 ms",
            _verdict(per < 5),
        )
    )
    calls = Counter(r.name for r in llm.requests)
    notes.append(
        f"(b) {elapsed:.1f} s wall, {cpu:.1f} s CPU in total, of which ~{fake_cpu:.2f} s CPU building the fake's "
        f"replies (kwiki alone ≈ {(elapsed - fake_cpu) / n * 1000:.1f} ms wall, {(cpu - fake_cpu) / n * 1000:.1f} "
        f"ms CPU per source; load average {os.getloadavg()[0]:.1f}; {system:.1f} s of the CPU in the kernel; "
        f"a file took {create_us:.0f} µs to create just before); "
        f"{page_count(paths)} pages, calls {dict(calls)}; phases: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in times.items())
        + f"; knowledge-page compile (resolve + compile + finish) = {compile_share / elapsed:.0%}"
    )
    if profile:
        again = make_project(work / "overhead-profile")
        generate_corpus(again.raw, n)
        notes.append("(b) cProfile:\n```\n" + profile_top(lambda: run(again, fake())) + "```")


def bench_concurrency(work: Path, n: int, delay: float, rows: list[Row], notes: list[str]) -> None:
    """(c): the same corpus against a loopback server that answers after `delay`, concurrency 1 vs 8."""
    from tests.llm.loopback import LoopbackServer

    from kwiki.llm.openai_adapter import OpenAILLM

    walls = {}
    for concurrency in (1, 8):
        paths = make_project(work / f"loopback-{concurrency}")
        generate_corpus(paths.raw, n)
        with LoopbackServer(_responder(delay)) as server:
            llm = OpenAILLM("loopback", "key", base_url=server.base_url, json_mode="json_schema", max_retries=0)
            _, walls[concurrency] = run(paths, llm, concurrency)
            calls = len(server.chat_bodies())
        notes.append(
            f"(c) concurrency {concurrency}: {walls[concurrency]:.1f} s for {calls} calls "
            f"(≥ {calls * delay / concurrency:.1f} s of pure waiting at this concurrency)"
        )
    speedup = walls[1] / walls[8]
    rows.append(
        (
            f"(c) {n} sources, server answers after {delay:g} s: concurrency 1 vs 8",
            f"{walls[1]:.1f} s vs {walls[8]:.1f} s = {speedup:.1f}×",
            "≥ 6×",
            _verdict(speedup >= 6),
        )
    )


def _responder(delay: float) -> Callable[[dict[str, Any]], Any]:
    from tests.llm.loopback import chat_completion

    def respond(body: dict[str, Any]) -> Any:
        system, user = (m["content"] for m in body["messages"])
        name = body.get("response_format", {}).get("json_schema", {}).get("name")
        if name is None:
            name = "write-page" if '"current_body"' in user else "update-page" if '"outline"' in user else "overview"
        reply = REPLIES[name](Request(name, system, user, None, 0))
        text = reply if isinstance(reply, str) else json.dumps(reply)
        return dataclasses.replace(chat_completion(text), delay=delay)

    return respond


GROWTH_KINDS = ("extract", "write-page", "update-page", "overview")
NEW_NOTE_CHARS = 2_500
NEW_NOTES = (99, 98, 97)  # seeds of the new notes: each goes into its own copy of the wiki, the results averaged
GROWTH_BATCH = 2_000  # notes per ingest while a wiki grows: bounds the bench's memory


def bench_prompt_growth(work: Path, rows: list[Row], notes: list[str], sizes: tuple[int, ...]) -> None:
    """(d): prompt characters (system + user, every call) that one new ~2,500-character note causes in a wiki
    built from `sizes` notes. One wiki grows through the sizes; at each, copies of it ingest one new note each."""
    paths = make_project(work / "growth")
    totals: dict[int, float] = {}
    table = ["| Notes | Pages | " + " | ".join(GROWTH_KINDS) + " | Total |", "|---" * (len(GROWTH_KINDS) + 3) + "|"]
    for size in sizes:
        _grow_to(paths, size)
        chars, calls = Counter[str](), Counter[str]()
        for seed in NEW_NOTES:
            one_chars, one_calls = _one_new_note(paths, work / f"growth-{size}-{seed}", seed)
            chars.update(one_chars)
            calls.update(one_calls)
        n = len(NEW_NOTES)
        totals[size] = sum(chars.values()) / n
        cells = [f"{calls[k] / n:.1f}× {chars[k] / n:,.0f}" if calls[k] else "—" for k in GROWTH_KINDS]
        table.append(f"| {size:,} | {page_count(paths):,} | " + " | ".join(cells) + f" | {totals[size]:,.0f} |")
    lengths = ", ".join(f"{len(_new_note(seed)[1]):,}" for seed in NEW_NOTES)
    notes.append(
        f"(d) mean over {len(NEW_NOTES)} new notes ({lengths} chars), each into its own copy of the wiki; "
        "calls and prompt chars per call kind:\n\n" + "\n".join(table)
    )
    ratio = totals[1000] / totals[20]
    rows.append(
        (
            "(d) prompt chars for one new ~2,500-char note, wiki of 20 vs 1,000 notes",
            f"{totals[20]:,.0f} vs {totals[1000]:,.0f} ({ratio:.2f}×)",
            "≤ 1.10×",
            _verdict(ratio <= 1.10),
        )
    )
    at_200 = totals[200]
    rows.append(
        ("(d) same, wiki of 200 notes", f"{at_200:,.0f}", "about 16,000 (was 28,999)", _verdict(at_200 < 17_000))
    )


SCHEMA_EDIT = "\n## House style\n\nWrite British English; spell out numbers below ten.\n"


def bench_schema_cost(work: Path, notes: list[str], size: int) -> None:
    """(f): the same new note into a `size`-note wiki with no CLAUDE.md, `kwiki init`'s, and an edited one."""
    from kwiki.scaffold import template_text

    template = template_text("CLAUDE.md")
    variants = [
        ("no CLAUDE.md", ""),
        ("kwiki init's CLAUDE.md", template),
        ("CLAUDE.md edited", template + SCHEMA_EDIT),
    ]
    table = ["| CLAUDE.md | " + " | ".join(GROWTH_KINDS) + " | Total |", "|---" * (len(GROWTH_KINDS) + 2) + "|"]
    for i, (label, text) in enumerate(variants):
        paths = make_project(work / f"schema-{i}")
        if text:
            paths.schema.write_text(text, encoding="utf-8")
        _grow_to(paths, size)  # CLAUDE.md is in place from the start: changing it later re-extracts every note
        chars, calls = _one_new_note(paths, work / f"schema-{i}-new", NEW_NOTES[0])
        cells = [f"{calls[k]}× {chars[k]:,}" if calls[k] else "—" for k in GROWTH_KINDS]
        table.append(f"| {label} ({len(text):,} chars) | " + " | ".join(cells) + f" | {sum(chars.values()):,} |")
        shutil.rmtree(paths.root)
    notes.append(
        f"(f) one new note (seed {NEW_NOTES[0]}) into a {size}-note wiki, by CLAUDE.md:\n\n" + "\n".join(table)
    )


def _grow_to(paths: Paths, size: int) -> None:
    """Ingest corpus notes until the wiki holds notes 0…size-1."""
    have = sum(1 for _ in paths.raw.rglob("*.md"))
    while have < size:
        step = min(GROWTH_BATCH, size - have)
        generate_corpus(paths.raw, step, start=have)
        run(paths, fake())
        have += step


def _new_note(seed: int) -> tuple[str, str]:
    rel, text = source_text(0, seed=seed, chars=NEW_NOTE_CHARS)
    return f"new/{rel}", text


def _one_new_note(paths: Paths, copy: Path, seed: int) -> tuple[Counter[str], Counter[str]]:
    """(prompt chars by call kind, calls by kind) of ingesting one new note into a copy of the wiki."""
    target = Paths(Path(shutil.copytree(paths.root, copy)))
    rel, text = _new_note(seed)
    (target.raw / rel).parent.mkdir(parents=True, exist_ok=True)
    (target.raw / rel).write_text(text, encoding="utf-8")
    llm = fake()
    run(target, llm)
    chars: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for request in llm.requests:
        chars[request.name] += len(request.system) + len(request.user)
        calls[request.name] += 1
    shutil.rmtree(copy)
    return chars, calls


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in 2-3 minutes")
    parser.add_argument("--only", default="a,b,c,d,e,f", help="comma list of a,b,c,d,e,f")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of (b) to the notes")
    parser.add_argument(
        "--noop-project", type=Path, help="(a): keep the ingested project here and reuse it on the next run"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    only = set(args.only.split(","))
    calibration = _calibration_ms()
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kwiki-bench-") as tmp:
        work = Path(tmp)
        if "a" in only:
            bench_noop(work, 500 if args.quick else 20_000, rows, notes, args.noop_project)
        if "e" in only:
            bench_memory(work, 500 if args.quick else 5000, rows, notes)
        if "b" in only:
            bench_overhead(work, 200 if args.quick else 2000, rows, notes, args.profile)
        if "c" in only:
            bench_concurrency(work, *((40, 0.5) if args.quick else (200, 1.0)), rows, notes)
        if "d" in only:
            bench_prompt_growth(work, rows, notes, (20, 200, 1000) if args.quick else (20, 200, 1000, 10_000))
        if "f" in only:
            bench_schema_cost(work, notes, 20 if args.quick else 200)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = f"Machine: {os.cpu_count()} cores, load average {load}"
    machine += f"; calibration {calibration:.0f} / {_calibration_ms():.0f} ms CPU (start / end)"
    print(f"{machine}; date {TODAY}; python {sys.version.split()[0]}\n")
    print("| Benchmark | Measured | Goal | Verdict |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nNotes:\n" + "\n".join(f"- {n}" for n in notes))


if __name__ == "__main__":
    main()
