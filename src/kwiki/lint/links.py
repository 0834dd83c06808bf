"""Links Obsidian cannot follow: unresolved targets, links written to an alias, missing embeds and headings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import Edge, PageFile, Vault

# Pages whose links other checks judge: the index is regenerated as a whole, the log has its own check.
SKIP_TYPES = frozenset({"index", "log"})
_HEADING_NOISE = re.compile(r"[#|^:%\[\]\\*_`]")


def heading_key(text: str) -> str:
    """Headings compared as Obsidian does: case, link syntax and repeated spaces do not matter."""
    return " ".join(_HEADING_NOISE.sub(" ", text).lower().split())


def has_subpath(file: PageFile, subpath: str) -> bool:
    """A `#Heading` (or `#H1#H2`, judged by the last part) or a `#^block` id that exists on the page."""
    last = subpath.split("#")[-1].strip()
    if last.startswith("^"):
        return re.search(rf"(^|\s)\^{re.escape(last[1:])}\s*$", file.page.body, re.MULTILINE) is not None
    wanted = heading_key(last)
    return any(heading_key(h.text) == wanted for h in file.page.headings)


def _judge(vault: Vault, path: str, edge: Edge) -> Finding | None:
    link = edge.link
    if edge.target is not None and not link.subpath:
        return None
    where = vault.wiki_path(path)
    written = link.target + (f"#{link.subpath}" if link.subpath else "")
    if edge.target is None:
        if link.embed:
            return finding("embed-missing", where, link.line, f"embedded file '{link.target}' does not exist")
        canonical = vault.aliases.get(link.target.lower())
        if canonical is not None and link.kind == "wiki":
            slug = vault.pages[canonical].slug
            return finding("link-alias", where, link.line, f"[[{link.target}]] is an alias of [[{slug}]]")
        return finding("link-unresolved", where, link.line, f"link to '{written}' resolves to no file")
    target = vault.pages.get(edge.target)
    if link.subpath and target is not None and not has_subpath(target, link.subpath):
        return finding("heading-missing", where, link.line, f"'{written}': no such heading in {edge.target}")
    return None


def check(vault: Vault) -> Iterator[Finding]:
    for path, edges in sorted(vault.edges.items()):
        if vault.pages[path].type in SKIP_TYPES:
            continue
        for edge in edges:
            found = _judge(vault, path, edge)
            if found is not None:
                yield found
