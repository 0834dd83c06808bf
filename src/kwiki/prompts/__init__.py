"""Prompt templates: the markdown files of this package (src/kwiki/prompts/*.md), filled with string.Template.

Each file holds the system prompt, a line `<!-- user -->`, then the user template. Placeholders are `$name`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from string import Template

USER_MARKER = "<!-- user -->"


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: Template

    def render(self, **values: str) -> tuple[str, str]:
        """(system, user) with every placeholder filled; a missing value is a KeyError (a bug, not input)."""
        return Template(self.system).substitute(values), self.user.substitute(values)


def _prompt_dir() -> Traversable:
    return resources.files(__name__)


@cache
def load_prompt(name: str) -> Prompt:
    text = (_prompt_dir() / f"{name}.md").read_text(encoding="utf-8")
    system, _, user = text.partition(USER_MARKER)
    return Prompt(name, system.strip(), Template(user.strip()))


@cache
def prompts_hash() -> str:
    """Hash of every prompt file: part of the compile key, so editing a prompt makes sources pending."""
    digest = hashlib.sha256()
    for item in sorted(_prompt_dir().iterdir(), key=lambda t: t.name):
        if item.name.endswith(".md"):
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()[:16]


SCHEMA_CHARS = 6_000  # the head of CLAUDE.md a prompt carries: it is the same for every call of a kind
DEFAULT_SCHEMA_NOTE = "(kwiki's default CLAUDE.md, unedited: the rules above are the ones it sets.)"


@lru_cache(maxsize=4)  # one CLAUDE.md per run, asked for by every page call
def page_schema(schema: str) -> str:
    """The CLAUDE.md a page prompt carries: the sections people wrote or changed, none of the sections `kwiki init`
    wrote (they restate the page prompts' own rules). Resending the default's 4,600 characters with every page call
    would be most of what a new source costs (BENCHMARKS (f)). Extraction is not trimmed: its request must stay
    byte-identical to the one an earlier kwiki cached, or an upgrade would bill the re-extraction of every source."""
    default = _default_sections()
    sent = [s for s in _sections(schema) if s not in default]
    if schema.strip() and not sent:
        return DEFAULT_SCHEMA_NOTE
    return "\n\n".join(sent)[:SCHEMA_CHARS]


@cache
def _default_sections() -> frozenset[str]:
    return frozenset(_sections((resources.files("kwiki") / "templates" / "CLAUDE.md").read_text(encoding="utf-8")))


def _sections(text: str) -> list[str]:
    """The file cut before each `## ` heading, each part normalized (line ends, trailing blanks)."""
    parts = re.split(r"\n(?=## )", _normalized(text))
    return [part.strip() for part in parts if part.strip()]


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))
