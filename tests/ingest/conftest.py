"""Fixtures for the ingest tests: a project in tmp_path, a raw/ guard, and a fake model driven by the source text.

Test sources use a tiny line format the fake understands, so every reply is derived from the source itself:

    # Title                                   (first heading: the title)
    date: 2025-03-01
    tags: ai, os
    - mention: LLM OS | concept | LLM operating system; llm-os | central
    - claim: LLM OS | The LLM is the kernel process of a new operating system.

A claim's quote is its statement, which therefore occurs in the source. A statement holding `fact[key]=value`
lets the fake write-page (and update-page) reply flag a contradiction between sources that give different values
for one key.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kwiki.gate import normalize_ws
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.links import VaultIndex
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import SOURCE, unfence, unfence_json
from kwiki.llm.fake import FakeLLM
from kwiki.markdown import find_wikilinks, split_frontmatter
from kwiki.project import Paths

TODAY = "2026-04-18"
_FACT = re.compile(r"fact\[([^\]]+)\]=(\S+)")
_QUOTE_LINE = re.compile(r'^>\s*"(.+)"\s*$')


# --- the project and its raw/ guard -------------------------------------------------------------------------


def tree_digest(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """rel path → content hash (files) or link target (symlinks, never followed); `skip` drops top-level names."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in [*dirs, *files]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if rel.split("/")[0] in skip:
                continue
            if path.is_symlink():
                found[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "dir"
        dirs[:] = [d for d in dirs if not (base / d).is_symlink() and (base / d).relative_to(root).parts[0] not in skip]
    return found


@dataclass
class RawGuard:
    """Remembers raw/ as the test wrote it; at teardown raw/ must be byte-identical (kwiki never writes there)."""

    frozen: dict[Path, dict[str, str]] = field(default_factory=dict)

    def freeze(self, paths: Paths) -> None:
        self.frozen[paths.raw] = tree_digest(paths.raw)

    def check(self) -> None:
        for raw, digest in self.frozen.items():
            assert tree_digest(raw) == digest, f"{raw} changed during the test"


@pytest.fixture
def raw_guard() -> Iterator[RawGuard]:
    guard = RawGuard()
    yield guard
    guard.check()


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    root = tmp_path / "kb"
    (root / "raw").mkdir(parents=True)
    (root / "wiki").mkdir()
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    return Paths(root)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KWIKI_") or name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)


def write_raw(paths: Paths, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = paths.raw / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def zettel_sources(paths: Paths, *extra: str) -> None:
    """Two notes on one subject, each with one claim: enough for one knowledge page, concepts/zettelkasten.md.
    Each of `extra` adds a note on a subject of its own (`n3.md` and on), a page of its own."""
    notes = {
        f"n{i}.md": source_text(
            f"Note {i}",
            mentions=("Zettelkasten | concept | | central",),
            claims=(f"Zettelkasten | Zettelkasten note {i} links cards together.",),
        )
        for i in (1, 2)
    }
    for n, subject in enumerate(extra, start=3):
        claim = f"{subject} | {subject} is unrelated."
        notes[f"n{n}.md"] = source_text(f"Note {n}", mentions=(f"{subject} | concept | | central",), claims=(claim,))
    write_raw(paths, notes)


def source_text(
    title: str,
    *,
    date: str = "",
    tags: str = "",
    mentions: tuple[str, ...] = (),
    claims: tuple[str, ...] = (),
    extra: str = "",
) -> str:
    lines = [f"# {title}", ""]
    lines += [f"date: {date}"] if date else []
    lines += [f"tags: {tags}"] if tags else []
    lines += [f"- mention: {m}" for m in mentions] + [f"- claim: {c}" for c in claims]
    return "\n".join(lines) + "\n" + (f"\n{extra}\n" if extra else "")


def run(paths: Paths, llm: LLM, *targets: str, plan_only: bool = False, concurrency: int = 2) -> IngestReport:
    options = IngestOptions(
        targets=tuple(paths.raw / t for t in targets),
        plan_only=plan_only,
        concurrency=concurrency,
        today=TODAY,
        provider="fake",
    )
    return ingest(paths, llm, options)


def static_replies(folder: Path) -> Path:
    """A KWIKI_FAKE_REPLIES folder: the same reply to every call of a kind (one concept, a short page)."""
    folder.mkdir()
    extract = {
        "title": "Static",
        "date": "",
        "language": "en",
        "summary": "S.",
        "tags": [],
        "claims": [],
        "mentions": [{"name": "Thing", "type": "concept", "aliases": [], "description": "d", "central": True}],
    }
    (folder / "extract.json").write_text(json.dumps(extract), encoding="utf-8")
    (folder / "summarize.json").write_text('{"title": "Static", "summary": "S."}', encoding="utf-8")
    (folder / "write-page.md").write_text("Body of the page.", encoding="utf-8")
    (folder / "overview.md").write_text("Overview.", encoding="utf-8")
    return folder


# --- the fake model ---------------------------------------------------------------------------------------


def extract_reply(text: str, path: str) -> dict[str, Any]:
    """What a careful model would extract from a source in the line format above."""
    title = next((line[2:].strip() for line in text.split("\n") if line.startswith("# ")), "")
    title = title or next((line.strip() for line in text.split("\n") if line.strip()), path)[:80]
    data: dict[str, Any] = {
        "title": title,
        "date": "",
        "language": "en",
        "summary": f"About {title}.",
        "tags": [],
        "claims": [],
        "mentions": [],
    }
    for line in text.split("\n"):
        if line.startswith("date: "):
            data["date"] = line[6:].strip()
        elif line.startswith("tags: "):
            data["tags"] = [t.strip() for t in line[6:].split(",") if t.strip()]
        elif line.startswith("- mention: "):
            data["mentions"].append(_mention(line[11:]))
        elif line.startswith("- claim: "):
            subject, _, statement = line[9:].partition(" | ")
            data["claims"].append(
                {"subject": subject.strip(), "statement": statement.strip(), "quote": statement.strip()}
            )
    return data


def _mention(spec: str) -> dict[str, Any]:
    parts = [p.strip() for p in re.split(r"\s*\|\s*", spec)] + ["", "", ""]
    aliases = [a.strip() for a in parts[2].split(";") if a.strip()]
    return {
        "name": parts[0],
        "type": parts[1] or "concept",
        "aliases": aliases,
        "description": f"{parts[0]}, as the source describes it.",
        "central": parts[3] == "central",
    }


def page_reply(payload: dict[str, Any], extra: str = "") -> str:
    """A write-page body (or update-page addition) that cites every claim, quotes it, links every neighbour and
    flags disagreeing facts: among the claims, and between them and an update's earlier claims."""
    lines = [f"{payload['title']} as the sources describe it.", ""]
    for claim in payload["claims"]:
        lines += [
            f"{claim['statement']} ([[{claim['source_page']}]])",
            "",
            f'> "{claim["quote"]}"',
            f"> — [[{claim['source_page']}]]",
            "",
        ]
    lines += [f"See [[{n['page']}]]." for n in payload["neighbours"]]
    lines += _contradiction_callouts([*payload["claims"], *payload.get("earlier", [])])
    return "\n".join(lines) + ("\n\n" + extra if extra else "")


def text_kind(user: str) -> str:
    """The kind of a request with a plain-text reply, told from its user prompt (what a fake server sees)."""
    if "Write the addition for this page" in user:
        return "update-page"
    return "write-page" if "Write the body of this page" in user else "overview"


def _contradiction_callouts(claims: list[dict[str, Any]]) -> list[str]:
    facts: dict[str, dict[str, str]] = {}
    for claim in claims:
        for key, value in _FACT.findall(claim["statement"]):
            facts.setdefault(key, {})[claim["source_page"]] = value
    out = []
    for key, by_page in sorted(facts.items()):
        pages = sorted(by_page)
        for i, a in enumerate(pages):
            for b in pages[i + 1 :]:
                if by_page[a] != by_page[b]:
                    out += [
                        "",
                        "> [!warning] Contradiction",
                        f"> [[{a}]] says {key} is {by_page[a]}; [[{b}]] says {key} is {by_page[b]}.",
                    ]
    return out


def scripted_llm(
    *, page_extra: str = "", overview: str = "The wiki in brief.", extract: Callable[[Request], Any] | None = None
) -> FakeLLM:
    def do_extract(request: Request) -> Any:
        if extract is not None:
            answer = extract(request)
            if answer is not None:
                return answer
        meta = unfence_json(request.user)
        return extract_reply(unfence(request.user, SOURCE)[0], meta["path"])

    def do_summarize(request: Request) -> dict[str, str]:
        payload = unfence_json(request.user)
        return {"title": payload["title"], "summary": " ".join(payload["summaries"])[:500]}

    return FakeLLM(
        {
            "extract": do_extract,
            "summarize": do_summarize,
            "write-page": lambda request: page_reply(unfence_json(request.user), page_extra),
            "update-page": lambda request: page_reply(unfence_json(request.user), page_extra),
            "overview": overview,
        }
    )


# --- assertions on the wiki ---------------------------------------------------------------------------------


def wiki_pages(paths: Paths) -> dict[str, str]:
    """Every markdown page of the vault (hidden folders excluded) by wiki-relative path."""
    return {
        p.relative_to(paths.wiki).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(paths.wiki.rglob("*.md"))
        if not any(part.startswith(".") for part in p.relative_to(paths.wiki).parts)
    }


def dangling_links(paths: Paths) -> list[tuple[str, str]]:
    vault = VaultIndex.scan(paths.wiki)
    bad = []
    for rel, text in wiki_pages(paths).items():
        for link in find_wikilinks(split_frontmatter(text)[1]):
            if link.target and vault.resolve(link.target, rel) is None:
                bad.append((rel, link.target))
    return bad


def unverified_quotes(paths: Paths) -> list[tuple[str, str]]:
    """Every `> "..."` line of the wiki whose quoted text occurs in no raw file (whitespace-normalized)."""
    texts = []
    for file in paths.raw.rglob("*"):
        if file.is_file() and not file.is_symlink():
            texts.append(normalize_ws(file.read_bytes().decode("utf-8", errors="replace")))
    bad = []
    for rel, text in wiki_pages(paths).items():
        for line in text.split("\n"):
            match = _QUOTE_LINE.match(line.strip())
            if match and not any(normalize_ws(match.group(1)) in t for t in texts):
                bad.append((rel, match.group(1)))
    return bad


def log_entries(paths: Paths, operation: str) -> list[str]:
    log = paths.wiki / "log.md"
    text = log.read_text(encoding="utf-8") if log.is_file() else ""
    return re.findall(rf"^## \[\d{{4}}-\d{{2}}-\d{{2}}\] {operation} \| (.+)$", text, flags=re.MULTILINE)


def mtimes(paths: Paths) -> dict[str, tuple[int, str]]:
    """mtime_ns and content hash of every file kwiki may write (wiki/ and .kwiki/ minus the sqlite files)."""
    out = {}
    for root in (paths.wiki, paths.state_dir):
        for file in sorted(root.rglob("*")):
            if file.is_file() and "state.sqlite" not in file.name and file.name not in ("calls.jsonl", "lock"):
                out[file.relative_to(paths.root).as_posix()] = (
                    file.stat().st_mtime_ns,
                    hashlib.sha256(file.read_bytes()).hexdigest(),
                )
    return out
