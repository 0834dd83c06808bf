"""Acceptance: a model hostile in every field cannot break a link, plant a URL, image or HTML, or name a page."""

from __future__ import annotations

from typing import Any

import pytest

from kwiki.errors import ProviderError
from kwiki.ingest import IngestOptions, ingest
from kwiki.llm.base import Request
from kwiki.llm.blocks import SOURCE, unfence, unfence_json
from kwiki.project import Paths
from kwiki.state import State
from llm.loopback import LoopbackServer, loopback_llm

from .adversary import SOURCES, FaultyServerModel, adversary, unresolved_links, vault_problems, write_page
from .conftest import TODAY, RawGuard, extract_reply, run, scripted_llm, source_text, write_raw


def test_adversarial_model_leaves_a_clean_vault(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    report = run(project, adversary())
    assert not report.failures and not report.page_failures
    assert sorted(report.ingested) == sorted(SOURCES)
    assert unresolved_links(project) == []
    assert vault_problems(project) == []


def test_adversarial_alias_links_point_at_the_page(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    page = (project.wiki / "sources" / "note-1.md").read_text(encoding="utf-8")
    assert "[[large-language-model|LLM]]" in page
    assert "Nothing At All" in page and "[[Nothing At All]]" not in page


def test_adversarial_notes_are_bounded_in_state(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    with State.open(project.state_db) as state:
        notes = [r.note for r in state.sources()]
    assert notes and all(len(note) < 40_000 for note in notes)


def test_adversarial_rerun_is_stable(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    run(project, adversary())
    again = run(project, adversary())
    assert not again.ingested and not again.created and not again.updated


@pytest.mark.parametrize("rate", [0.2, 0.4])
def test_adversarial_faulty_server_converges_within_three_runs(
    project: Paths, raw_guard: RawGuard, rate: float
) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    with LoopbackServer(FaultyServerModel(rate)) as server:
        for _ in range(3):
            report = run(project, loopback_llm(server, project), concurrency=3)
            assert unresolved_links(project) == []  # after every run, even one where pages failed
            if not report.failures and not report.page_failures:
                break
        assert not report.failures and not report.page_failures
        with State.open(project.state_db) as state:
            assert {r.path: r.status for r in state.sources()} == dict.fromkeys(SOURCES, "done")
    assert (project.wiki / "overview.md").is_file()  # a failed overview is retried like any failed page
    assert unresolved_links(project) == []
    assert vault_problems(project) == []


def _image_source(project: Paths) -> None:
    write_raw(project, {"img.md": source_text("Images", extra="A figure: ![fig](https://example.org/fig.png)")})


def _summary_with_image(request: Request) -> dict[str, Any] | None:
    if request.name != "extract":
        return None
    data = extract_reply(unfence(request.user, SOURCE)[0], "img.md")
    return {**data, "summary": "See ![fig](https://example.org/fig.png) and ![x](https://exfil.example/p.png)."}


def test_a_source_held_image_is_shown_as_a_link_by_default(project: Paths, raw_guard: RawGuard) -> None:
    _image_source(project)
    raw_guard.freeze(project)
    run(project, scripted_llm(extract=_summary_with_image))
    page = (project.wiki / "sources" / "images.md").read_text(encoding="utf-8")
    assert "[fig](https://example.org/fig.png)" in page and "![fig]" not in page and "exfil" not in page


def test_source_images_setting_keeps_source_held_images(project: Paths, raw_guard: RawGuard) -> None:
    _image_source(project)
    raw_guard.freeze(project)
    options = IngestOptions(today=TODAY, provider="fake", source_images=True)
    ingest(project, scripted_llm(extract=_summary_with_image), options)
    page = (project.wiki / "sources" / "images.md").read_text(encoding="utf-8")
    assert "![fig](https://example.org/fig.png)" in page and "exfil" not in page


def test_no_page_links_to_a_new_page_whose_draft_failed(project: Paths, raw_guard: RawGuard) -> None:
    write_raw(project, SOURCES)
    raw_guard.freeze(project)
    llm = adversary()

    def fail_topic(request: Request) -> str:
        payload = unfence_json(request.user)
        if payload["title"] == "Topic 0":
            raise ProviderError("write-page failed", "retry")
        return write_page(payload)

    llm._replies["write-page"] = fail_topic
    report = run(project, llm)
    assert [f.path for f in report.page_failures] == ["entities/topic-0.md"]
    assert unresolved_links(project) == [] and vault_problems(project) == []
    assert "[[topic-0" not in "".join(p.read_text(encoding="utf-8") for p in project.wiki.rglob("*.md"))
