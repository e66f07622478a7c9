"""Results the notebooks leave beside the executed notebook: JSON for the runner and the
index page, Parquet for anyone who wants the tables. Written atomically (temp file, then
``os.replace``) so a reader never sees half a file. No scrapbook: plain files.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from cost_model import load_price_catalog
from cost_model.availability import assumptions
from infrakit.core.catalogs import engine_catalog
from infrakit.report.trade_offs import VARIED_KEYS, TradeOffs, TrafficCurves, describe

SCHEMA_VERSION = 1
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
INTERACTIVE_DIR = NOTEBOOK_DIR.parent / "reports" / "interactive"


def results_dir(requested: str, namespace: Mapping[str, Any] | None = None) -> Path:
    """Where a notebook writes: ``requested`` if set, else beside the executed notebook when
    papermill injected its path (``--inject-output-path``), else the working directory, except
    in ``notebooks/`` itself (Jupyter), where results go to the git-ignored ``reports/interactive``."""
    if requested:
        path = Path(requested)
    elif namespace and namespace.get("PAPERMILL_OUTPUT_PATH"):
        path = Path(str(namespace["PAPERMILL_OUTPUT_PATH"])).parent
    elif Path.cwd().resolve() == NOTEBOOK_DIR:
        path = INTERACTIVE_DIR  # run in Jupyter from notebooks/: keep results out of the source tree
    else:
        path = Path.cwd()
    path.mkdir(parents=True, exist_ok=True)
    return path


def plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN to None, dates to ISO strings, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return value


def _read_umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# Read once at import: os.umask is process-wide, so probing it later could race other threads.
_UMASK = _read_umask()


def _atomic_write(path: Path, write) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(temp)
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600; reports are for sharing
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_results(directory: Path, stem: str, data: Mapping[str, Any], frame: pd.DataFrame | None = None) -> list[Path]:
    """``<stem>.json`` (and ``<stem>.parquet`` for ``frame``) in ``directory``; returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    json_path = directory / f"{stem}.json"
    text = json.dumps(plain({"schema_version": SCHEMA_VERSION, **data}), indent=2, sort_keys=False)
    _atomic_write(json_path, lambda p: Path(p).write_text(text + "\n", encoding="utf-8"))
    written.append(json_path)
    if frame is not None:
        parquet_path = directory / f"{stem}.parquet"
        _atomic_write(parquet_path, lambda p: _parquet_ready(frame).to_parquet(p, index=True))
        written.append(parquet_path)
    return written


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, (tuple, list))).any():
            out[column] = out[column].map(lambda v: "; ".join(v) if isinstance(v, (tuple, list)) else v)
    return out


def catalog_dates() -> dict[str, Any]:
    prices = load_price_catalog()
    engines = engine_catalog()
    first, last = prices.date_range
    return {"price_catalog": {"path": "cost_model/data/prices.csv", "effective_from": first, "effective_to": last},
            "engine_catalog": {"path": "infrakit/data/aurora_postgresql.yaml",
                               "snapshot_date": engines.snapshot_date.isoformat()}}


def _config_summary(trade_offs: TradeOffs, config_id: int) -> dict[str, Any]:
    row = trade_offs.row(config_id)
    return {
        "config_id": int(config_id),
        "description": describe(trade_offs.config(config_id)),
        "keys": {k: plain(row[k]) for k in VARIED_KEYS},
        "monthly_usd": plain(round(float(row["monthly_usd"]), 2)),
        "horizon_usd": plain(round(float(row["horizon_usd"]), 2)),
        "egress_outage_hours_per_year": plain(round(float(row["egress_outage_hours_per_year"]), 4)),
        "db_outage_hours_per_year": plain(round(float(row["db_outage_hours_per_year"]), 4)),
        "valid": bool(row["valid"]),
        "reasons": list(row["reasons"]),
        "meets_constraints": bool(row["meets_constraints"]),
    }


def trade_offs_summary(trade_offs: TradeOffs, curves: TrafficCurves, timings_s: Mapping[str, float]) -> dict[str, Any]:
    table = trade_offs.table
    return {
        "notebook": "trade_offs",
        "scenario": trade_offs.scenario["name"],
        "region": trade_offs.scenario["region"],
        "horizon_months": trade_offs.scenario["horizon_months"],
        "start_date": trade_offs.scenario["start_date"],
        "configurations": len(table),
        "valid": int(table["valid"].sum()),
        "meet_constraints": int(table["meets_constraints"].sum()),
        "varied": trade_offs.axes,
        "reason": trade_offs.reason,
        "recommended": None if trade_offs.recommended is None else _config_summary(trade_offs, trade_offs.recommended),
        "as_given": _config_summary(trade_offs, trade_offs.as_given),
        "crossovers": curves.crossovers.to_dict(orient="records"),
        "catalogs": catalog_dates(),
        "assumptions": assumptions(trade_offs.scenario),
        "scenario_keys": trade_offs.scenario,
        "timings_s": {k: round(v, 3) for k, v in timings_s.items()},
    }


def decision_summary(choice, steps, timings_s: Mapping[str, float]) -> dict[str, Any]:
    return {
        "notebook": "decision",
        "scenario": choice.scenario["name"],
        "choice": choice.to_json(),
        "steps": {step.name: step.to_json() for step in steps if step is not None},
        "timings_s": {k: round(v, 3) for k, v in timings_s.items()},
    }
