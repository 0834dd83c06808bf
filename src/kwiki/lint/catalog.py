"""The generated catalogs: index.md out of step with the pages, log.md lines about pages that are gone."""

from __future__ import annotations

from collections.abc import Iterator

from kwiki import vocabulary
from kwiki.index import CATALOGUED_FOLDERS, PageMeta, build_index
from kwiki.lint.model import Finding, finding
from kwiki.lint.snapshot import PageFile, Vault

LOG = vocabulary.LOG


def _meta(file: PageFile) -> PageMeta:
    """What kwiki.index.page_meta reads, taken from the page already parsed (parsing 10k pages twice is slow)."""
    meta = file.page.frontmatter
    sources = meta.get("sources") or []
    return PageMeta(
        path=file.path,
        title=str(meta.get("title") or file.slug),
        type=str(meta.get("type") or file.path.split("/")[0].rstrip("s")),
        summary=str(meta.get("summary") or ""),
        source_count=len(sources) if isinstance(sources, list) else 0,
    )


def index_differences(vault: Vault) -> list[str]:
    """The index files whose text is not what `kwiki.index.build_index` makes of the pages now."""
    catalogued = [
        _meta(file)
        for path, file in sorted(vault.pages.items())
        if path.count("/") == 1 and path.split("/")[0] in CATALOGUED_FOLDERS
    ]
    if not catalogued and "index.md" not in vault.pages:
        return []  # a fresh project: nothing to list yet, and ingest writes the index with the first pages
    wanted: dict[str, str | None] = dict(build_index(catalogued))
    for path in vault.pages:
        if path.startswith("index/"):
            wanted.setdefault(path, None)
    return sorted(
        rel for rel, text in wanted.items() if (vault.pages[rel].text if rel in vault.pages else None) != text
    )


def stale_log_lines(vault: Vault) -> list[tuple[int, str]]:
    """(line, target) of log.md links to pages that no longer exist."""
    seen: dict[int, str] = {}
    for edge in vault.edges.get(LOG, []):
        if edge.target is None and edge.link.kind == "wiki":
            seen.setdefault(edge.link.line, edge.link.target)
    return sorted(seen.items())


def check(vault: Vault) -> Iterator[Finding]:
    differing = index_differences(vault)
    if differing:
        message = f"out of step with the pages: {', '.join(differing)}"
        yield finding("index-stale", vault.wiki_path("index.md"), 1, message)
    for line, target in stale_log_lines(vault):
        yield finding("log-stale", vault.wiki_path(LOG), line, f"log entry for [[{target}]], which no longer exists")
