"""`kwiki mcp`: the wiki as a Model Context Protocol server over stdio, for coding agents (the only mcp importer).

Tools search, read, ask (with checked citations), lint and status; resources serve every page. Read-only unless
`allow_ingest`. A KwikiError becomes a tool error carrying the CLI's message; stdout carries protocol only (the SDK
diverts file descriptor 1 to stderr while it serves).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ParamSpec

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources.types import FunctionResource
from pydantic import Field

from kwiki import __version__, entries
from kwiki.config import Config
from kwiki.errors import KwikiError, UsageError
from kwiki.gitops import commit_ingest
from kwiki.ingest import IngestOptions, IngestReport, ingest
from kwiki.links import VaultIndex
from kwiki.lint import LintOptions, run_lint
from kwiki.llm.base import LLM
from kwiki.markdown import split_frontmatter
from kwiki.project import Paths
from kwiki.query import DEFAULT_LIMIT, answer, require_question
from kwiki.search import refresh_index, search
from kwiki.state import State
from kwiki.status import status_report

P = ParamSpec("P")
PAGE_URI = "kwiki://page/"
INSTRUCTIONS = (
    "A wiki compiled by kwiki from the project's raw sources. Search it before reading raw files; read pages by "
    "name; cite pages as [[name]]. Pages carry frontmatter: type, summary, sources (raw paths), updated."
)


@dataclass(frozen=True)
class Wiki:
    """The project the server answers for, with its settings and environment (for the model, when one is set)."""

    paths: Paths
    config: Config
    env: Mapping[str, str]

    def search(self, query: str, limit: int) -> dict[str, Any]:
        refresh_index(self.paths)
        hits = search(self.paths, require_question(query), limit)
        results = [
            {
                "page": h.name,
                "title": h.title,
                "type": h.type,
                "path": f"wiki/{h.page}",
                "score": round(h.score, 3),
                "snippet": h.snippet,
                "sentences": list(h.sentences),
                "linked_from": h.via,
            }
            for h in hits
        ]
        return {"query": query, "results": results}

    def read(self, name: str) -> dict[str, Any]:
        rel = self.resolve(name)
        meta, body = split_frontmatter(self.text(rel))
        return {"path": f"wiki/{rel}", "name": Path(rel).stem, "frontmatter": plain(meta), "body": body}

    def text(self, rel: str) -> str:
        """The page's text (latin-1 bytes read as U+FFFD); a FIFO or a broken link named like a page is refused."""
        text, odd = entries.read_text(self.paths.wiki, rel)
        if odd is not None and not text:
            raise UsageError(f"wiki/{rel}: {odd.problem}", odd.fix)
        return text

    def resolve(self, name: str) -> str:
        """A page by basename, wiki-relative path or [[link]], as Obsidian resolves links; UsageError when none."""
        target = name.strip().removeprefix("[[").removesuffix("]]").split("|")[0].removeprefix("wiki/")
        rel = VaultIndex.scan(self.paths.wiki).resolve(target, "") if target else None
        if rel is None or not rel.endswith(".md"):
            raise UsageError(f"no page {name!r} in {self.paths.wiki}", "use the search_wiki tool to find page names")
        return rel

    def ask(self, question: str, limit: int) -> dict[str, Any]:
        if self.config.provider == "extractive":
            raise UsageError(
                "no model is configured (provider extractive runs none), so kwiki cannot answer questions",
                "use the search_wiki tool, or set provider and its API key for `kwiki mcp` (see `kwiki status`)",
            )
        result = answer(self.paths, self._llm(), require_question(question), limit)
        return {
            "answer": result.text,
            "citations": [{"page": p.name, "title": p.title, "path": f"wiki/{p.page}"} for p in result.citations],
            "removed_citations": list(result.removed_citations),
            "pages_used": [p.name for p in result.pages],
        }

    def lint(self) -> dict[str, Any]:
        state = State.open(self.paths.state_db) if self.paths.state_db.is_file() else None
        try:
            report = run_lint(self.paths, state, LintOptions())
        finally:
            if state is not None:
                state.close()
        return {"counts": report.counts(), "findings": plain(list(report.findings))}

    def status(self) -> dict[str, Any]:
        return {"status": plain(status_report(self.paths, self.config, self.env))}

    def ingest(self, targets: list[str]) -> dict[str, Any]:
        options = IngestOptions(
            targets=tuple(self.paths.raw / t.removeprefix("raw/") for t in targets),
            concurrency=self.config.concurrency,
            max_bytes=int(self.config.max_source_mb * 1_000_000),
            today=dt.date.today().isoformat(),
            provider=self.config.provider,
        )
        llm = self._llm()
        if self.config.commit:  # `commit = true` in kwiki.toml holds for agents' runs too
            report, commit = commit_ingest(self.paths, lambda: ingest(self.paths, llm, options))
        else:
            report, commit = ingest(self.paths, llm, options), None
        refresh_index(self.paths)
        return {**summary(report), "commit": commit.sha if commit else None}

    def _llm(self) -> LLM:
        from kwiki.llm.provider import build_llm
        from kwiki.llm.wrappers import Meter

        return build_llm(self.config, self.paths, self.env, meter=Meter(), debug_sink=sys.stderr.write)


def summary(report: IngestReport) -> dict[str, Any]:
    return {
        "ingested": report.ingested,
        "unchanged": report.unchanged,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "failed": [{"path": f.path, "error": f.error} for f in [*report.failures, *report.page_failures]],
        "deleted": report.deleted,
        "pages": {"created": report.created, "updated": report.updated, "removed": report.removed},
    }


def plain(value: object) -> Any:
    """JSON-ready: dataclasses as dicts, paths and dates as text."""
    return json.loads(json.dumps(value, default=_encode, ensure_ascii=False))


def _encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path | dt.date):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _message(err: KwikiError) -> str:
    return f"error: {err.message}" + (f"\nfix: {err.hint}" if err.hint else "")


def _tool(fn: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any]]:
    """A KwikiError becomes a tool error with the CLI's `error:`/`fix:` text (anything else: the SDK's generic one)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except KwikiError as err:
            raise ToolError(_message(err)) from None

    return run


def build_server(wiki: Wiki, allow_ingest: bool = False) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer("kwiki", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    _read_tools(server, wiki)
    _page_resources(server, wiki)
    if allow_ingest:
        _ingest_tool(server, wiki)
    return server


def serve(wiki: Wiki, allow_ingest: bool) -> None:
    build_server(wiki, allow_ingest).run("stdio")


Query = Annotated[str, Field(description="Words or a question, as you would type them into a search box.")]
Limit = Annotated[int, Field(ge=1, le=50, description="At most this many pages.")]
Name = Annotated[str, Field(description="Page basename (llm-os), wiki path (concepts/llm-os.md) or [[link]].")]
Targets = Annotated[list[str] | None, Field(description="Files or folders under raw/ (default: all of raw/).")]


def _read_tools(server: MCPServer[Any], wiki: Wiki) -> None:
    @server.tool(description="Ranked wiki pages for a query, each with a snippet and matching sentences (no model).")
    @_tool
    def search_wiki(query: Query, limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        return wiki.search(query, limit)

    @server.tool(description="One wiki page: its frontmatter (type, summary, sources, updated…) and markdown body.")
    @_tool
    def read_page(name: Name) -> dict[str, Any]:
        return wiki.read(name)

    @server.tool(
        description="Answer a question from the wiki with the model kwiki is configured with; every "
        "citation is checked to be a page the model was given. Fails clearly when no model is configured."
    )
    @_tool
    def ask_wiki(question: Query, limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        return wiki.ask(question, limit)

    @server.tool(description="kwiki lint: broken links, stale pages, open contradictions and other findings.")
    @_tool
    def lint_wiki() -> dict[str, Any]:
        return wiki.lint()

    @server.tool(description="kwiki status: provider and model in effect, raw/ and wiki/ counts, pending sources.")
    @_tool
    def wiki_status() -> dict[str, Any]:
        return wiki.status()


def _ingest_tool(server: MCPServer[Any], wiki: Wiki) -> None:
    @server.tool(description="kwiki ingest: compile new and changed raw sources into the wiki (writes wiki/).")
    @_tool
    def ingest_sources(paths: Targets = None) -> dict[str, Any]:
        return wiki.ingest(paths or [])


def _page_resources(server: MCPServer[Any], wiki: Wiki) -> None:
    index = VaultIndex.scan(wiki.paths.wiki) if wiki.paths.wiki.is_dir() else VaultIndex(())
    for rel in (p for p in index.paths if p.endswith(".md")):
        read = functools.partial(_page_text, wiki, rel)
        uri = PAGE_URI + urllib.parse.quote(rel)
        server.add_resource(FunctionResource.from_function(read, uri, name=rel, mime_type="text/markdown"))

    @server.resource(
        PAGE_URI + "{+name}",
        name="page",
        mime_type="text/markdown",
        description="A wiki page by path or basename (pages added after the server started too).",
    )
    def page(name: str) -> str:
        return _page_text(wiki, name)


def _page_text(wiki: Wiki, name: str) -> str:
    try:
        return wiki.text(wiki.resolve(name))
    except KwikiError as err:
        raise ResourceError(_message(err)) from None
