# Two entry points for a fresh machine: `make report` and `make test`. Both set up .venv
# (Python packages and Node.js 24 from PyPI) and the pinned CDK CLI (node_modules, installed
# with the venv's npm), then reuse them on later runs: stamps redo a step only when
# pyproject.toml or package.json changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
# The venv's node and npm come first, for npm and the CDK CLI alike.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup report test bench clean

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json $(STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The main job. Until the notebook report lands: a real sweep of the default grid,
# printing the comparison and the recommendation.
report: setup
	$(BIN)/infrakit sweep notebooks/grids/default.yaml

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_synth.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .infrakit-cache
