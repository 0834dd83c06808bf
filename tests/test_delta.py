"""Delta updates (issue 13): an update prompt is bounded by what is new, and its addition lands where it belongs."""

from __future__ import annotations

from kwiki.delta import MAX_EARLIER, MAX_LEAD, earlier_claims, lead, merge_addition, outline, update_request
from kwiki.knowledge import MAX_CLAIMS, PagePlan
from kwiki.llm.blocks import unfence_json
from kwiki.notes import Claim, SourceNote
from kwiki.pages import LinkTo
from kwiki.resolve import Cluster

BODY = """Zettelkasten is a method of linked notes [[luhmann-talk]].

- Every note has an address — [[luhmann-talk]]

## History

Luhmann kept it for decades [[luhmann-talk]].

## Quotes

> "a partner in communication"
> — [[luhmann-talk]]"""


def _note(date: str) -> SourceNote:
    return SourceNote(path="p.md", title="T", date=date, language="en", summary="", tags=(), claims=(), mentions=())


LINKS = {"old.md": LinkTo("luhmann-talk", "Luhmann talk"), "new.md": LinkTo("new-post", "New post")}
NOTES = {"old.md": _note("2024-01-01"), "new.md": _note("2025-01-01")}
NEW = [("new.md", Claim("Zettelkasten", "Luhmann's box held 90,000 notes.", "held 90,000 notes"))]
CLUSTER = Cluster("zettelkasten", "Zettelkasten", "method", (), ("new.md", "old.md"), (), frozenset({"zettelkasten"}))
EARLIER = [("old.md", Claim("Zettelkasten", "Luhmann's box held 70,000 notes.", ""))]


def _request(body: str) -> tuple[str, str]:
    request = update_request(CLUSTER, body, NEW, EARLIER, LINKS, NOTES, [], "")
    return request.system, request.user


def test_update_prompt_carries_outline_and_bounded_lead_never_the_rest_of_the_body() -> None:
    long_body = BODY + "\n\n" + "\n\n".join(f"## Part {i}\n\nA secret paragraph number {i}." for i in range(400))
    system, user = _request(long_body)
    assert "secret" not in system
    payload = unfence_json(user)
    assert payload["outline"][:2] == ["History", "Quotes"] and len(payload["outline"]) == 20
    assert payload["lead"] == "Zettelkasten is a method of linked notes [[luhmann-talk]]."
    assert "secret paragraph" not in user and "decades" not in user and "partner in communication" not in user
    assert [c["statement"] for c in payload["claims"]] == ["Luhmann's box held 90,000 notes."]
    assert payload["earlier"] == [
        {"statement": "Luhmann's box held 70,000 notes.", "source_page": "luhmann-talk", "date": "2024-01-01"}
    ]


def test_update_prompt_is_the_same_size_for_a_short_and_a_long_body() -> None:
    opening = "Zettelkasten is a method of linked notes, kept on paper slips. " * 20
    short = opening + "\n\n" + "Detail. " * 50  # about 1,800 chars
    long = opening + "\n\n" + "\n\n".join(f"## Section {i}\n\n" + "Detail. " * 50 for i in range(25))
    assert len(short) < 2_000 and len(long) > 10_000
    small, large = (sum(map(len, _request(body))) for body in (short, long))
    # the long body adds only its bounded outline (at most 20 short headings)
    assert large - small < 20 * 20
    assert len(lead(long)) <= MAX_LEAD + 2


def test_earlier_claims_put_a_side_of_an_open_contradiction_first_then_the_nearest() -> None:
    claims = [
        ("a.md", Claim("X", "X uses reward models for ranking.", "")),
        ("b.md", Claim("X", "X was named in 2019.", "")),
        ("c.md", Claim("X", "Ranking with reward models is cheap.", "")),
        ("new.md", Claim("X", "X ranks answers with reward models.", "")),
        *[(f"z{i}.md", Claim("X", f"X is unrelated fact {i}.", "")) for i in range(10)],
    ]
    picked = earlier_claims(claims, {"new.md"}, {"b.md"}, ["X"])
    assert [p for p, _ in picked] == ["b.md", "a.md", "c.md"]
    assert len(earlier_claims(claims * 3, {"new.md"}, {"b.md"}, ["X"])) <= MAX_EARLIER
    assert earlier_claims(claims, {"new.md"}, {"gone.md"}, ["X"])[0][0] == "a.md"  # a side with no claim here


def test_addition_text_goes_to_the_end_of_the_lead_and_a_list_goes_on() -> None:
    merged = merge_addition(BODY, "- Notes link to notes — [[new-post]]")
    assert "- Every note has an address — [[luhmann-talk]]\n- Notes link to notes — [[new-post]]\n\n## History" in (
        merged
    )


def test_addition_under_an_outline_heading_joins_that_section() -> None:
    merged = merge_addition(BODY, "## history\n\nHe started in 1952 [[new-post]].")
    history = merged.split("## History")[1].split("## Quotes")[0]
    assert "decades [[luhmann-talk]].\n\nHe started in 1952 [[new-post]]." in history
    assert merged.count("## History") == 1 and merged.count("## history") == 0


def test_addition_under_a_new_heading_becomes_a_section_at_the_end() -> None:
    merged = merge_addition(BODY, "Lead text [[new-post]].\n\n## Criticism\n\nSome doubt it [[new-post]].")
    assert merged.endswith("## Criticism\n\nSome doubt it [[new-post]].")
    assert merged.index("Lead text") < merged.index("## History")


def test_addition_repeating_the_body_adds_nothing() -> None:
    assert merge_addition(BODY, BODY) == BODY
    assert merge_addition(BODY, "") == BODY
    assert merge_addition("", "New page text.") == "New page text."


def test_headings_inside_code_are_not_sections() -> None:
    body = "Lead.\n\n```\n## not a heading\n```\n\n## Real\n\nText."
    assert outline(body) == ["Real"]
    merged = merge_addition(body, "## not a heading\n\nMore.")
    assert merged.endswith("## not a heading\n\nMore.")


def test_a_10000_char_body_costs_no_more_prompt_than_a_500_char_one() -> None:
    opening = "Zettelkasten is a method of linked notes kept on paper slips, one idea to a slip [[luhmann-talk]]. " * 4
    short, long = opening, opening + "\n\n" + "More about the slips and their numbers. " * 250
    assert 380 < len(short) <= 500 and len(long) > 10_000
    assert sum(map(len, _request(short))) == sum(map(len, _request(long)))


def test_the_plan_estimate_of_a_page_is_bounded_like_its_prompt() -> None:
    claim = ("old.md", Claim("Zettelkasten", "A claim of about this length.", "A quote of about this length."))
    few, many = (PagePlan(CLUSTER, "methods/z.md", "update", "", (claim,) * n, "h") for n in (MAX_CLAIMS, 5_000))
    assert many.estimated_tokens == few.estimated_tokens
