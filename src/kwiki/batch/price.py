"""What `--plan --batch` says a run costs. PLACEHOLDER: replace with the per-model price table of issue 13.

Until that table (input, output, cache and batch prices, overridable in kwiki.toml) is on main, this prices
the plan's estimated tokens at the model's input rate, and the batch price at the providers' 50% discount.
"""

from __future__ import annotations

from dataclasses import dataclass

BATCH_DISCOUNT = 0.5  # Anthropic Message Batches and the OpenAI Batch API both bill half the direct price

# USD per million input tokens, direct calls (placeholder values, published list prices)
_INPUT_USD_PER_MTOK = {
    "claude-opus-4-5": 5.0,
    "claude-sonnet-4-6": 3.0,
    "claude-sonnet-4-5": 3.0,
    "claude-haiku-4-5": 1.0,
    "gpt-5": 1.25,
    "gpt-5-mini": 0.25,
    "gpt-5-nano": 0.05,
    "gpt-4.1": 2.0,
    "gpt-4.1-mini": 0.4,
    "gpt-4o": 2.5,
    "gpt-4o-mini": 0.15,
}


@dataclass(frozen=True)
class BatchPrice:
    tokens: int
    direct_usd: float
    batch_usd: float


def batch_price(model: str, tokens: int) -> BatchPrice | None:
    """The estimated price of `tokens` direct and in a batch; None for a model without a known price."""
    rate = _INPUT_USD_PER_MTOK.get(model)
    if rate is None:
        return None
    direct = tokens * rate / 1_000_000
    return BatchPrice(tokens, direct, direct * BATCH_DISCOUNT)
