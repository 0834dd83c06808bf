"""Prompt templates: the markdown files of this package (src/kwiki/prompts/*.md), filled with string.Template.

Each file holds the system prompt, a line `<!-- user -->`, then the user template. Placeholders are `$name`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
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
