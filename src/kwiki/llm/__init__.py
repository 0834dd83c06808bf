"""The one seam through which every LLM call passes: a tiny protocol, one adapter per SDK, offline providers."""

from kwiki.llm.base import LLM, Reply, Request, Usage

__all__ = ["LLM", "Reply", "Request", "Usage"]
