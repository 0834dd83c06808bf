"""`kwiki ingest --batch`: the run's LLM requests go to the provider's batch API, in rounds (see run.py)."""
