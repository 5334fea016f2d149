# One-command set-up. `make run` installs and runs the main job on the bundled data;
# `make test` installs with the dev extra and runs lint plus the whole test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch (on this project's machines it is on local disk, so nothing
# multi-GB is downloaded). Override, e.g. `make test TORCH_SPEC=torch`, to use another.
TORCH_SPEC ?= torch==2.13.0

.PHONY: run test install install-dev lint format wheel-check bench bench-quick docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.torch: $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	touch $@

install: $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e ".[dev]"

run: install
	$(BIN)/portfolio-sgd optimize

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-quick: install-dev
	$(BIN)/python -m benchmarks --quick

bench: install-dev
	$(BIN)/python -m benchmarks

# The documentation site (mkdocs.yml, docs/): strict, so a broken link or reference fails.
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

clean:
	rm -rf $(VENV) build dist site *.egg-info
