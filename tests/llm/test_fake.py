"""The fake provider: scripted replies by request name, recorded requests, replies read from a folder."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from kwiki.errors import ProviderError, UsageError
from kwiki.llm.base import Request, Usage
from kwiki.llm.fake import FakeLLM

SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "summary": {"type": "string"}},
    "required": ["title", "summary"],
}


def ask(name: str, schema: dict[str, object] | None = None, user: str = "hello") -> Request:
    return Request(name=name, system="sys", user=user, schema=schema)


def test_text_reply_and_recorded_request() -> None:
    fake = FakeLLM({"write-page": "Body text."})
    reply = fake.complete(ask("write-page"))
    assert (reply.text, reply.data, reply.cache_hit) == ("Body text.", None, False)
    assert fake.requests == [ask("write-page")]
    assert fake.model == "fake"


def test_text_reply_to_a_schema_request_is_parsed() -> None:
    fake = FakeLLM({"summarize": '```json\n{"title": "T", "summary": "S"}\n```'})
    assert fake.complete(ask("summarize", SCHEMA)).data == {"title": "T", "summary": "S"}


def test_dict_reply_is_data_and_json_text() -> None:
    fake = FakeLLM({"summarize": {"title": "T", "summary": "S"}})
    reply = fake.complete(ask("summarize", SCHEMA))
    assert reply.data == {"title": "T", "summary": "S"}
    assert json.loads(reply.text) == reply.data


def test_sequence_is_consumed_in_order_and_last_repeats() -> None:
    fake = FakeLLM({"query": ["one", "two"]})
    assert [fake.complete(ask("query")).text for _ in range(3)] == ["one", "two", "two"]


def test_callable_reply_sees_the_request() -> None:
    fake = FakeLLM({"query": lambda request: request.user.upper()})
    assert fake.complete(ask("query", user="why?")).text == "WHY?"


def test_bad_then_good_answer_exercises_the_repair_path() -> None:
    fake = FakeLLM({"summarize": ['{"title": "T"', {"title": "T", "summary": "S"}]})
    reply = fake.complete(ask("summarize", SCHEMA))
    assert reply.data == {"title": "T", "summary": "S"}
    assert len(fake.requests) == 2
    assert "ends early" in fake.requests[1].user


def test_missing_reply_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="fake provider has no reply for 'overview'"):
        FakeLLM({}).complete(ask("overview"))


def test_usage_is_a_chars_over_four_estimate() -> None:
    reply = FakeLLM({"q": "x" * 40}).complete(Request("q", "s" * 20, "u" * 20))
    assert reply.usage == Usage(10, 10, 0)


def test_requests_are_recorded_from_many_threads() -> None:
    fake = FakeLLM({"q": "ok"})
    threads = [threading.Thread(target=fake.complete, args=(ask("q"),)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.requests) == 20


def test_from_dir_reads_text_data_and_sequences(tmp_path: Path) -> None:
    (tmp_path / "write-page.md").write_text("A page body.\n", encoding="utf-8")
    (tmp_path / "summarize.json").write_text('{"title": "T", "summary": "S"}', encoding="utf-8")
    lines = ['{"title": "A", "summary": "1"}', '"{\\"title\\": \\"B\\", \\"summary\\": \\"2\\"}"']
    (tmp_path / "extract.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    fake = FakeLLM.from_dir(tmp_path)
    assert fake.complete(ask("write-page")).text == "A page body.\n"
    assert fake.complete(ask("summarize", SCHEMA)).data == {"title": "T", "summary": "S"}
    titles = [fake.complete(ask("extract", SCHEMA)).data for _ in range(3)]
    assert [t["title"] for t in titles if t] == ["A", "B", "B"]
    with pytest.raises(ProviderError):
        fake.complete(ask("notes"))


def test_from_dir_refuses_two_files_for_one_name(tmp_path: Path) -> None:
    (tmp_path / "query.md").write_text("a", encoding="utf-8")
    (tmp_path / "query.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UsageError, match="two fake replies for 'query'"):
        FakeLLM.from_dir(tmp_path)
