"""The collecting round's LLM: which requests go into the next batch, for any request kind."""

from __future__ import annotations

import pytest

from kwiki.batch.api import Deferred
from kwiki.batch.collect import CollectingLLM
from kwiki.llm.base import Reply, Request
from kwiki.llm.fake import FakeLLM


def collector(direct_keys: frozenset[str] = frozenset()) -> tuple[CollectingLLM, list[Reply]]:
    sent: list[Reply] = []
    direct = FakeLLM({"kind-kwiki-never-heard-of": "a direct reply"})
    return CollectingLLM(direct, lambda r: f"{r.name}:{r.user}", direct_keys, sent.append), sent


def test_a_request_kind_the_collector_does_not_know_goes_into_the_next_batch() -> None:
    llm, sent = collector()
    with pytest.raises(Deferred):
        llm.complete(Request("kind-kwiki-never-heard-of", "system", "user"))
    assert [key for key, _ in llm.pending()] == ["kind-kwiki-never-heard-of:user"] and sent == []


def test_an_unknown_kind_whose_batch_request_failed_is_sent_directly() -> None:
    llm, sent = collector(frozenset({"kind-kwiki-never-heard-of:user"}))
    reply = llm.complete(Request("kind-kwiki-never-heard-of", "system", "user"))
    assert reply.text == "a direct reply" and sent == [reply] and llm.pending() == []
