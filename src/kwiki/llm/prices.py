"""What tokens cost: the price table shipped as kwiki/data/prices.toml, kwiki.toml's `price` override, a usage
priced in dollars. Cached prompt tokens are priced as cached, cache writes as writes."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from kwiki.llm.base import Usage

PRICE_FIELDS = ("input", "output", "cache_write", "cache_read", "batch")
_DATED = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")  # claude-…-20260101, gpt-…-2025-08-07, …-latest


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens; `batch` is the share of it a batch-API request pays."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    batch: float = 1.0

    def cost(self, usage: Usage, *, batch: bool = False) -> float:
        fresh = usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens
        per_million = (
            fresh * self.input
            + usage.cached_tokens * self.cache_read
            + usage.cache_write_tokens * self.cache_write
            + usage.output_tokens * self.output
        )
        return per_million / 1_000_000 * (self.batch if batch else 1.0)


@dataclass(frozen=True)
class Pricing:
    """The price of the model in effect, or why there is none (`unpriced`: an offline provider, unknown model)."""

    price: Price | None
    unpriced: str = ""

    def cost(self, usage: Usage, *, batch: bool = False) -> float | None:
        return None if self.price is None else self.price.cost(usage, batch=batch)


OFFLINE = Pricing(None, "runs no model: no cost")


def pricing(model: str, *, offline: bool, override: Mapping[str, float] | None = None) -> Pricing:
    """The price for `model`: kwiki.toml's override, else the shipped table (a dated name takes its family's)."""
    if offline:
        return OFFLINE
    if override is not None:
        return Pricing(to_price(override))
    table = price_table()
    price = table.get(model) or table.get(_DATED.sub("", model))
    if price is None:
        hint = "set price = { input = …, output = … } in kwiki.toml"
        return Pricing(None, f"no price known for model '{model}'; {hint}")
    return Pricing(price)


def to_price(fields: Mapping[str, float]) -> Price:
    """A Price from its TOML fields: input and output required; cache prices default to input; batch to 1."""
    return Price(
        input=fields["input"],
        output=fields["output"],
        cache_write=fields.get("cache_write", fields["input"]),
        cache_read=fields.get("cache_read", fields["input"]),
        batch=fields.get("batch", 1.0),
    )


@functools.cache
def price_table() -> Mapping[str, Price]:
    text = resources.files("kwiki").joinpath("data/prices.toml").read_text(encoding="utf-8")
    return {model: to_price(fields) for model, fields in tomllib.loads(text).items()}
