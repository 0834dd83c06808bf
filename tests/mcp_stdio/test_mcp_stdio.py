"""`kwiki mcp` driven over stdio by the official SDK's client, as Claude Code or Cursor would drive it."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from ingest.test_extractive import LUHMANN, MYTHS
from kwiki.ingest import IngestOptions, ingest
from kwiki.offline import ExtractiveLLM
from kwiki.project import Paths

READ_TOOLS = {"search_wiki", "read_page", "ask_wiki", "lint_wiki", "wiki_status"}


@pytest.fixture
def compiled(tmp_path: Path) -> Paths:
    paths = Paths(tmp_path / "kb")
    (paths.raw / "2025").mkdir(parents=True)
    (paths.root / "kwiki.toml").write_text('provider = "extractive"\n', encoding="utf-8")
    (paths.raw / "2025/luhmann.md").write_text(LUHMANN, encoding="utf-8")
    ingest(paths, ExtractiveLLM(), IngestOptions(today="2026-11-21", provider="extractive"))
    return paths


def drive(paths: Paths, errlog: Path, script: Callable[[ClientSession], Awaitable[None]], *flags: str) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "kwiki", "--project", str(paths.root), "mcp", *flags], cwd=paths.root
    )

    async def main() -> None:
        with errlog.open("w", encoding="utf-8") as log:
            async with stdio_client(params, errlog=log) as (read, write), ClientSession(read, write) as session:
                await script(session)

    anyio.run(main)


def text(result: Any) -> str:
    assert isinstance(result, CallToolResult)
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def test_an_agent_initializes_lists_tools_searches_reads_and_gets_clear_errors(compiled: Paths, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    async def script(session: ClientSession) -> None:
        init = await session.initialize()
        seen["server"] = init.server_info.name
        seen["tools"] = {tool.name for tool in (await session.list_tools()).tools}
        found = await session.call_tool("search_wiki", {"query": "Zettelkasten Luhmann"})
        assert isinstance(found, CallToolResult) and not found.is_error, text(found)
        seen["results"] = found.structured_content["results"]
        page = await session.call_tool("read_page", {"name": seen["results"][0]["page"]})
        assert isinstance(page, CallToolResult)
        seen["page"] = page.structured_content
        seen["missing"] = await session.call_tool("read_page", {"name": "no-such-page"})
        seen["ask"] = await session.call_tool("ask_wiki", {"question": "How many notes?"})
        seen["lint"] = await session.call_tool("lint_wiki", {})
        listed = (await session.list_resources()).resources
        seen["resources"] = {str(r.uri) for r in listed}
        seen["index"] = await session.read_resource("kwiki://page/index.md")

    drive(compiled, tmp_path / "stderr.txt", script)
    assert seen["server"] == "kwiki" and seen["tools"] == READ_TOOLS  # read-only: no ingest tool
    assert seen["results"] and {"page", "title", "snippet", "path"} <= set(seen["results"][0])
    assert seen["page"]["path"].startswith("wiki/") and seen["page"]["frontmatter"]["type"]
    assert seen["page"]["body"].lstrip().startswith("#")
    assert seen["missing"].is_error and "error: no page 'no-such-page'" in text(seen["missing"])
    assert "fix: use the search_wiki tool" in text(seen["missing"])
    assert seen["ask"].is_error and "no model is configured" in text(seen["ask"])
    assert not seen["lint"].is_error and "counts" in seen["lint"].structured_content
    assert "kwiki://page/index.md" in seen["resources"]
    assert "# Index" in seen["index"].contents[0].text
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text(encoding="utf-8")


def test_allow_ingest_offers_an_ingest_tool_that_compiles_new_sources(compiled: Paths, tmp_path: Path) -> None:
    (compiled.raw / "2025/myths.md").write_text(MYTHS, encoding="utf-8")
    seen: dict[str, Any] = {}

    async def script(session: ClientSession) -> None:
        await session.initialize()
        seen["tools"] = {tool.name for tool in (await session.list_tools()).tools}
        seen["ingest"] = await session.call_tool("ingest_sources", {"paths": ["raw/2025/myths.md"]})

    drive(compiled, tmp_path / "stderr.txt", script, "--allow-ingest")
    assert seen["tools"] == READ_TOOLS | {"ingest_sources"}
    assert not seen["ingest"].is_error, text(seen["ingest"])
    assert seen["ingest"].structured_content["ingested"] == ["2025/myths.md"]
    assert seen["ingest"].structured_content["commit"] is None  # commit = true in kwiki.toml would commit
    assert (compiled.wiki / "sources/five-myths-about-the-zettelkasten.md").is_file()


def test_ask_with_a_model_keeps_only_citations_of_pages_it_was_given(compiled: Paths, tmp_path: Path) -> None:
    (compiled.root / "replies").mkdir()
    reply = "Luhmann kept a slip-box for decades [[inside-luhmann-slip-box]]; see also [[made-up-page]].\n"
    (compiled.root / "replies" / "query.md").write_text(reply, encoding="utf-8")
    compiled.config.write_text('provider = "fake"\nfake_replies = "replies"\n', encoding="utf-8")
    seen: dict[str, Any] = {}

    async def script(session: ClientSession) -> None:
        await session.initialize()
        seen["ask"] = await session.call_tool("ask_wiki", {"question": "Where did Luhmann keep his slip-box?"})

    drive(compiled, tmp_path / "stderr.txt", script)
    assert not seen["ask"].is_error, text(seen["ask"])
    result = seen["ask"].structured_content
    assert [c["page"] for c in result["citations"]] == ["inside-luhmann-slip-box"]
    assert result["removed_citations"] == ["made-up-page"]
