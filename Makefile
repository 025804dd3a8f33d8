# Each target sets itself up: a fresh clone needs only python3 (3.11+) and the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: replay the Anxi 2017 campaign day by day (summary in var/replay/summary.json)
demo: install
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/canbao replay

## test: lint, type-check, then the whole suite (PostgreSQL tests skip when no server answers)
test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache .mypy_cache .ruff_cache
