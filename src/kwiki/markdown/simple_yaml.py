"""kwiki's own frontmatter, read without PyYAML's slow constructor: one `key: value` per line, nothing fancier.

Anything outside that subset (block lists, anchors, numbers, booleans, escapes, comments…) returns None, and
the caller hands the text to PyYAML. Plain scalars are typed with PyYAML's own resolvers, so a value that
PyYAML would read as anything but a string or a date is never guessed here.
"""

from __future__ import annotations

import datetime as dt
import re
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
