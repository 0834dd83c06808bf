"""kwiki's own frontmatter, read without PyYAML's slow constructor: one `key: value` per line, nothing fancier.

Anything outside that subset (block lists, anchors, numbers, booleans, escapes, comments…) returns None, and
the caller hands the text to PyYAML. Plain scalars are typed with PyYAML's own resolvers, so a value that
PyYAML would read as anything but a string or a date is never guessed here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from yaml.resolver import Resolver

_LINE = re.compile(r"([A-Za-z_][\w-]*):(?: +(.*?))? *")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
# Plain scalars that start with an indicator, hold ": " or " #", end with ":" or hold a tab are left to PyYAML.
_NOT_PLAIN = re.compile(r"[-?:,\[\]{}#&*!|>'\"%@`]|.*(?:: | #|:$|\t)")
_NOT_FLOW_PLAIN = re.compile(r".*[,\[\]{}]")
# Every pattern PyYAML types a plain scalar with (bool, int, float, null, timestamp, merge, value), as one regex.
_TYPED = re.compile(
    "|".join(sorted({f"(?:{r.pattern})" for rs in Resolver.yaml_implicit_resolvers.values() for _, r in rs})), re.X
)


class _Unsure:
    """The value is outside the subset."""


UNSURE = _Unsure()


@lru_cache(maxsize=4096)  # pages repeat their types, dates, tags and paths; the result is immutable
def _plain(text: str, flow: bool) -> Any:
    if not text or _NOT_PLAIN.match(text) or (flow and _NOT_FLOW_PLAIN.match(text)):
        return UNSURE
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return UNSURE
    if _TYPED.match(text):
        return UNSURE  # PyYAML would read a number, a boolean, null or a timestamp
    return text


def _scalar(text: str, flow: bool) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1]
        return UNSURE if '"' in inner or "\\" in inner else inner
    if len(text) >= 2 and text[0] == text[-1] == "'":
        inner = text[1:-1]
        return UNSURE if "'" in inner.replace("''", "") else inner.replace("''", "'")
    return _plain(text, flow)


def _value(text: str) -> Any:
    if not text:
        return None
    if not (text.startswith("[") and text.endswith("]")):
        return _scalar(text, flow=False)
    inner = text[1:-1].strip()
    items = [_scalar(item.strip(), flow=True) for item in inner.split(",")] if inner else []
    return UNSURE if any(item is UNSURE for item in items) else items


def load_simple(yaml_text: str) -> dict[str, Any] | None:
    """The properties, or None when the text is not in the simple subset (then PyYAML must read it)."""
    data: dict[str, Any] = {}
    for line in yaml_text.split("\n"):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        value = _value(match.group(2) or "")
        if value is UNSURE:
            return None
        data[match.group(1)] = value
    return data


# --- writing -------------------------------------------------------------------------------------------------

_MAX_LINE = 100_000  # PyYAML breaks lines longer than its width (2**20): long ones are left to it
_MAX_KEY = 100  # a longer key is written as a complex key (`? key`)
_LEADING = frozenset("#,[]{}&*!|>'\"%@`")
_FLOW = re.compile(r".[^,?\[\]{}:]*[,?\[\]{}:]")


def _quoted(text: str, flow: bool) -> bool:
    """Whether PyYAML's emitter may not write `text` plain (its `analyze_scalar` and resolver, for one line)."""
    return (
        not text
        or text.startswith(("---", "...", " "))
        or text.endswith((" ", ":"))
        or text[0] in _LEADING
        or (text[0] in "?:-" and text[1:2] in ("", " "))
        or ": " in text
        or " #" in text
        or (flow and (text[0] in "?:" or _FLOW.match(text) is not None))
        or _TYPED.match(text) is not None  # it would read back as a number, a boolean, null or a date
    )


def _emit(value: Any, flow: bool) -> str | None:
    """A scalar exactly as PyYAML's page dumper writes it (plain or single-quoted), or None when unsure."""
    if type(value) is str:  # exact types: the safe dumper refuses subclasses
        # libyaml writes a line break, tab, control character, BOM or any character past U+FFFF escaped
        if not value.isprintable() or not (value.isascii() or max(value) < "\U00010000"):
            return None
        return "'" + value.replace("'", "''") + "'" if _quoted(value, flow) else value
    if type(value) is dt.date:
        return value.isoformat()
    return str(value) if type(value) is int else None


def _emit_value(value: Any) -> str | None:
    if type(value) not in (list, tuple):
        return _emit(value, flow=False)
    items = [_emit(item, flow=True) for item in value]
    return None if None in items else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]


def dump_simple(data: Mapping[str, Any]) -> str | None:
    """`data` as the page dumper writes it (`key: value` lines, flow lists of scalars), or None when a key or a
    value is outside that subset; then PyYAML must write it. The same text either way (tests/test_markdown.py)."""
    lines = []
    for key, value in data.items():
        text = _emit_value(value)
        if text is None or type(key) is not str or len(key) > _MAX_KEY or _emit(key, flow=False) != key:
            return None
        line = f"{key}: {text}\n"
        if len(line) > _MAX_LINE:
            return None
        lines.append(line)
    return "".join(lines)
