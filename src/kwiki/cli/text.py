"""Terminal text: counted nouns ("1 warning", "3 errors") and lines wrapped to the terminal's width."""

from __future__ import annotations

import textwrap

from kwiki.cli.common import out

UNCOUNTED = {"info"}  # "2 info", not "2 infos"
IRREGULAR = {"fix": "fixes", "was": "were", "is": "are", "it": "they"}


def plural(count: int, noun: str) -> str:
    """`count` and `noun`, the noun in the plural unless count is 1: plural(1, "warning") == "1 warning"."""
    return f"{count:,} {noun if count == 1 else noun_plural(noun)}"


def noun_plural(noun: str) -> str:
    if noun in UNCOUNTED:
        return noun
    return IRREGULAR.get(noun, noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s"))


def wrap(text: str, width: int, indent: str = "", hang: str = "    ") -> list[str]:
    """`text` as lines of at most `width` characters: the first starts with `indent`, the others with `hang`.

    Words are never cut unless one is longer than a whole line (a long path), which is then split.
    """
    return textwrap.wrap(
        text,
        width=max(width, 20),
        initial_indent=indent,
        subsequent_indent=hang,
        break_on_hyphens=False,
        break_long_words=True,
    ) or [indent.rstrip()]


def echo(text: str, indent: str = "", hang: str = "    ") -> None:
    """Print `text` on stdout wrapped to the terminal (80 columns when piped), continuation lines indented."""
    for line in wrap(text, out.width, indent, hang):
        out.print(line)
