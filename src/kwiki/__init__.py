"""kwiki: compile a folder of raw sources into an Obsidian wiki that an LLM keeps up to date.

Use as a library (see README "Use as a library")::

    import kwiki

    project = kwiki.open_project("my-notes")
    report = project.ingest()
    findings = project.lint().findings
    print(project.query("What is an LLM OS?").text)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["KwikiError", "Project", "__version__", "open_project"]

if TYPE_CHECKING:
    from kwiki.api import Project, open_project
    from kwiki.errors import KwikiError


def __getattr__(name: str) -> Any:
    """The API is imported on first use, so `import kwiki` (and the CLI's start) stays cheap."""
    if name in ("Project", "open_project"):
        from kwiki import api

        return getattr(api, name)
    if name == "KwikiError":
        from kwiki.errors import KwikiError

        return KwikiError
    raise AttributeError(f"module 'kwiki' has no attribute {name!r}")
