"""Which lines of a text are code: inside a fenced block (its fence lines included). Checks that read lines of a
model's text (quotes, headings, `$$`, link definitions) leave code alone: `>>> print(x)` is not a quote, a
`# Sources` comment no heading, `echo $$` no math."""

from __future__ import annotations

import re
from collections.abc import Sequence

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")  # inline code, opened and closed by as many backticks


def in_code(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it is part of a fenced code block (a fence left open runs to the end, as in
    CommonMark); a closing fence is of the opening's character and at least as long."""
    flags: list[bool] = []
    opened = ""
    for line in lines:
        fence = FENCE.match(line)
        if fence and not opened:
            opened = fence.group(1)
        elif fence and fence.group(1)[0] == opened[0] and len(fence.group(1)) >= len(opened):
            flags.append(True)
            opened = ""
            continue
        flags.append(bool(opened))
    return flags
