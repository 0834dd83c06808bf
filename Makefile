# Two commands matter: `make demo` and `make test`. Both build .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kwiki status
	KWIKI_PROVIDER=extractive $(BIN)/kwiki ingest raw/
	@echo ""
	@echo "The wiki is in $(CURDIR)/wiki — open it in Obsidian: Open folder as vault → choose wiki/."

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/pytest

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/lint.py
	$(BIN)/python bench/query.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
