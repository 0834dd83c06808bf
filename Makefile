# Two commands matter: `make demo` and `make test`. Both build .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := examples/pkm

.PHONY: demo install test lint fmt bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kwiki status --project $(EXAMPLE)
	KWIKI_PROVIDER=extractive $(BIN)/kwiki ingest --project $(EXAMPLE) $(EXAMPLE)/raw/
	@echo ""
	@echo "The wiki is in $(CURDIR)/$(EXAMPLE)/wiki — open it in Obsidian: Open folder as vault → choose that folder."

# Put `kwiki` on PATH from this clone (editable: a `git pull` updates it).
install: $(STAMP)
	@if command -v uv >/dev/null 2>&1; then uv tool install --force -e .; \
	elif command -v pipx >/dev/null 2>&1; then pipx install --force -e .; \
	else mkdir -p $(HOME)/.local/bin && ln -sf $(CURDIR)/$(BIN)/kwiki $(HOME)/.local/bin/kwiki && \
		echo "linked $(HOME)/.local/bin/kwiki -> $(CURDIR)/$(BIN)/kwiki (put $(HOME)/.local/bin on PATH if it is not)"; fi
	@echo "kwiki is installed: try \`kwiki --help\`"

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
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
