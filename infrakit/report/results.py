"""Results the notebooks leave beside the executed notebook: JSON for the runner and the
index page, Parquet for anyone who wants the tables. Written atomically (temp file, then
``os.replace``) so a reader never sees half a file. No scrapbook: plain files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from cost_model import load_price_catalog
from cost_model.availability import assumptions
from infrakit.core.catalogs import engine_catalog
from infrakit.core.files import plain, write_atomic, write_json_atomic
from infrakit.core.paths import INTERACTIVE_RESULTS_DIR, PROJECT_ROOT
from infrakit.report.explain import decision_rule
from infrakit.report.sensitivity import Sensitivity, inputs_frame
from infrakit.report.status import Verdict, run_verdict
from infrakit.report.trade_offs import PARETO_DEFINITION, VARIED_KEYS, TradeOffs, TrafficCurves, describe

SCHEMA_VERSION = 1
INTERACTIVE_DIR = INTERACTIVE_RESULTS_DIR


def papermill_cli_output_path() -> Path | None:
    """The output notebook of the ``papermill`` command that started this kernel, read from the
    parent process's command line (Linux ``/proc``); None when there is none, it is not a
    local file (``-`` or a URL), or the platform has no ``/proc``."""
    try:
        ppid = os.getppid()
        args = [a.decode() for a in Path(f"/proc/{ppid}/cmdline").read_bytes().split(b"\0") if a]
        parent_cwd = Path(os.readlink(f"/proc/{ppid}/cwd"))
    except (OSError, UnicodeDecodeError):
        return None
    rest = None
    for i, arg in enumerate(args):
        if Path(arg).name == "papermill":
            rest = args[i + 1:]
            break
        if arg == "-m" and args[i + 1:i + 2] == ["papermill"]:
            rest = args[i + 2:]
            break
    if rest is None:
        return None
    try:
        from papermill.cli import papermill as command

        output = command.make_context("papermill", rest, resilient_parsing=True).params.get("output_path")
    except Exception:  # noqa: BLE001 - any parse failure: we just do not know
        return None
    if not output or output == "-" or "://" in output:
        return None
    return parent_cwd / output


def _inside_checkout(path: Path) -> bool:
    try:
        path.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        return False
    return True


def results_dir(requested: str, namespace: Mapping[str, Any] | None = None) -> Path:
    """Where a notebook writes, first that applies:

    1. ``requested`` (the ``results_dir`` parameter; the runner sets it);
    2. beside the executed notebook: papermill's ``--inject-output-path``, else the output
       path of the ``papermill`` command line that started this kernel;
    3. beside the notebook opened in Jupyter (``JPY_SESSION_NAME``) when it is not in the checkout;
    4. ``reports/interactive`` (git-ignored): never the working directory, which may be the
       checkout or any unrelated folder.
    """
    if requested:
        path = Path(requested)
    else:
        beside = Path(str(namespace["PAPERMILL_OUTPUT_PATH"])) if namespace and namespace.get(
            "PAPERMILL_OUTPUT_PATH") else papermill_cli_output_path()
        session = os.environ.get("JPY_SESSION_NAME")
        if beside is None and session and not _inside_checkout(Path(session)):
            beside = Path(session)
        path = beside.parent if beside is not None else INTERACTIVE_DIR
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
        "pareto": bool(row["pareto"]),
        "az_loss": {"egress": str(row["az_loss_egress"]), "database": str(row["az_loss_database"]),
                    "load_balancer": str(row["az_loss_alb"])},
    }


def trade_offs_summary(trade_offs: TradeOffs, curves: TrafficCurves, timings_s: Mapping[str, float], *,
                       sensitivity: Sensitivity | None = None) -> dict[str, Any]:
    table = trade_offs.table
    data = {
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
        "decision_rule": decision_rule(trade_offs),
        "pareto_definition": PARETO_DEFINITION,
        "recommended": None if trade_offs.recommended is None else _config_summary(trade_offs, trade_offs.recommended),
        "as_given": _config_summary(trade_offs, trade_offs.as_given),
        "crossovers": curves.crossovers.to_dict(orient="records"),
        "traffic_range_gb": [0.0, float(curves.traffic_gb.max())],
        "catalogs": catalog_dates(),
        "assumptions": assumptions(trade_offs.scenario),
        "inputs": inputs_frame(trade_offs.scenario).to_dict(orient="records"),
        "scenario_keys": trade_offs.scenario,
        "timings_s": {k: round(v, 3) for k, v in timings_s.items()},
    }
    if sensitivity is not None:
        data["sensitivity"] = sensitivity_summary(sensitivity)
    return data


def sensitivity_summary(sens: Sensitivity) -> dict[str, Any]:
    return {"decided": sens.decided_description, "spread": sens.spread, "monthly_usd": sens.monthly_usd,
            "keys": sens.table.to_dict(orient="records"), "changes_recommendation": sens.changes_recommendation,
            "aurora_io": sens.io.to_json() | {"io_optimized_allowed": sens.io_optimized_allowed}}


def decision_summary(choice, steps, timings_s: Mapping[str, float], verdict: Verdict | None = None) -> dict[str, Any]:
    data = {
        "notebook": "decision",
        "scenario": choice.scenario["name"],
        "start_date": choice.scenario["start_date"],  # must be the trade-offs' (infrakit.report.status)
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
