"""ExtractiveLLM as an LLM: dispatch by request name, reply shape, errors, the seed corpus (speed: bench/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kwiki.errors import ProviderError
from kwiki.llm.base import LLM, Request
from kwiki.llm.blocks import fence_json
from kwiki.offline import ExtractiveLLM
from llm_extractive.asking import extract

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds"


def test_extractive_llm_is_an_llm_named_extractive() -> None:
    llm: LLM = ExtractiveLLM()
    assert llm.model == "extractive"


def test_schema_replies_carry_the_data_as_json_text_and_estimated_usage() -> None:
    user = fence_json({"path": "a.md", "title": "T", "summaries": ["One. Two."]})
    reply = ExtractiveLLM().complete(Request("summarize", "system", user))
    assert reply.data is not None and json.loads(reply.text) == reply.data
    assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.usage.cached_tokens) == (
        len(user) // 4,
        len(reply.text) // 4,
        0,
    )


def test_markdown_replies_have_no_data() -> None:
    reply = ExtractiveLLM().complete(Request("overview", "s", fence_json({"pages": [], "source_count": 0})))
    assert reply.data is None and reply.text


def test_an_unknown_request_kind_is_a_provider_error_that_names_the_known_ones() -> None:
    with pytest.raises(ProviderError, match="cannot answer a 'translate' request") as caught:
        ExtractiveLLM().complete(Request("translate", "s", fence_json({})))
    assert "write-page" in caught.value.hint


def test_a_prompt_without_its_blocks_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="no untrusted_source block"):
        ExtractiveLLM().complete(Request("extract", "s", fence_json({"path": "a.md"})))
    with pytest.raises(ProviderError, match="no readable kwiki_data block"):
        ExtractiveLLM().complete(Request("query", "s", "just words"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed corpus is not beside this checkout")
@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*")) if SEEDS.is_dir() else [], ids=lambda p: p.name)
def test_extract_on_real_sources_keeps_its_promises(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    data = extract(text)
    assert data["title"] and data["language"] == "en"
    assert data["claims"] and all(c["quote"] in text for c in data["claims"])
    assert len(data["mentions"]) <= 15
    assert all(m["type"] in {"concept", "entity", "method"} and m["description"] for m in data["mentions"])
    assert 1 <= len(data["tags"]) <= 5


def test_a_payload_missing_a_typed_field_is_a_provider_error_naming_it() -> None:
    user = fence_json({"title": "Zettelkasten", "type": "concept"})  # a WritePagePayload without its other fields
    with pytest.raises(ProviderError, match="'aliases'"):
        ExtractiveLLM().complete(Request("write-page", "system", user))
