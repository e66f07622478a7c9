"""Where things live: the checkout's folders, the per-user data and cache folders, and how
the shipped catalogs are named in outputs.

The project root is computed here and nowhere else. The kit runs from a checkout (an
editable install: ``make setup``), so the notebooks, ``cdk.json`` and the pinned CDK CLI in
``node_modules`` are found beside the packages.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = NOTEBOOK_DIR / "params"
REPORTS_DIR = PROJECT_ROOT / "reports"
# Results of notebooks run by hand in Jupyter (git-ignored), never the source tree.
INTERACTIVE_RESULTS_DIR = REPORTS_DIR / "interactive"
DEPLOY_RUNS_DIR = REPORTS_DIR / "deploy"
CDK_JSON = PROJECT_ROOT / "cdk.json"
CDK_CLI = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"

# How the shipped catalogs are named in tables, findings and reports (relative to the root,
# so a report reads the same on every machine).
ENGINE_CATALOG_NAME = "infrakit/data/aurora_postgresql.yaml"
REGION_CATALOG_NAME = "infrakit/data/regions.yaml"
PRICE_CATALOG_NAME = "cost_model/data/prices.csv"


def cache_dir() -> Path:
    """``$INFRAKIT_CACHE_DIR`` if set, else ``.infrakit-cache`` in the checkout."""
    root = os.environ.get("INFRAKIT_CACHE_DIR")
    return Path(root) if root else PROJECT_ROOT / ".infrakit-cache"


def user_data_dir() -> Path:
    """The per-user data folder (``$XDG_DATA_HOME/infrakit``, default ``~/.local/share/infrakit``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "infrakit"


def catalog_dir() -> Path:
    """Where refreshed catalog snapshots go: ``$INFRAKIT_CATALOG_DIR``, else the per-user data folder."""
    configured = os.environ.get("INFRAKIT_CATALOG_DIR")
    return Path(configured) if configured else user_data_dir() / "catalogs"

