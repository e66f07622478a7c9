"""Results the notebooks leave beside the executed notebook: JSON for the runner and the
index page, Parquet for anyone who wants the tables. Written atomically (temp file, then
``os.replace``) so a reader never sees half a file. No scrapbook: plain files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from cost_model import load_price_catalog
from cost_model.availability import assumptions
from infrakit.core.catalogs import engine_catalog
from infrakit.core.files import plain, write_atomic, write_json_atomic
from infrakit.core.paths import INTERACTIVE_RESULTS_DIR, NOTEBOOK_DIR
from infrakit.report.status import Verdict, run_verdict
from infrakit.report.trade_offs import VARIED_KEYS, TradeOffs, TrafficCurves, describe

SCHEMA_VERSION = 1
INTERACTIVE_DIR = INTERACTIVE_RESULTS_DIR


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


def write_results(directory: Path, stem: str, data: Mapping[str, Any], frame: pd.DataFrame | None = None) -> list[Path]:
    """``<stem>.json`` (and ``<stem>.parquet`` for ``frame``) in ``directory``; returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    json_path = directory / f"{stem}.json"
    write_json_atomic(json_path, {"schema_version": SCHEMA_VERSION, **data})
    written.append(json_path)
    if frame is not None:
        parquet_path = directory / f"{stem}.parquet"
        write_atomic(parquet_path, lambda p: _parquet_ready(frame).to_parquet(p, index=True))
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


def decision_summary(choice, steps, timings_s: Mapping[str, float], verdict: Verdict | None = None) -> dict[str, Any]:
    data = {
        "notebook": "decision",
        "scenario": choice.scenario["name"],
        "choice": choice.to_json(),
        "steps": {step.name: step.to_json() for step in steps if step is not None},
        "timings_s": {k: round(v, 3) for k, v in timings_s.items()},
    }
    if verdict is not None:
        data["verdict"] = verdict.to_json()
    return data


def decision_verdict(trade_offs: TradeOffs, choice, steps) -> Verdict:
    """The run's status (``infrakit.report.status``) from what the decision notebook holds, by
    the same rules the runner applies to the results files."""
    trade = {"recommended": None if trade_offs.recommended is None else _config_summary(trade_offs,
                                                                                       trade_offs.recommended),
             "as_given": _config_summary(trade_offs, trade_offs.as_given),
             "scenario_keys": trade_offs.scenario}
    return run_verdict(plain(trade), plain(decision_summary(choice, steps, {})))
