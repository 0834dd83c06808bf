"""`kwiki query`: answer a question from the wiki with cited pages, or list the best pages when offline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from kwiki.cli import progress
from kwiki.cli.app import app
from kwiki.cli.common import JsonOption, Session, err, guarded, out, print_error, print_json, session
from kwiki.errors import KwikiError, UsageError
from kwiki.query import DEFAULT_BUDGET, DEFAULT_LIMIT, Answer, ContextPage, answer, require_question, save_answer
from kwiki.search import Hit, refresh_index, search


@app.command("query")
@guarded
def query(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="QUESTION", help="The question (quotes optional).")],
    limit: Annotated[
        int, typer.Option("--limit", "-k", metavar="N", min=1, help="At most this many pages.")
    ] = DEFAULT_LIMIT,
    budget: Annotated[
        int,
        typer.Option(
            metavar="CHARS", min=1000, help="Characters of page text the model may read (lower it for small models)."
        ),
    ] = DEFAULT_BUDGET,
    save: Annotated[
        bool, typer.Option("--save", help="File the answer in wiki/answers/ and log it (needs a model).")
    ] = False,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Only search: ranked pages, no model call.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the wiki, citing its pages.

    Offline (provider extractive, or --no-llm) it lists the best-matching pages instead.
    """
    s = session(ctx, quiet=as_json)
    question = require_question(" ".join(words))
    offline = no_llm or s.offline
    if offline and save:
        raise _save_needs_a_model(no_llm)
    if offline:
        _search_only(s, question, limit, no_llm, as_json)
        return
    llm = s.llm()
    try:
        with progress.spinner(progress.wanted(as_json), "searching the wiki and asking the model"):
            result = answer(s.paths, llm, question, limit, budget)
    finally:
        s.print_notices()
    saved = None
    if save and result.citations:  # an answer that points to no page is not filed as knowledge
        saved = save_answer(s.paths, result, dt.date.today())  # under the project lock
    if as_json:
        print_json({**_answer_json(result), "saved": saved, "llm": s.meter.snapshot()})
    else:
        _render_answer(result, saved)
    if save and saved is None:
        hint = "ask about what the wiki holds (kwiki query --no-llm lists the pages that match)"
        print_error(KwikiError("not saved: the answer cites no page of the wiki", hint))
        raise typer.Exit(1)


def _search_only(s: Session, question: str, limit: int, no_llm: bool, as_json: bool) -> None:
    with progress.spinner(progress.wanted(as_json), "updating the search index"):
        refresh_index(s.paths)
    hits = search(s.paths, question, limit)
    if as_json:
        print_json(_results_json(question, hits))
    else:
        _render_results(question, hits, no_llm)


def _save_needs_a_model(no_llm: bool) -> UsageError:
    if no_llm:
        return UsageError("--save files a model's answer, and --no-llm asks no model", "drop --no-llm to save")
    return UsageError(
        "--save files a model's answer, and provider extractive (offline) runs no model",
        "set a model: export ANTHROPIC_API_KEY=… or OPENAI_API_KEY=…, or set provider and base_url in kwiki.toml "
        "for a local server (e.g. --provider openai --base-url http://localhost:11434/v1); `kwiki status` shows "
        "what is in effect",
    )


def _page(page: ContextPage) -> dict[str, object]:
    return {"page": page.name, "title": page.title, "path": page.page}


def _answer_json(result: Answer) -> dict[str, object]:
    return {
        "question": result.question,
        "answer": result.text,
        "citations": [_page(page) for page in result.citations],
        "pages_used": [
            {**_page(page), "earlier_answer": page.earlier_answer, "excerpt": page.truncated} for page in result.pages
        ],
        "removed_citations": list(result.removed_citations),
    }


def _render_answer(result: Answer, saved: str | None) -> None:
    from rich.markdown import Markdown  # with its parser and pygments: loaded only to print an answer

    out.print(Markdown(result.text))
    if result.pages:
        cited = {page.page for page in result.citations}
        out.print()
        out.print("Pages used (* cited):")
        for page in result.pages:
            out.print(f"  {'*' if page.page in cited else ' '} [[{page.name}]] {page.title}{_notes(page)}")
    if result.removed_citations:
        names = ", ".join(f"[[{name}]]" for name in result.removed_citations)
        err.print(f"note: removed citations of pages the model was not given: {names}")
    if saved:
        out.print(f"saved wiki/{saved}")


def _notes(page: ContextPage) -> str:
    notes = [note for flag, note in ((page.earlier_answer, "earlier answer"), (page.truncated, "excerpt")) if flag]
    return f"  ({', '.join(notes)})" if notes else ""


def _results_json(question: str, hits: list[Hit]) -> dict[str, object]:
    results = [
        {
            "page": hit.name,
            "title": hit.title,
            "type": hit.type,
            "score": hit.score,
            "snippet": hit.snippet,
            "sentences": list(hit.sentences),
            "path": hit.page,
            "linked_from": hit.via,
        }
        for hit in hits
    ]
    return {"question": question, "mode": "search", "results": results}


def _render_results(question: str, hits: list[Hit], asked_offline: bool) -> None:
    out.print("Search results (no model)")
    why = "--no-llm" if asked_offline else "provider extractive runs no model"
    out.print(f"The pages that best match {question!r}; this is not an answer ({why}).")
    if not hits:
        out.print("No page matches.")
    for rank, hit in enumerate(hits, start=1):
        via = f" · linked from {hit.via}" if hit.via else ""
        out.print()
        out.print(f"{rank}. {hit.title}  [[{hit.name}]]  {hit.type} · score {hit.score:.2f}{via}")
        out.print(f"   {hit.snippet}")
        for sentence in hit.sentences:
            out.print(f"   > {sentence}")
