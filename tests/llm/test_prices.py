"""The shipped price table: which names find a price, and how a model priced by prompt length is priced."""

from __future__ import annotations

import pytest

from kwiki.llm.base import Usage
from kwiki.llm.prices import family, price_table, pricing
from kwiki.llm.provider import PROVIDERS
from kwiki.plan import PendingSource, estimated_cost, total_tokens

M = 1_000_000


@pytest.mark.parametrize(
    ("name", "known_as"),
    [
        ("claude-sonnet-5-5", "claude-sonnet-5-5"),
        ("claude-sonnet-5-5-20261001", "claude-sonnet-5-5"),
        ("claude-haiku-5-5-latest", "claude-haiku-5-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-opus-5", "claude-opus-5"),
        ("gpt-6.1-terra", "gpt-6.1-terra"),
        ("gpt-6.1-terra-2026-10-26", "gpt-6.1-terra"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
    ],
)
def test_a_dated_or_latest_name_takes_its_family_price(name: str, known_as: str) -> None:
    assert family(name) == known_as
    assert pricing(name, offline=False).price == price_table()[known_as]


def test_a_version_number_is_not_mistaken_for_a_date() -> None:
    assert family("claude-sonnet-5") == "claude-sonnet-5"  # not claude-sonnet-5-5's family, nor the reverse
    assert pricing("claude-sonnet-5", offline=False).price != pricing("claude-sonnet-5-5", offline=False).price


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_every_default_model_has_a_price(provider: str) -> None:
    assert pricing(PROVIDERS[provider].default_model, offline=False).price is not None


def test_retired_models_are_not_priced() -> None:
    retired = ("claude-sonnet-4", "claude-opus-4", "claude-opus-4-1", "claude-3-5-haiku", "o1", "gpt-4.1-nano")
    assert not set(retired) & set(price_table())


def test_every_shipped_price_is_consistent() -> None:
    for model, price in price_table().items():
        assert price.cache_read <= price.input <= price.cache_write, model
        assert price.batch == 0.5, model  # both providers' batch APIs bill half


def test_haiku_5_5_bills_a_call_by_the_length_of_its_own_prompt() -> None:
    haiku = price_table()["claude-haiku-5-5"]
    short = Usage(input_tokens=100_000, output_tokens=1_000, cached_tokens=60_000, cache_write_tokens=10_000)
    assert haiku.cost(short) == pytest.approx((30_000 * 0.10 + 60_000 * 0.01 + 10_000 * 0.125 + 1_000 * 0.50) / M)
    # one token more, cache reads and writes included in the count: every token of the call at the higher band
    long = Usage(input_tokens=100_001, output_tokens=1_000, cached_tokens=60_000, cache_write_tokens=10_000)
    assert haiku.cost(long) == pytest.approx((30_001 * 0.50 + 60_000 * 0.05 + 10_000 * 0.625 + 1_000 * 2.50) / M)
    assert haiku.cost(long, batch=True) == pytest.approx(haiku.cost(long) / 2)


def test_a_sum_of_many_calls_is_priced_at_the_lower_band() -> None:
    haiku = pricing("claude-haiku-5-5", offline=False)
    many_short_calls = Usage(input_tokens=3_000_000, output_tokens=100_000)
    assert haiku.cost(many_short_calls, one_call=False) == pytest.approx(3 * 0.10 + 0.1 * 0.50)


def test_openai_gpt_6_prompts_over_272k_pay_the_long_context_rates() -> None:
    terra = price_table()["gpt-6.1-terra"]
    assert terra.cost(Usage(272_000, 1_000)) == pytest.approx((272_000 * 1.0 + 1_000 * 5.0) / M)
    assert terra.cost(Usage(272_001, 1_000)) == pytest.approx((272_001 * 2.0 + 1_000 * 7.5) / M)


def test_the_plan_estimate_of_a_large_corpus_stays_at_the_lower_band() -> None:
    pending = [PendingSource(f"note-{i}.md", "new", 1, 60_000) for i in range(10)]  # 600k tokens, short calls
    haiku = pricing("claude-haiku-5-5", offline=False)
    dollars = estimated_cost(pending, [], [], haiku)
    tokens = total_tokens(pending, [], [])
    # the long-prompt band ($0.50 in, $2.50 out) would cost at least tokens × $0.50; the lower band costs less
    assert dollars is not None and 0 < dollars < tokens * 0.50 / M
