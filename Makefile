# Two entry points for a fresh machine: `make report` and `make test`. Both set up .venv
# (Python packages and Node.js 24 from PyPI) and the pinned CDK CLI (node_modules, installed
# with the venv's npm), then reuse them on later runs: stamps redo a step only when
# pyproject.toml or package.json changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
# The notebooks' Jupyter kernel, registered inside .venv (never a name a fresh machine lacks).
KERNEL := $(VENV)/share/jupyter/kernels/infrakit/kernel.json
# The venv's node and npm come first, for npm and the CDK CLI alike.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup report test lint notebooks lab bench clean browser

setup: $(STAMP) $(NODE_STAMP) $(KERNEL)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name infrakit --display-name "infrakit (.venv)"

# The report's browser test drives Debian's chromium (no browser download); CI runs as root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: run 'sudo apt-get install -y chromium' for the report's browser test" >&2; fi; }

$(NODE_STAMP): package.json package-lock.json $(STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The main job: both notebooks for each default parameter file (dev, prod, the seed's MODEL
# and IDEAL), two scenarios at a time, into reports/<scenario>/report.html and reports/index.html.
report: setup
	$(BIN)/infrakit report --out reports --jobs 2

test: setup browser lint
	$(BIN)/python -m pytest

# Lint only (pyflakes, syntax errors, bugbear, import order); no formatter churn.
lint: setup
	$(BIN)/python -m ruff check .

# The notebooks' parameters cells are generated from the scenario schema (never hand-edited).
notebooks: setup
	$(BIN)/python -m infrakit.core.schema.notebook_cell

# JupyterLab in .venv, for exploring the notebooks on the kernel `infrakit` (not needed by
# `make report` or `make test`).
lab: setup
	$(BIN)/python -m pip install --quiet -e '.[dev,lab]'
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_streaming.py
	$(BIN)/python benchmarks/bench_outputs.py
	$(BIN)/python benchmarks/bench_prices.py
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_deploy.py
	$(BIN)/python benchmarks/bench_preflight.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .infrakit-cache
