"""Sensitivity of the decision: each usage key and each assumption moved one at a time over a
range (±50 % by default) around the decided configuration, with what it does to the monthly
cost and whether the recommendation changes; the Aurora I/O-Optimized break-even; the NAT
layouts' crossovers.

Every variant of the study (the whole grid of NAT layout x AZs x engine x storage x readers,
with one key moved) is stacked into one frame and priced by one ``cost_model.sweep_frame``
call; ``cost_model.sensitivity.recommend_by_group`` applies the recommendation rule per variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cost_model import sweep_frame
from cost_model.sensitivity import IoBreakEven, aurora_io_break_even, recommend_by_group
from infrakit.core.schema import ASSUMPTION_KEYS, FIELDS, FIELDS_BY_NAME, USAGE_KEYS, defaults, deployability_problems
from infrakit.report.trade_offs import VARIED_KEYS, TradeOffs, TrafficCurves, describe

DEFAULT_SPREAD = 0.5
SCENARIO_COLUMNS = tuple(f.name for f in FIELDS)


def moved_keys() -> tuple[str, ...]:
    """What the analysis moves: every usage key, then every assumption."""
    return (*USAGE_KEYS, *ASSUMPTION_KEYS)


# What the figures rest on besides the configuration, shown with their values in the report.
INPUT_ROLES = ("usage", "assumption", "horizon", "constraint")


def inputs_frame(scenario: dict) -> pd.DataFrame:
    """Every usage key (and log retention, which prices log storage), assumption, horizon and
    constraint key: its value, its default, whether the value is the default, and its meaning."""
    default = defaults()
    keys = [f for f in FIELDS if f.role in INPUT_ROLES or f.group == "usage"]
    order = {role: i for i, role in enumerate(INPUT_ROLES)}
    keys.sort(key=lambda f: order.get(f.role if f.role in order else "usage", 0))
    return pd.DataFrame({
        "kind": [f.role if f.role in order else "usage" for f in keys],
        "key": [f.name for f in keys],
        "value": [_shown(scenario[f.name]) for f in keys],
        "default": [_shown(default[f.name]) for f in keys],
        "is_default": [scenario[f.name] == default[f.name] for f in keys],
        "meaning": [f.help for f in keys],
    })


def _shown(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:,g}"
    return str(value)


def _bounded(key: str, value: float) -> float:
    spec = FIELDS_BY_NAME[key]
    if spec.maximum is not None:
        value = min(value, float(spec.maximum))
    if spec.minimum is not None:
        value = max(value, float(spec.minimum))
    return value


@dataclass(frozen=True)
class Sensitivity:
    """``table``: one row per moved key (see ``analyse``); ``io``: the I/O-Optimized break-even
    of the decided configuration; ``crossovers``: the NAT layouts' crossovers around it."""

    decided: dict
    decided_description: str
    spread: float
    monthly_usd: float
    table: pd.DataFrame
    io: IoBreakEven
    io_optimized_allowed: bool
    crossovers: pd.DataFrame
    traffic_gb: float

    @property
    def changes_recommendation(self) -> list[str]:
        return list(self.table.loc[self.table["recommendation_changes"], "key"])


def _variants(scenario: dict, spread: float) -> list[tuple[str, str, float]]:
    """(key, side, value) for every moved key whose value can move (not 0)."""
    out = []
    for key in moved_keys():
        value = float(scenario[key])
        if value == 0:
            continue
        out += [(key, "low", _bounded(key, value * (1 - spread))), (key, "high", _bounded(key, value * (1 + spread)))]
    return out


def _recommendation_keys(table: pd.DataFrame, config_index: int | None) -> tuple | None:
    return None if config_index is None else tuple(table.loc[config_index, k] for k in VARIED_KEYS)


def analyse(study: TradeOffs, decided_id: int, *, spread: float = DEFAULT_SPREAD,
            curves: TrafficCurves | None = None) -> Sensitivity:
    """Move each of ``moved_keys()`` to ``value x (1 - spread)`` and ``value x (1 + spread)``
    (within the key's limits; keys at 0 are not moved) with everything else as in the study."""
    if not 0 < spread < 1:
        raise ValueError(f"spread must be between 0 and 1 (exclusive), got {spread!r}")
    frame = study.table[list(SCENARIO_COLUMNS)]
    n = len(frame)
    position = frame.index.get_loc(decided_id)
    variants = _variants(study.scenario, spread)
    blocks = [frame]
    for key, _, value in variants:
        block = frame.copy()
        block[key] = np.full(n, value, dtype=float)
        blocks.append(block)
    stacked = pd.concat(blocks, ignore_index=True)
    stacked.index.name = "config_id"
    result = sweep_frame(stacked)
    table = result.table
    groups = np.repeat(np.arange(len(blocks)), n)
    picks = recommend_by_group(table, groups)
    base_pick = _recommendation_keys(table, picks[0])
    monthly = table["monthly_usd"].to_numpy()
    egress = table["egress_outage_hours_per_year"].to_numpy()
    base_monthly = float(monthly[position])
    by_key: dict[str, dict] = {}
    for block, (key, side, value) in enumerate(variants, start=1):
        row = by_key.setdefault(key, {"key": key, "kind": FIELDS_BY_NAME[key].role, "value": float(study.scenario[key])})
        pick = _recommendation_keys(table, picks[block])
        row[f"{side}_value"] = value
        row[f"monthly_{side}_usd"] = float(monthly[block * n + position])
        row[f"egress_h_{side}"] = float(egress[block * n + position])
        row[f"recommendation_{side}"] = ("unchanged" if pick == base_pick else
                                         "none meets the constraints" if pick is None else
                                         describe(dict(zip(VARIED_KEYS, pick, strict=True))))
    rows = []
    default = defaults()
    for key in moved_keys():
        if key not in by_key:
            rows.append({"key": key, "kind": FIELDS_BY_NAME[key].role, "value": 0.0, "low_value": 0.0,
                         "high_value": 0.0, "monthly_low_usd": base_monthly, "monthly_high_usd": base_monthly,
                         "egress_h_low": float(egress[position]), "egress_h_high": float(egress[position]),
                         "recommendation_low": "unchanged (0: not moved)", "recommendation_high": "unchanged (0: not moved)"})
        else:
            rows.append(by_key[key])
    out = pd.DataFrame(rows)
    out["is_default"] = [study.scenario[k] == default[k] for k in out["key"]]
    out["delta_low_usd"] = out["monthly_low_usd"] - base_monthly
    out["delta_high_usd"] = out["monthly_high_usd"] - base_monthly
    out["swing_usd"] = (out["delta_high_usd"] - out["delta_low_usd"]).abs()
    out["recommendation_changes"] = ~(out["recommendation_low"].str.startswith("unchanged")
                                      & out["recommendation_high"].str.startswith("unchanged"))
    out = out.sort_values(["swing_usd", "recommendation_changes"], ascending=False, kind="stable", ignore_index=True)
    decided = study.config(decided_id)
    io_ok = not any("io_optimized" in p for p in deployability_problems({**decided, "storage_type": "io_optimized"}))
    return Sensitivity(decided=decided, decided_description=describe(decided), spread=spread, monthly_usd=base_monthly,
                       table=out, io=aurora_io_break_even(decided), io_optimized_allowed=io_ok,
                       crossovers=curves.crossovers if curves is not None else pd.DataFrame(),
                       traffic_gb=float(decided["nat_data_gb_per_month"]))
