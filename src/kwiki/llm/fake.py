"""A scripted LLM for tests and demos: replies keyed by request name, every request recorded."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from kwiki.errors import ProviderError, UsageError
from kwiki.llm.base import CUT, Reply, Request, Usage
from kwiki.llm.validate import complete_structured


@dataclass(frozen=True)
class Cut:
    """A scripted reply that stops at the token limit, the way a real one cut at `max_tokens` comes back."""

    text: str


Answer: TypeAlias = str | dict[str, Any] | Cut
Script: TypeAlias = Answer | Sequence[Answer] | Callable[[Request], Answer]


class FakeLLM:
    """Answers from a script: text, data, a Cut reply, a sequence (consumed in order, the last repeats) or a
    function.

    Replies go through the same validate-and-repair step as the real adapters, so a script can exercise
    the repair path by listing a bad answer before a good one.
    """

    def __init__(self, replies: Mapping[str, Script], model: str = "fake") -> None:
        self._replies = dict(replies)
        self._model = model
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []

    @classmethod
    def from_dir(cls, path: Path, model: str = "fake") -> FakeLLM:
        """Replies from files: <name>.md (text), <name>.json (data), <name>.jsonl (one answer per line)."""
        replies: dict[str, Script] = {}
        for file in sorted(path.iterdir()):
            if file.suffix not in (".md", ".json", ".jsonl"):
                continue
            if file.stem in replies:
                raise UsageError(f"two fake replies for '{file.stem}' in {path}", "keep one file per name")
            replies[file.stem] = _read_script(file)
        return cls(replies, model)

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: Request) -> Reply:
        return complete_structured(self._send, request, source="the fake provider")

    def _send(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._next(request)
        answer = scripted(request) if callable(scripted) else scripted
        if isinstance(answer, Cut):
            return Reply(text=answer.text, usage=_usage(request, answer.text), stop_reason=CUT)
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        data = answer if isinstance(answer, dict) else None
        return Reply(text=text, data=data, usage=_usage(request, text))

    def _next(self, request: Request) -> Answer | Callable[[Request], Answer]:
        """The answer due now (a callable is called outside the lock); advances a sequence's position."""
        script = self._replies.get(request.name)
        if script is None:
            raise ProviderError(
                f"fake provider has no reply for '{request.name}'",
                f"add a '{request.name}' reply (or {request.name}.md / .json) to the fake's script",
            )
        if isinstance(script, str | dict | Cut) or callable(script):
            return script
        served = self._served.get(request.name, 0)
        self._served[request.name] = served + 1
        return script[min(served, len(script) - 1)]


def _usage(request: Request, text: str) -> Usage:
    """About four characters a token, like the real tokenizers on English."""
    return Usage((len(request.system) + len(request.user)) // 4, len(text) // 4)


def _read_script(file: Path) -> Script:
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".md":
        return text
    if file.suffix == ".json":
        return _answer(json.loads(text), file)
    return [_answer(json.loads(line), file) for line in text.splitlines() if line.strip()]


def _answer(value: object, file: Path) -> Answer:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value
    raise UsageError(f"{file}: a fake reply must be a JSON object or string", "wrap it in an object")
