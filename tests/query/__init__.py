"""Tests of kwiki query: retrieval, context selection, citations, saving answers, the CLI, offline mode."""
