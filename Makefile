# Crossdock: `make run` starts everything with the demo world; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run demo test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/crossdock init
	$(BIN)/crossdock serve --demo

demo: install
	$(BIN)/crossdock demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n auto -q

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/sync_calls.py
	$(BIN)/python bench/propagation.py
	$(BIN)/python bench/fulfil.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
