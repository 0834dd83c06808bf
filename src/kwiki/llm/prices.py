"""What tokens cost: the price table shipped as kwiki/data/prices.toml, kwiki.toml's `price` override, a usage
priced in dollars. Cached prompt tokens are priced as cached, cache writes as writes, and a call whose prompt is
longer than a model's `long_prompt.above` at that model's long-prompt prices."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from kwiki.llm.base import Usage

PRICE_FIELDS = ("input", "output", "cache_write", "cache_read", "batch", "long_prompt")
RATE_FIELDS = ("input", "output", "cache_write", "cache_read")
LONG_PROMPT_FIELDS = ("above", *RATE_FIELDS)
_DATED = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")  # claude-…-20260101, gpt-…-2025-08-07, …-latest


def family(model: str) -> str:
    """The model name without a date (or -latest) suffix: the name prices.toml and the adapters know it by."""
    return _DATED.sub("", model)


@dataclass(frozen=True)
class Rates:
    """US dollars per million tokens of each kind."""

    input: float
    output: float
    cache_write: float
    cache_read: float

    def dollars(self, usage: Usage) -> float:
        fresh = usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens
        per_million = (
            fresh * self.input
            + usage.cached_tokens * self.cache_read
            + usage.cache_write_tokens * self.cache_write
            + usage.output_tokens * self.output
        )
        return per_million / 1_000_000


@dataclass(frozen=True)
class LongPrompt:
    """Prices a whole call pays, output included, when its prompt (every input token: fresh, cached and written)
    is longer than `above` tokens."""

    above: int
    rates: Rates


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens; `batch` is the share of it a batch-API request pays."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    batch: float = 1.0
    long_prompt: LongPrompt | None = None

    def cost(self, usage: Usage, *, batch: bool = False, one_call: bool = True) -> float:
        """Dollars for `usage`. `one_call`: it is one call's, so a prompt over `long_prompt.above` pays the
        long-prompt prices; a sum over many calls (an estimate) is priced at the lower band."""
        rates = Rates(self.input, self.output, self.cache_write, self.cache_read)
        if one_call and self.long_prompt is not None and usage.input_tokens > self.long_prompt.above:
            rates = self.long_prompt.rates
        return rates.dollars(usage) * (self.batch if batch else 1.0)


@dataclass(frozen=True)
class Pricing:
    """The price of the model in effect, or why there is none (`unpriced`: an offline provider, unknown model)."""

    price: Price | None
    unpriced: str = ""

    def cost(self, usage: Usage, *, batch: bool = False, one_call: bool = True) -> float | None:
        return None if self.price is None else self.price.cost(usage, batch=batch, one_call=one_call)


OFFLINE = Pricing(None, "runs no model: no cost")


def pricing(model: str, *, offline: bool, override: Mapping[str, object] | None = None) -> Pricing:
    """The price for `model`: kwiki.toml's override, else the shipped table (a dated name takes its family's)."""
    if offline:
        return OFFLINE
    if override is not None:
        return Pricing(to_price(override))
    table = price_table()
    price = table.get(model) or table.get(family(model))
    if price is None:
        hint = "set price = { input = …, output = … } in kwiki.toml"
        return Pricing(None, f"no price known for model '{model}'; {hint}")
    return Pricing(price)


def to_price(fields: Mapping[str, object]) -> Price:
    """A Price from its TOML fields: input and output required; cache prices default to input; batch to 1;
    `long_prompt` optional, an `above` threshold with its own rates."""
    rates = _rates(fields)
    long_prompt = fields.get("long_prompt")
    return Price(
        rates.input,
        rates.output,
        rates.cache_write,
        rates.cache_read,
        batch=_number(fields.get("batch", 1.0)),
        long_prompt=None if long_prompt is None else _long_prompt(long_prompt),
    )


def _rates(fields: Mapping[str, object]) -> Rates:
    given = _number(fields["input"])
    return Rates(
        input=given,
        output=_number(fields["output"]),
        cache_write=_number(fields.get("cache_write", given)),
        cache_read=_number(fields.get("cache_read", given)),
    )


def _long_prompt(fields: object) -> LongPrompt:
    if not isinstance(fields, Mapping):
        raise TypeError(f"long_prompt must be a table, not {fields!r}")
    return LongPrompt(int(_number(fields["above"])), _rates(fields))


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a price must be a number, not {value!r}")
    return float(value)


@functools.cache
def price_table() -> Mapping[str, Price]:
    text = resources.files("kwiki").joinpath("data/prices.toml").read_text(encoding="utf-8")
    return {model: to_price(fields) for model, fields in tomllib.loads(text).items()}
