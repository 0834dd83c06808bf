"""--deep with the fake provider: pairs ranked by connectedness, the budget respected, answers cached per pair."""

from __future__ import annotations

import pytest

from kwiki.errors import EndpointUnreachable, ProviderError
from kwiki.lint import LintOptions, run_lint
from kwiki.lint.deep import ranked_pairs
from kwiki.lint.snapshot import load_vault
from kwiki.llm.base import Request
from kwiki.llm.blocks import unfence_json
from kwiki.llm.fake import FakeLLM
from kwiki.project import Paths
from kwiki.state import State

DISAGREE = {"contradictions": [{"a_claim": "c1", "b_claim": "c1", "explanation": "They disagree on the order."}]}
AGREE: dict[str, list[object]] = {"contradictions": []}


def test_pairs_sharing_sources_and_links_rank_first(clean_project: Paths) -> None:
    pairs = ranked_pairs(load_vault(clean_project, None))
    assert pairs == [
        ("concepts/alpha.md", "concepts/beta.md"),  # a shared source and links both ways
        ("concepts/alpha.md", "entities/gamma.md"),
        ("concepts/beta.md", "entities/gamma.md"),  # a shared source only
    ]


def test_budget_caps_calls_and_the_best_pair_goes_first(clean_project: Paths) -> None:
    fake = FakeLLM({"compare": AGREE})
    with State.open(clean_project.state_db) as state:
        report = run_lint(clean_project, state, LintOptions(deep=True, budget=1), fake)
    assert len(fake.requests) == 1
    payload = unfence_json(fake.requests[0].user)
    assert (payload["a"]["page"], payload["b"]["page"]) == ("alpha", "beta")
    assert payload["a"]["claims"][0]["source"] == "source-a"
    assert report.deep is not None and (report.deep.calls, report.deep.unchecked) == (1, 2)


def test_contradictions_are_stored_rendered_and_a_second_run_makes_no_call(clean_project: Paths) -> None:
    fake = FakeLLM({"compare": DISAGREE})
    with State.open(clean_project.state_db) as state:
        first = run_lint(clean_project, state, LintOptions(deep=True), fake)
        assert len(state.contradictions()) == 3
    assert first.deep is not None and (first.deep.calls, first.deep.new_contradictions) == (3, 3)
    assert "> [!warning] Contradiction" in (clean_project.wiki / "concepts/beta.md").read_text()
    assert (clean_project.wiki / "contradictions.md").is_file()
    assert {f.id for f in first.findings} == {"contradiction-open"}
    with State.open(clean_project.state_db) as state:
        second = run_lint(clean_project, state, LintOptions(deep=True), fake)
    assert len(fake.requests) == 3
    assert second.deep is not None and (second.deep.calls, second.deep.cached, second.deep.new_contradictions) == (
        0,
        3,
        0,
    )


def test_deep_reports_each_comparison_to_the_progress_callback(clean_project: Paths) -> None:
    heard: list[tuple[str, str, int, int]] = []

    def progress(phase: str, item: str, done: int, total: int) -> None:
        heard.append((phase, item, done, total))

    with State.open(clean_project.state_db) as state:
        run_lint(clean_project, state, LintOptions(deep=True), FakeLLM({"compare": AGREE}), progress=progress)
    assert heard == [
        ("compare", "concepts/alpha.md ~ concepts/beta.md", 1, 3),
        ("compare", "concepts/alpha.md ~ entities/gamma.md", 2, 3),
        ("compare", "concepts/beta.md ~ entities/gamma.md", 3, 3),
    ]


def _raising(error: Exception) -> FakeLLM:
    def compare(request: Request) -> object:
        raise error

    return FakeLLM({"compare": compare})


def test_a_failed_comparison_fails_lint_and_says_why(clean_project: Paths) -> None:
    """Failed calls were a count in the summary and lint exited 0: a CI check that checked nothing passed."""
    with State.open(clean_project.state_db) as state:
        report = run_lint(clean_project, state, LintOptions(deep=True), _raising(ProviderError("the model said no")))
    assert report.deep is not None and report.deep.failed == 3 and report.deep.error == "the model said no"
    assert report.failed()


def test_a_dead_server_stops_deep_lint_with_its_own_error(clean_project: Paths) -> None:
    with State.open(clean_project.state_db) as state, pytest.raises(EndpointUnreachable):
        run_lint(clean_project, state, LintOptions(deep=True), _raising(EndpointUnreachable("cannot reach it")))
