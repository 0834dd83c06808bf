"""The offline engine: answers every kwiki request from the text itself — no model, deterministic, stdlib only.

Everything it says is copied from its input: quotes and statements are sentences of the source, summaries are
its most central sentences, pages are lists of the given claims. Modules: `text` (source → sentences with exact
spans), `lexicon` (word lists), `mentions` and `names` (names and terms), `extract` ("extract", "summarize"),
`pages` ("write-page", "update-page"), `overview`, `answers` ("query", "compare"), `provider` (the LLM the rest
of kwiki calls).
"""

from kwiki.offline.provider import ExtractiveLLM

__all__ = ["ExtractiveLLM"]
