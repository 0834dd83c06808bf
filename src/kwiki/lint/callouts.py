"""Contradictions --deep found, written where readers see them: a callout on both pages and the register."""

from __future__ import annotations

from kwiki import entries
from kwiki import vault as files
from kwiki.contradictions import register_text, render_callout
from kwiki.lint.deep import Found
from kwiki.project import Paths
from kwiki.state import State
from kwiki.vocabulary import CONTRADICTIONS, related_at

REGISTER = CONTRADICTIONS


def with_callout(text: str, callout: str) -> str:
    """The page with the callout before its Related section (or at the end); unchanged if already there."""
    if callout in text:
        return text
    at = related_at(text)
    if at < 0:
        return text.rstrip("\n") + "\n\n" + callout + "\n"
    return text[:at].rstrip("\n") + "\n\n" + callout + "\n" + text[at:]


def render_found(paths: Paths, state: State, found: list[Found]) -> list[str]:
    """Write the callouts and regenerate contradictions.md; the wiki-relative files changed."""
    changed = []
    for item in found:
        callout = render_callout(item.record)
        for rel in item.pages:
            old, problem = entries.read_text(paths.wiki, rel)
            new = with_callout(old, callout)
            if new != old and problem is None:  # a page kwiki could not read cleanly is never rewritten
                files.write_text(paths.wiki, rel, new)
                changed.append(rel)
    files.write_text(paths.wiki, REGISTER, register_text(state.contradictions()))
    return [*sorted(set(changed)), REGISTER]
