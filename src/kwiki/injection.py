"""Text aimed at a model rather than a reader: one pattern, shared by lint's tripwire and the offline engine.

The offline extractor never quotes, summarizes or turns such text into a claim; `kwiki lint` flags it in raw
sources for human review. Neither is a defence — the defence is that models never act on what they read — but the
two agree, so lint flags exactly what the offline engine refuses to quote (English and German).
"""

from __future__ import annotations

import re

INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|directions|messages)\b"
    r"|\b(?:system\s+prompt|developer\s+message)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|llm|chatbot)\b"
    r"|\b(?:as\s+an\s+ai|new\s+instructions|jailbreak)\b"
    r"|\bdo\s+not\s+(?:tell|inform|mention\s+(?:this\s+)?to)\s+the\s+user\b"
    r"|\b(?:ai|assistant|llm|model|chatgpt|claude)\b[,:]?\s+(?:please\s+)?(?:ignore|forget|output|print|reveal|reply)\b"
    r"|\bignorier\w*\b[^.!?\n]{0,40}\banweisungen\b",
    re.IGNORECASE,
)

# Cheap substring test first (on lowercased text): the pattern is only run on text that holds one of these.
HINTS = (
    "ignor",
    "disregard",
    "forget",
    "overrid",
    "system",
    "developer",
    "you are",
    "as an ai",
    "new instruction",
    "jailbreak",
    "do not",
    "output",
    "print",
    "reveal",
    "reply",
)


def aimed_at_a_model(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in HINTS) and INJECTION.search(text) is not None
