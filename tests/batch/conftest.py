"""The ingest tests' raw/ guard and clean environment, for the batch tests."""

from ingest.conftest import clean_env as clean_env
from ingest.conftest import raw_guard as raw_guard
