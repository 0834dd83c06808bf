"""Delta updates (issue 13) in batch mode: an update-page request is batched in the page round like write-page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.conftest import RawGuard, source_text, wiki_pages, write_raw
from kwiki.ingest import ingest

from .runs import SDKS, batch_run, new_project, options

NEW = {
    "later.md": source_text(
        "Later post",
        date="2025-06-01",
        mentions=("LLM OS | concept",),
        claims=("LLM OS | Tools are the peripherals of the LLM OS.",),
    )
}


@pytest.mark.parametrize("provider", SDKS)
def test_an_update_page_request_is_batched_and_gives_the_direct_wiki(
    tmp_path: Path, raw_guard: RawGuard, provider: str
) -> None:
    make_fake, make_api = SDKS[provider]
    fake = make_fake()
    paths = new_project(tmp_path / "batch", raw_guard)
    batch_run(paths, provider, make_api(fake))
    write_raw(paths, NEW)
    raw_guard.freeze(paths)
    before = set(fake.batches)
    summary = batch_run(paths, provider, make_api(fake))
    assert not summary.report.failures and not summary.report.page_failures and fake.direct_calls == 0
    kinds = [fake._kind(body) for batch in set(fake.batches) - before for _, body in fake.batches[batch]]
    assert kinds.count("update-page") == 1 and "write-page" not in kinds

    direct = make_fake()
    other = new_project(tmp_path / "direct", raw_guard)
    ingest(other, make_api(direct).direct, options(provider))
    write_raw(other, NEW)
    raw_guard.freeze(other)
    ingest(other, make_api(direct).direct, options(provider))
    assert wiki_pages(paths) == wiki_pages(other)
    assert "Tools are the peripherals of the LLM OS." in wiki_pages(paths)["concepts/llm-os.md"]
