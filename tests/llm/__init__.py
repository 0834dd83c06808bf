"""Tests of the LLM boundary: validation, adapters over mock and loopback HTTP, the fake and the wrappers."""
