# One-command set-up. `make run` installs and runs the main job on the bundled data;
# `make test` installs with the dev extra, builds the wheel and the sdist, installs the wheel
# into a fresh virtualenv (.venv-wheel: not editable, no source tree on its path), and runs
# lint plus the whole test suite. The tests of the installed product (every module imports,
# the CLI, the notebooks, the docs' shell examples) run against that wheel.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
WHEEL_VENV ?= .venv-wheel
# pytest workers, the slowest tests listed (every run), and the wheel-installed executables
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist load --durations=10
BENCH_OUT ?=
# The CPU build of torch (on this project's machines it is on local disk, so nothing
# multi-GB is downloaded). Override, e.g. `make test TORCH_SPEC=torch`, to use another.
TORCH_SPEC ?= torch==2.13.0

.PHONY: run test test-fast install install-dev lint format wheel wheel-venv bench bench-quick docs clean

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

# ruff, then the layer contract (.importlinter: which layer may import which).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install-dev wheel-venv
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory docs
	PORTFOLIO_SGD_BIN=$(abspath $(WHEEL_VENV))/bin $(PYTEST)

# The inner loop (about 2 minutes): no slow tests, no wheel.
test-fast: install-dev
	$(BIN)/python -m pytest -q -n 2 --dist load --durations=10 -m "not slow"

# The wheel and the sdist in dist/ (the wheel is built from the sdist, so both are checked).
wheel: install-dev
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist . > /dev/null

# A fresh virtualenv with the built wheel (and its dev extra) installed, as a user gets it.
wheel-venv: wheel
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(WHEEL_VENV)/bin/python -m pip install --quiet "$(TORCH_SPEC)"
	$(WHEEL_VENV)/bin/python -m pip install --quiet "$$(ls dist/portfolio_sgd-*.whl)[dev]"

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Writes to a scratch folder (printed) unless asked: `make bench-quick BENCH_OUT=benchmarks/results`.
bench-quick: install-dev
	out="$(BENCH_OUT)"; [ -n "$$out" ] || out=$$(mktemp -d); \
	$(BIN)/python -m benchmarks --quick --out "$$out" && echo "results in $$out"

bench: install-dev
	$(BIN)/python -m benchmarks

# The documentation site (mkdocs.yml, docs/): strict, so a broken link or reference fails.
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

clean:
	rm -rf $(VENV) $(WHEEL_VENV) build dist *.egg-info site
