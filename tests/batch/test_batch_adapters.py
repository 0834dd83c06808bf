"""The SDK-facing batch classes on their own: what they send, and how they read what comes back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from kwiki.batch.api import Intent, Lookup

from .fakes import AnthropicFake, OpenAIFake
from .runs import anthropic_api, openai_api, page_request

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}},
    "required": ["title"],
    "additionalProperties": False,
}


def test_anthropic_batch_carries_each_request_as_messages_params_under_its_custom_id() -> None:
    fake = AnthropicFake(polls=0)
    api = anthropic_api(fake)
    batch_id = api.submit([("k1", page_request("A")), ("k2", page_request("B"))], "kwiki-t1")
    [(cid, params), _] = fake.batches[batch_id]
    assert cid == "k1" and params["model"] == "claude-test" and params["max_tokens"] == 300
    assert params["system"] == [{"type": "text", "text": "Write the page.", "cache_control": {"type": "ephemeral"}}]
    status = api.status(batch_id)
    assert status.done and (status.finished, status.total) == (2, 2)
    results = list(api.results(batch_id))
    assert [r.custom_id for r in results] == ["k2", "k1"]  # any order: matched by custom_id
    assert all(r.reply is not None and r.reply.usage.input_tokens == 100 for r in results)


def test_openai_batch_uploads_a_jsonl_of_chat_completion_bodies() -> None:
    fake = OpenAIFake(polls=1)
    api = openai_api(fake)
    batch_id = api.submit([("k1", page_request("A"))], "kwiki-t1")
    [line] = [json.loads(text) for text in fake.files["file-in-1"].splitlines()]
    assert line["custom_id"] == "k1" and line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    assert line["body"]["model"] == "gpt-test" and line["body"]["messages"][0]["content"] == "Write the page."
    assert not api.status(batch_id).done
    assert api.status(batch_id).done
    [result] = api.results(batch_id)
    assert result.custom_id == "k1" and result.reply is not None and "A as the sources describe it" in result.reply.text


def test_errored_and_expired_results_carry_no_reply_and_say_why() -> None:
    fates = {"k1": "errored", "k2": "expired"}
    for fake, make in (
        (AnthropicFake(polls=0, fate=lambda c, k: fates[c]), anthropic_api),
        (OpenAIFake(polls=0, fate=lambda c, k: fates[c]), openai_api),
    ):
        api = make(fake)
        batch_id = api.submit([("k1", page_request("A")), ("k2", page_request("B"))], "kwiki-t1")
        api.status(batch_id)
        results = {r.custom_id: r for r in api.results(batch_id)}
        assert results["k1"].reply is None and results["k2"].reply is None
        assert "error" in results["k1"].error.lower() or "overloaded" in results["k1"].error.lower()
        assert "expired" in results["k2"].error


def intent(token: str, *custom_ids: str, ago: float = 0.0) -> Intent:
    return Intent(token, datetime.now(UTC) - timedelta(seconds=ago), frozenset(custom_ids))


def test_openai_finds_the_batch_of_an_intent_by_the_token_in_its_metadata() -> None:
    fake = OpenAIFake(polls=5)
    api = openai_api(fake)
    other = api.submit([("k1", page_request("A"))], "kwiki-other")
    mine = api.submit([("k1", page_request("A"))], "kwiki-mine")
    assert fake.metadata[mine] == {"kwiki_intent": "kwiki-mine"}
    assert api.find(intent("kwiki-mine", "k1"), known=set()) == Lookup(mine)
    assert api.find(intent("kwiki-other", "k1"), known={other}) == Lookup(None)  # an id on record is never taken
    assert api.find(intent("kwiki-never-sent", "k1"), known=set()) == Lookup(None)
    assert api.find(intent("kwiki-mine", "k1", ago=-3600), known=set()) == Lookup(None)  # made before the intent


def test_anthropic_finds_the_one_batch_shaped_like_an_intent_and_waits_to_tell_two_apart() -> None:
    fake = AnthropicFake(polls=5)
    api = anthropic_api(fake)
    mine = api.submit([("k1", page_request("A")), ("k2", page_request("B"))], "kwiki-mine")
    api.submit([("x", page_request("C"))], "kwiki-other")  # another size: not it
    assert api.find(intent("kwiki-mine", "k1", "k2"), known=set()) == Lookup(mine)
    assert api.find(intent("kwiki-mine", "k1", "k2", ago=-3600), known=set()) == Lookup(None)  # made before
    twin = api.submit([("y1", page_request("D")), ("y2", page_request("E"))], "kwiki-twin")
    assert api.find(intent("kwiki-mine", "k1", "k2"), known=set()).undecided  # two alike, both still running
    fake.polls = 0
    assert api.status(mine).done and api.status(twin).done  # both ended: their custom_ids tell them apart
    assert api.find(intent("kwiki-mine", "k1", "k2"), known=set()) == Lookup(mine)
    assert api.find(intent("kwiki-twin", "y1", "y2"), known={mine}) == Lookup(twin)
    assert api.find(intent("kwiki-gone", "z1", "z2"), known=set()) == Lookup(None)  # ended, other custom_ids
