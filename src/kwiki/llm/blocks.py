"""Delimited data blocks inside prompts: untrusted source text and JSON payloads travel fenced, never bare.

A block is `<label id=NONCE>` … `</label id=NONCE>`. The nonce is derived from the content, so a document
cannot close its own fence (it would have to contain its own hash), and any tag of the same label inside the
text is neutralized as well. Prompt builders fence; the extractive and fake providers unfence.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

SOURCE = "untrusted_source"
DATA = "kwiki_data"


def nonce_for(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def neutralize(label: str, text: str) -> str:
    """Break any opening or closing tag of `label` inside the text so it cannot end the fence early."""
    return re.sub(rf"<(/?)({re.escape(label)})", r"< \1\2", text, flags=re.IGNORECASE)


def fence(label: str, text: str) -> str:
    body = neutralize(label, text)
    nonce = nonce_for(body)
    return f"<{label} id={nonce}>\n{body}\n</{label} id={nonce}>"


def fence_json(payload: Any) -> str:
    """A JSON payload block; JSON strings cannot contain a raw newline, so the fence is unambiguous."""
    return fence(DATA, json.dumps(payload, ensure_ascii=False, sort_keys=True))


def unfence(prompt: str, label: str) -> list[str]:
    """Every block of `label` in the prompt, in order, with the fence removed."""
    pattern = rf"<{re.escape(label)} id=([0-9a-f]{{12}})>\n(.*?)\n</{re.escape(label)} id=\1>"
    return [m.group(2) for m in re.finditer(pattern, prompt, flags=re.DOTALL)]


def unfence_json(prompt: str) -> Any:
    """The first JSON payload block of the prompt (ValueError when there is none)."""
    blocks = unfence(prompt, DATA)
    if not blocks:
        raise ValueError("the prompt holds no kwiki_data block")
    return json.loads(blocks[0])
