"""Structured replies: parse the model's JSON, check it against the request's schema, repair once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from kwiki.errors import ProviderError, TruncatedReply
from kwiki.llm.base import Reply, Request, Usage
from kwiki.llm.blocks import fence

_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)(?:\n```|\Z)", re.DOTALL)
_MAX_ERRORS = 5


def schema_errors(data: object, schema: Mapping[str, Any]) -> list[str]:
    """Every way `data` breaks `schema` (a JSON Schema subset), as `$.path: problem` lines; [] when valid."""
    errors: list[str] = []
    if not _valid(data, schema):  # the usual valid reply costs no path strings
        _check(data, schema, "$", errors)
    return errors


def _valid(value: object, schema: Mapping[str, Any]) -> bool:
    """Whether `_check` would find nothing: the same rules, without naming where a problem is."""
    if not _type_ok(value, schema.get("type")) or ("enum" in schema and value not in schema["enum"]):
        return False
    if isinstance(value, str):
        return bool(len(value) <= schema.get("maxLength", len(value)))
    if isinstance(value, list):
        items = schema.get("items")
        return schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)) and (
            items is None or all(_valid(item, items) for item in value)
        )
    if isinstance(value, dict):
        properties: Mapping[str, Any] = schema.get("properties", {})
        closed = schema.get("additionalProperties") is False
        return all(key in value for key in schema.get("required", ())) and all(
            _valid(item, properties[key]) if key in properties else not closed for key, item in value.items()
        )
    return True


def _check(value: object, schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if not _type_ok(value, schema.get("type")):
        errors.append(f"{path}: expected {_type_name(schema['type'])}, got {_json_type(value)}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {json.dumps(value, ensure_ascii=False)} is not one of {schema['enum']}")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        errors.append(f"{path}: longer than {schema['maxLength']} characters")
    if isinstance(value, list):
        _check_array(value, schema, path, errors)
    if isinstance(value, dict):
        _check_object(value, schema, path, errors)


def _check_array(value: list[Any], schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if len(value) < schema.get("minItems", 0):
        errors.append(f"{path}: fewer than {schema['minItems']} items")
    if len(value) > schema.get("maxItems", len(value)):
        errors.append(f"{path}: more than {schema['maxItems']} items")
    if "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{path}[{index}]", errors)


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    missing = [key for key in schema.get("required", ()) if key not in value]
    errors.extend(f"{path}: missing required key {key!r}" for key in missing)
    for key, item in value.items():
        if key in properties:
            _check(item, properties[key], f"{path}.{key}", errors)
        elif schema.get("additionalProperties") is False:
            errors.append(f"{path}: unexpected key {key!r}")


def _type_ok(value: object, expected: str | list[str] | None) -> bool:
    if expected is None:
        return True
    if isinstance(expected, str):  # the usual case: one type, tested without a generator
        return _TYPES[expected](value)
    return any(_TYPES[name](value) for name in expected)


def _type_name(expected: str | list[str]) -> str:
    return expected if isinstance(expected, str) else " or ".join(expected)


def _json_type(value: object) -> str:
    return next((name for name, test in _TYPES.items() if name != "number" and test(value)), "number")


def parse_json_reply(text: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object in a reply, despite ```json fences or prose around it; ValueError says what's wrong."""
    data = _decode_object(text)
    _require_valid(data, schema)
    return data


def _require_valid(data: object, schema: Mapping[str, Any]) -> None:
    errors = schema_errors(data, schema)
    if errors:
        shown = "; ".join(errors[:_MAX_ERRORS])
        more = f" (and {len(errors) - _MAX_ERRORS} more)" if len(errors) > _MAX_ERRORS else ""
        raise ValueError(f"the JSON does not match the schema: {shown}{more}")


def _decode_object(text: str) -> dict[str, Any]:
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    start = candidate.find("{")
    if start < 0:
        raise ValueError("the reply holds no JSON object")
    try:
        data, _ = json.JSONDecoder().raw_decode(candidate, start)
    except json.JSONDecodeError as err:
        if err.msg.startswith("Unterminated string") or err.pos >= len(candidate.rstrip()):
            raise ValueError("the JSON ends early (the reply was probably cut off at max_tokens)") from err
        raise ValueError(f"the reply is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError("the reply's JSON is not an object")
    return data


def complete_structured(send: Callable[[Request], Reply], request: Request, *, source: str = "the model") -> Reply:
    """send(request) until the reply is whole and, with a schema, valid: a cut reply is sent again once with
    twice the budget, an invalid one gets one repair call. The reply's usage counts every call made; a failure
    carries what the failed attempts were billed (ProviderError.billed)."""
    call = _Call(send, source)
    try:
        reply = call.whole(request)
        return reply if request.schema is None else call.valid(request, reply, request.schema)
    except ProviderError as err:
        err.billed = call.usage
        raise


class _Call:
    """One logical call to the model: the requests it took and what they were billed."""

    def __init__(self, send: Callable[[Request], Reply], source: str) -> None:
        self._send = send
        self._source = source
        self.usage = Usage()

    def whole(self, request: Request) -> Reply:
        reply = self._billed(request)
        if reply.cut:
            reply = self._billed(replace(request, max_tokens=request.max_tokens * 2))
        if reply.cut:
            raise TruncatedReply(
                f"{self._source} cut its reply to '{request.name}' at the token limit twice "
                f"({request.max_tokens} then {request.max_tokens * 2} tokens)",
                "nothing was written from it; it is retried on the next run (a model with a larger output "
                "limit avoids it)",
            )
        return replace(reply, usage=self.usage)

    def valid(self, request: Request, reply: Reply, schema: Mapping[str, Any]) -> Reply:
        try:
            return _validated(reply, schema)
        except ValueError as first:
            retry = self.whole(repair_request(request, reply.text, str(first)))
        try:
            return _validated(retry, schema)
        except ValueError as second:
            raise ProviderError(
                f"{self._source} returned invalid JSON for '{request.name}' twice: {second}",
                "try a model with structured output, or another json_mode in kwiki.toml",
            ) from second

    def _billed(self, request: Request) -> Reply:
        reply = self._send(request)
        self.usage = self.usage + reply.usage
        return reply


def _validated(reply: Reply, schema: Mapping[str, Any]) -> Reply:
    if reply.data is None:
        return replace(reply, data=parse_json_reply(reply.text, schema))
    _require_valid(reply.data, schema)
    return reply


def repair_request(request: Request, bad_reply: str, error: str) -> Request:
    """The same request, with the user message extended by what was wrong and the rejected reply."""
    note = (
        f"\n\nYour previous reply was rejected: {error}.\n"
        f"{fence('rejected_reply', bad_reply)}\n"
        "Reply again with only one complete JSON object that matches the schema. Be concise."
    )
    return replace(request, user=request.user + note)
