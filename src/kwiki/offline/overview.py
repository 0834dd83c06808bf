"""The "overview" body without a model: the wiki's main themes, each a group of pages the same sources discuss."""

from __future__ import annotations

from kwiki.payloads import OverviewPage, OverviewPayload

KNOWLEDGE_TYPES = ("concept", "entity", "method")
MAX_THEMES = 6
MAX_RELATED = 4
_Theme = tuple[OverviewPage, list[OverviewPage]]


def overview(payload: OverviewPayload) -> str:
    """One line per theme, most-supported first: its most-cited page, the pages cited with it, what it is."""
    pages = [p for p in payload["pages"] if p["type"] in KNOWLEDGE_TYPES]
    if not pages:
        return "The wiki has no concept, entity or method pages yet.\n"
    count = payload["source_count"]
    intro = f"This wiki compiles {count} source{'s' if count != 1 else ''}. Its main themes, most-supported first:"
    return intro + "\n\n" + "\n".join(_line(theme) for theme in _themes(pages)) + "\n"


def _themes(pages: list[OverviewPage]) -> list[_Theme]:
    """Greedy: the most-cited page left heads a theme and takes the pages related to it that are left."""
    left = sorted(pages, key=lambda p: (-p["source_count"], p["title"].casefold()))
    themes: list[_Theme] = []
    while left and len(themes) < MAX_THEMES:
        head = left.pop(0)
        near = set(head.get("related", []))
        related = [p for p in left if p["page"] in near or head["page"] in p.get("related", [])][:MAX_RELATED]
        left = [p for p in left if p not in related]
        themes.append((head, related))
    return themes


def _line(theme: _Theme) -> str:
    head, related = theme
    names = ", ".join(_link(p) for p in related)
    summary = " ".join(head["summary"].split())
    n = head["source_count"]
    return (
        f"- **{_link(head)}**{' with ' + names if names else ''}{' — ' + summary if summary else ''}"
        f" ({n} source{'s' if n != 1 else ''})"
    )


def _link(page: OverviewPage) -> str:
    return f"[[{page['page']}|{page['title']}]]"
