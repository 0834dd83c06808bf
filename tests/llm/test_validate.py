"""Structured replies: the local schema check, tolerant JSON parsing, and the one repair retry."""

from __future__ import annotations

from typing import Any

import pytest

from kwiki.errors import ProviderError
from kwiki.llm.base import Reply, Request, Usage
from kwiki.llm.validate import complete_structured, parse_json_reply, schema_errors

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 20},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "minItems": 1},
        "type": {"type": "string", "enum": ["concept", "entity"]},
        "count": {"type": "integer"},
        "score": {"type": "number"},
        "central": {"type": "boolean"},
    },
    "required": ["title", "tags"],
    "additionalProperties": False,
}
GOOD = {"title": "BM25", "tags": ["search"]}


def test_valid_data_has_no_errors() -> None:
    data = {**GOOD, "type": "entity", "count": 3, "score": 0.5, "central": True}
    assert schema_errors(data, SCHEMA) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"tags": ["a"]}, "$: missing required key 'title'"),
        ({**GOOD, "extra": 1}, "$: unexpected key 'extra'"),
        ({**GOOD, "title": 5}, "$.title: expected string, got integer"),
        ({**GOOD, "title": "x" * 21}, "$.title: longer than 20 characters"),
        ({**GOOD, "tags": []}, "$.tags: fewer than 1 items"),
        ({**GOOD, "tags": ["a", "b", "c"]}, "$.tags: more than 2 items"),
        ({**GOOD, "tags": ["a", 2]}, "$.tags[1]: expected string, got integer"),
        ({**GOOD, "type": "method"}, "$.type: \"method\" is not one of ['concept', 'entity']"),
        ({**GOOD, "count": True}, "$.count: expected integer, got boolean"),
        ({**GOOD, "count": 1.5}, "$.count: expected integer, got number"),
        ({**GOOD, "score": "high"}, "$.score: expected number, got string"),
        ([], "$: expected object, got array"),
    ],
)
def test_schema_errors_name_the_path_and_problem(data: object, expected: str) -> None:
    assert schema_errors(data, SCHEMA) == [expected]


def test_integer_counts_as_number() -> None:
    assert schema_errors({**GOOD, "score": 2}, SCHEMA) == []


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "BM25", "tags": ["search"]}',
        '```json\n{"title": "BM25", "tags": ["search"]}\n```',
        'Here is the JSON you asked for:\n\n{"title": "BM25", "tags": ["search"]}\n\nHope it helps!',
        'Sure.\n```\n{"title": "BM25", "tags": ["search"]}\n```',
    ],
)
def test_parse_json_reply_tolerates_fences_and_prose(text: str) -> None:
    assert parse_json_reply(text, SCHEMA) == GOOD


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "BM25", "tags": ["sea', "ends early"),
        ('{"title": "BM25", "tags": [', "ends early"),
        ("I cannot help with that.", "holds no JSON object"),
        ('{"title": "BM25" "tags": []}', "not valid JSON"),
        ('{"title": 1, "tags": ["a"]}', "does not match the schema: $.title: expected string"),
    ],
)
def test_parse_json_reply_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_json_reply(text, SCHEMA)
    assert message in str(caught.value)


class Scripted:
    """A send() that answers from a list and records what it was asked."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Reply:
        self.requests.append(request)
        return Reply(text=self.texts.pop(0), usage=Usage(10, 3, 1))


def request(schema: dict[str, Any] | None = SCHEMA) -> Request:
    return Request(name="extract", system="sys", user="the source", schema=schema)


def test_valid_reply_is_parsed_in_one_call() -> None:
    send = Scripted('{"title": "BM25", "tags": ["search"]}')
    reply = complete_structured(send, request())
    assert reply.data == GOOD
    assert len(send.requests) == 1


def test_text_request_is_passed_through_unparsed() -> None:
    send = Scripted("# Just markdown")
    assert complete_structured(send, request(schema=None)) == Reply("# Just markdown", usage=Usage(10, 3, 1))


def test_invalid_reply_is_repaired_once_with_the_error_and_bad_reply() -> None:
    send = Scripted('{"title": "BM25", "tags": ["sea', '{"title": "BM25", "tags": ["search"]}')
    reply = complete_structured(send, request())
    assert reply.data == GOOD
    repair = send.requests[1]
    assert repair.user.startswith("the source")
    assert "ends early" in repair.user
    assert '{"title": "BM25", "tags": ["sea' in repair.user
    assert (repair.system, repair.schema, repair.name) == ("sys", SCHEMA, "extract")
    assert reply.usage == Usage(20, 6, 2)


def test_invalid_twice_is_a_provider_error_naming_the_request() -> None:
    send = Scripted('{"title": 1, "tags": []}', '{"title": 2, "tags": []}')
    with pytest.raises(ProviderError) as caught:
        complete_structured(send, request(), source="model 'm'")
    assert "model 'm' returned invalid JSON for 'extract' twice" in caught.value.message
    assert "$.title: expected string" in caught.value.message
    assert "json_mode" in caught.value.hint
    assert len(send.requests) == 2


def test_reply_with_data_is_validated_not_reparsed() -> None:
    def send(req: Request) -> Reply:
        return Reply(text="not json", data=GOOD)

    assert complete_structured(send, request()).data == GOOD


def test_the_quick_validity_test_agrees_with_the_full_check_on_every_mutation() -> None:
    from kwiki.llm.validate import _check

    base = {**GOOD, "type": "entity", "count": 3, "score": 0.5, "central": True}
    odd: list[object] = [None, True, 0, 1.5, "", "x" * 25, "concept", [], ["a"], ["a", "b", "c"], [1], {}, {"a": 1}]
    cases: list[object] = [base, [], "x", None]
    cases += [{**base, key: value} for key in [*SCHEMA["properties"], "extra"] for value in odd]
    cases += [{k: v for k, v in base.items() if k != key} for key in base]
    for data in cases:
        full: list[str] = []
        _check(data, SCHEMA, "$", full)
        assert schema_errors(data, SCHEMA) == full, data
