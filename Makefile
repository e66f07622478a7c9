# Two entry points for a fresh machine: `make report` and `make test`. Both set up .venv
# first and reuse it on later runs (the stamp is redone only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup report test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job. Until the notebook report lands: a real sweep of the default grid,
# printing the comparison and the recommendation.
report: setup
	$(BIN)/infrakit sweep notebooks/grids/default.yaml

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache
