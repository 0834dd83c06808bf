"""kwiki: compile a folder of raw sources into an Obsidian wiki that an LLM keeps up to date."""

__version__ = "0.1.0"
