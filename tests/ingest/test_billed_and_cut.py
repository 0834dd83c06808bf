"""Every billed call counts (failed validation, repairs, cut-reply retries), and a cut reply is never written."""

from __future__ import annotations

import json
from typing import Any

from kwiki.llm import wrappers
from kwiki.llm.base import Reply, Request
from kwiki.llm.blocks import unfence_json
from kwiki.llm.fake import Cut, FakeLLM
from kwiki.project import Paths

from .conftest import RawGuard, page_reply, run, scripted_llm, source_text, wiki_pages, write_raw


class CutPages:
    """The scripted fake, except that every page body comes back cut off at the token limit."""

    model = "fake"

    def __init__(self) -> None:
        self._whole = scripted_llm()
        self._cut = FakeLLM({"write-page": lambda request: Cut(page_reply(unfence_json(request.user))[:40])})

    def complete(self, request: Request) -> Reply:
        return (self._cut if request.name == "write-page" else self._whole).complete(request)


def _corpus(paths: Paths) -> None:
    write_raw(
        paths,
        {
            f"note-{i}.md": source_text(
                f"Note {i}",
                mentions=("Shared idea | concept | | central",),
                claims=(f"Shared idea | The shared idea appears in note {i}.",),
            )
            for i in range(4)
        },
    )


def test_usage_counts_every_billed_call_when_some_fail_validation(project: Paths, raw_guard: RawGuard) -> None:
    _corpus(project)
    raw_guard.freeze(project)

    def invalid_for_two(request: Request) -> Any:
        return {"not": "an extraction"} if unfence_json(request.user)["path"] in ("note-1.md", "note-2.md") else None

    fake = scripted_llm(extract=invalid_for_two)
    meter = wrappers.Meter()
    llm = wrappers.stack(
        fake,
        provider="fake",
        cache_dir=None,
        calls_log=project.calls_log,
        meter=meter,
        deadline=None,
        debug_sink=None,
        secrets=(),
    )
    report = run(project, llm)
    assert sorted(f.path for f in report.failures) == ["note-1.md", "note-2.md"]
    billed_in = sum((len(r.system) + len(r.user)) // 4 for r in fake.requests)
    reading = meter.snapshot()
    assert reading["input_tokens"] == billed_in
    assert reading["failed"] == 2
    logged = [json.loads(line) for line in project.calls_log.read_text(encoding="utf-8").splitlines()]
    assert sum(record["input_tokens"] for record in logged) == billed_in
    assert sum(record["output_tokens"] for record in logged) == reading["output_tokens"]


def test_page_cut_at_the_token_limit_is_not_written_and_is_retried(project: Paths, raw_guard: RawGuard) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    report = run(project, CutPages())
    assert report.page_failures and all("token limit twice" in f.error for f in report.page_failures)
    failed = {f.path for f in report.page_failures}
    assert not failed & set(wiki_pages(project))
    again = run(project, scripted_llm())
    assert not again.page_failures
    assert failed <= set(wiki_pages(project))


def test_source_whose_extraction_is_cut_fails_and_is_retried_next_run(project: Paths, raw_guard: RawGuard) -> None:
    _corpus(project)
    raw_guard.freeze(project)
    report = run(project, scripted_llm(extract=lambda request: Cut('{"title": "Note')))
    assert len(report.failures) == 4 and not report.ingested
    assert all("cut its reply to 'extract'" in f.error for f in report.failures)
    again = run(project, scripted_llm())
    assert len(again.ingested) == 4
