"""What the batch tests share: a small corpus, both SDKs' batch classes on their fakes, a runner that never
really sleeps, and the wiki a direct ingest builds from the same replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ingest.conftest import TODAY, RawGuard, source_text, wiki_pages, write_raw
from kwiki.batch.api import BatchAPI
from kwiki.batch.run import BatchRunner, BatchSummary, Polling, Waiting
from kwiki.ingest import IngestOptions, ingest
from kwiki.llm.anthropic_adapter import AnthropicBatches, AnthropicLLM
from kwiki.llm.base import Request
from kwiki.llm.blocks import fence
from kwiki.llm.openai_adapter import OpenAIBatches, OpenAILLM
from kwiki.llm.wrappers import Meter
from kwiki.project import Paths

from .fakes import AnthropicFake, BatchFake, Killed, OpenAIFake

CORPUS = {
    "karpathy.md": source_text(
        "Karpathy on the LLM OS",
        date="2025-01-02",
        tags="ai",
        mentions=("LLM OS | concept | LLM operating system | central", "Andrej Karpathy | entity"),
        claims=("LLM OS | The LLM is the kernel process of a new operating system.",),
    ),
    "hackathon.md": source_text(
        "Hackathon keynote",
        date="2025-03-04",
        mentions=("llm-os | concept", "Andrej Karpathy | entity | Karpathy"),
        claims=("llm-os | The context window works like working memory for the model.",),
    ),
    "notes.txt": source_text(
        "Plain notes",
        mentions=("Slip box | method | | central",),
        claims=("Slip box | A slip box stores one idea per card.",),
    ),
}
ROUNDS = 3  # extraction, page writes, overview


def anthropic_api(fake: BatchFake) -> BatchAPI:
    return AnthropicBatches(AnthropicLLM("claude-test", "key", max_retries=0, http_client=fake.client()))


def openai_api(fake: BatchFake) -> BatchAPI:
    return OpenAIBatches(OpenAILLM("gpt-test", "key", max_retries=0, http_client=fake.client()))


SDKS: dict[str, tuple[Callable[..., BatchFake], Callable[[BatchFake], BatchAPI]]] = {
    "anthropic": (AnthropicFake, anthropic_api),
    "openai": (OpenAIFake, openai_api),
}


def page_request(title: str) -> Request:
    """A page write as compile.py shapes it, answered by the fakes' scripted model."""
    payload = json.dumps({"title": title, "claims": [], "neighbours": []}, sort_keys=True)
    return Request("write-page", "Write the page.", fence("kwiki_data", payload), None, max_tokens=300)


def new_project(root: Path, guard: RawGuard) -> Paths:
    (root / "raw").mkdir(parents=True)
    (root / "wiki").mkdir()
    (root / "kwiki.toml").write_text("", encoding="utf-8")
    paths = Paths(root)
    write_raw(paths, CORPUS)
    guard.freeze(paths)
    return paths


def options(provider: str) -> IngestOptions:
    return IngestOptions(concurrency=2, today=TODAY, provider=provider)


def batch_run(
    paths: Paths,
    provider: str,
    api: BatchAPI,
    sleep: Callable[[float], None] | None = None,
    waits: list[Waiting] | None = None,
    *,
    polling: Polling | None = None,
    deadline: float | None = None,
) -> BatchSummary:
    polling = polling or Polling(first=0.01, longest=0.02, sleep=sleep or (lambda seconds: None))
    on_wait = waits.append if waits is not None else None
    runner = BatchRunner(paths, api, provider, meter=Meter(), polling=polling, on_wait=on_wait, deadline=deadline)
    return runner.ingest(options(provider))


def direct_wiki(tmp_path: Path, guard: RawGuard, provider: str) -> dict[str, str]:
    make_fake, make_api = SDKS[provider]
    fake = make_fake()
    paths = new_project(tmp_path / "direct", guard)
    ingest(paths, make_api(fake).direct, options(provider))
    return wiki_pages(paths)


def kill(seconds: float) -> None:
    """A sleep that kills the run while it waits."""
    raise Killed


class FakeClock:
    """A monotonic clock that only moves when slept on: polling against it takes no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
