"""The trade-off study behind a report: a sweep around one scenario, and the numbers the
charts and tables show. Every figure comes from ``cost_model`` (sweep, availability); this
module only chooses what to vary and reshapes the results.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cost_model import sweep
from cost_model.components import EGRESS_GROUPS
from cost_model.pricing import PricedBill
from cost_model.scenarios import scenario_from_row
from cost_model.sweep import CONFIG_KEYS, SweepResult, standard_support_end
from infrakit.core.catalogs import engine_catalog, region_catalog, version_key
from infrakit.core.schema import NAT_STRATEGIES, validate_grid

# The keys the study varies, in the order a configuration is described.
VARIED_KEYS = CONFIG_KEYS
# The dimensions the recommendation weighs (cost_model.sweep: cheapest first month, ties to the
# lower egress risk, then the lower horizon cost): the report's Pareto frontier is over these.
PARETO_DEFINITION = ("Pareto frontier: no other valid configuration is at least as good on first-month cost, cost "
                     "over the horizon and expected egress hours, and better on one of them.")

def engine_versions_to_compare(scenario: dict[str, Any]) -> list[str]:
    """The given version plus, per major still in standard support at the start date, its LTS
    minor (else its latest creatable minor), oldest first."""
    catalog = engine_catalog()
    start = dt.date.fromisoformat(scenario["start_date"])
    picks = {scenario["engine_version"]}
    for major, spec in catalog.majors.items():
        if spec.end_of_standard_support < start:
            continue
        available = catalog.available_in_major(major)
        if not available:
            continue
        lts = [m for m in available if m.lts]
        picks.add((lts[-1] if lts else available[-1]).version)
    return sorted(picks, key=version_key)


def study_axes(scenario: dict[str, Any]) -> dict[str, list[Any]]:
    """What the study varies around ``scenario``.

    reader_count: the file's value is a floor (readers are there for database failover), so
    the study shows what one more costs rather than suggesting fewer.
    """
    max_azs = len(region_catalog()[scenario["region"]].availability_zones)
    az_counts = sorted({2, min(3, max_azs), scenario["az_count"]})
    readers = sorted({scenario["reader_count"], min(scenario["reader_count"] + 1, 15)})
    return {
        "nat_strategy": list(NAT_STRATEGIES),
        "az_count": az_counts,
        "engine_version": engine_versions_to_compare(scenario),
        "storage_type": ["standard", "io_optimized"],
        "reader_count": readers,
    }


def describe(config: dict[str, Any]) -> str:
    """A configuration in a few words: "single NAT, 2 AZs, Aurora 17.7 standard, 0 readers"."""
    readers = config["reader_count"]
    return (f"{config['nat_strategy']} NAT, {config['az_count']} AZs, Aurora {config['engine_version']} "
            f"{config['storage_type']}, {readers} reader{'s' if readers != 1 else ''}")


def short_label(config: dict[str, Any]) -> str:
    storage = "io-opt" if config["storage_type"] == "io_optimized" else "std"
    return (f"{config['nat_strategy']}\n{config['az_count']} AZ · {config['engine_version']}\n"
            f"{storage} · {config['reader_count']}r")


@dataclass(frozen=True)
class TradeOffs:
    """The study of one scenario. ``as_given`` and ``recommended`` are config ids in the sweep."""

    scenario: dict[str, Any]
    result: SweepResult
    as_given: int
    recommended: int | None
    duration_s: float
    axes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        return self.result.table

    @property
    def reason(self) -> str:
        return self.result.reason

    @property
    def base_id(self) -> int:
        """The configuration the report's details are about: the recommended one, else (when
        nothing meets the constraints) the configuration as given."""
        return self.recommended if self.recommended is not None else self.as_given

    def decided_id(self, decide: str = "recommended") -> int:
        """The configuration the decision ships: the file's own with ``decide: as_given``, else
        ``base_id`` (what ``infrakit.report.decision.choose`` picks)."""
        return self.as_given if decide == "as_given" else self.base_id

    def config(self, config_id: int) -> dict[str, Any]:
        """The full scenario of one configuration of the sweep."""
        return scenario_from_row(self.table, self.table.index.get_loc(config_id))

    def row(self, config_id: int) -> pd.Series:
        return self.table.loc[config_id]


def study(scenario: dict[str, Any]) -> TradeOffs:
    """Sweep ``VARIED_KEYS`` around ``scenario`` (see ``study_axes``). The table's ``pareto``
    column is the sweep's frontier over ``PARETO_DIMENSIONS``."""
    start = time.perf_counter()
    axes = study_axes(scenario)
    raw = {k: v for k, v in scenario.items() if k not in axes} | axes
    result = sweep(validate_grid(raw, source="trade-off study"))
    table = result.table
    mask = np.ones(len(table), dtype=bool)
    for key in axes:
        mask &= (table[key] == scenario[key]).to_numpy()
    as_given = int(table.index[np.flatnonzero(mask)[0]])
    return TradeOffs(scenario=scenario, result=result, as_given=as_given, recommended=result.recommended,
                     duration_s=time.perf_counter() - start, axes=axes)


def component_costs(priced: PricedBill) -> pd.DataFrame:
    """First-month cost per configuration (rows) and component group (columns: group ids of
    ``cost_model.components.GROUPS``), in USD; NaN where a price is missing."""
    return priced.by_group(0)


def cheapest_table(trade_offs: TradeOffs, *, limit: int = 10) -> pd.DataFrame:
    """The cheapest configurations that meet the constraints (valid, within budget, egress as
    required), then the recommended and the as-given rows when they are not among them, each
    marked in ``note``. Sorted as the recommendation ranks them."""
    table = trade_offs.table
    meets = table[table["meets_constraints"]]
    ranked = meets.assign(_support=-standard_support_end(meets["engine_version"])).sort_values(
        ["monthly_usd", "egress_outage_hours_per_year", "horizon_usd", "_support"], kind="stable")
    ids = [int(i) for i in ranked.index[:limit]]
    for extra in (trade_offs.recommended, trade_offs.as_given):
        if extra is not None and extra not in ids:
            ids.append(int(extra))
    shown = table.loc[ids]

    def note(config_id: int) -> str:
        marks = []
        if config_id == trade_offs.recommended:
            marks.append("recommended")
        if config_id == trade_offs.as_given:
            marks.append("as given")
            row = table.loc[config_id]
            if not row["meets_constraints"]:
                marks.append("does not meet the constraints" if row["valid"] else "invalid: " + "; ".join(row["reasons"]))
        return ", ".join(marks)

    return pd.DataFrame({
        "configuration": [describe(trade_offs.config(i)) for i in ids],
        "monthly_usd": shown["monthly_usd"].round(2).to_numpy(),
        f"{trade_offs.scenario['horizon_months']}_months_usd": shown["horizon_usd"].round(2).to_numpy(),
        "egress_lost_h_per_year": shown["egress_outage_hours_per_year"].round(2).to_numpy(),
        "pareto_frontier": shown["pareto"].to_numpy(),
        "note": [note(i) for i in ids],
    }, index=pd.Index(ids, name="config_id"))


def invalid_table(trade_offs: TradeOffs) -> pd.DataFrame:
    """Why configurations were ruled out: each distinct reason and how many it hit."""
    invalid = trade_offs.table[~trade_offs.table["valid"]]
    counts = invalid["reasons"].map(lambda r: "; ".join(r)).value_counts()
    return pd.DataFrame({"configurations": counts.to_numpy(), "reason": counts.index.to_numpy()})


# ------------------------------------------------------------------------------------------
# NAT cost as traffic grows
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrafficCurves:
    """Egress-layout cost per NAT strategy over NAT traffic, and where the order changes."""

    traffic_gb: np.ndarray
    egress_usd: dict[str, np.ndarray]  # strategy -> first-month egress-layout cost per traffic point
    valid: dict[str, bool]  # strategy -> deployable as configured (none needs a private ECR image)
    crossovers: pd.DataFrame  # columns: traffic_gb_per_month, cheaper_below, cheaper_above, egress_usd
    given_traffic_gb: float
    base: dict[str, Any]


# How far the probe for crossovers looks (GB of NAT traffic per month): past this, a layout
# change is not a traffic question.
CROSSOVER_PROBE_MAX_GB = 1e6


def _egress_curves(base: dict[str, Any], traffic: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, bool]]:
    raw = {k: v for k, v in base.items() if k not in ("nat_strategy", "nat_data_gb_per_month")}
    raw |= {"nat_strategy": list(NAT_STRATEGIES), "nat_data_gb_per_month": [float(t) for t in traffic]}
    result = sweep(validate_grid(raw, source="traffic study"))
    costs = component_costs(result.priced)
    egress = costs[[g for g in EGRESS_GROUPS if g in costs]].sum(axis=1, skipna=False).to_numpy()
    table = result.table
    curves: dict[str, np.ndarray] = {}
    valid: dict[str, bool] = {}
    for strategy in NAT_STRATEGIES:
        rows = (table["nat_strategy"] == strategy).to_numpy()
        order = np.argsort(table["nat_data_gb_per_month"].to_numpy()[rows])
        curves[strategy] = egress[rows][order]
        valid[strategy] = bool(table["valid"].to_numpy()[rows].all())
    return curves, valid


def _nice_top(value: float) -> float:
    """``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    scale = 10 ** math.floor(math.log10(value))
    return next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= value)


def traffic_curves(base: dict[str, Any], *, max_traffic_gb: float | None = None, points: int = 121) -> TrafficCurves:
    """Sweep ``nat_strategy`` x ``nat_data_gb_per_month`` with the rest of ``base`` fixed.

    The egress cost is the part of the bill that belongs to the egress layout (NAT gateways,
    their addresses and cross-AZ hops, VPC endpoints); the rest of the bill is identical
    across layouts at a given traffic. Crossovers are where two curves meet, interpolated
    between sweep points (the costs are linear in traffic between points). Unless
    ``max_traffic_gb`` is given, the range is wide enough to hold every crossover up to
    ``CROSSOVER_PROBE_MAX_GB`` (a coarse probe finds them first).
    """
    given = float(base["nat_data_gb_per_month"])
    top = max_traffic_gb
    if top is None:
        top = max(2000.0, 20 * given)
        probe = np.unique(np.concatenate([[0.0], np.geomspace(1.0, CROSSOVER_PROBE_MAX_GB, 73)]))
        found = _crossovers(probe, _egress_curves(base, probe)[0])
        if len(found):
            top = max(top, 1.15 * float(found["traffic_gb_per_month"].max()))
        top = _nice_top(top)
    traffic = np.unique(np.concatenate([np.linspace(0.0, top, points), [given]]))
    curves, valid = _egress_curves(base, traffic)
    return TrafficCurves(traffic_gb=traffic, egress_usd=curves, valid=valid,
                         crossovers=_crossovers(traffic, curves), given_traffic_gb=given, base=base)


def _crossovers(traffic: np.ndarray, curves: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    names = list(curves)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diff = curves[a] - curves[b]
            for k in range(len(traffic) - 1):
                d0, d1 = diff[k], diff[k + 1]
                if np.isnan(d0) or np.isnan(d1) or d0 == d1 or np.sign(d0) == np.sign(d1) or d1 == 0:
                    continue
                x = traffic[k] + (traffic[k + 1] - traffic[k]) * d0 / (d0 - d1)
                y = curves[a][k] + (curves[a][k + 1] - curves[a][k]) * (x - traffic[k]) / (traffic[k + 1] - traffic[k])
                below, above = (b, a) if d0 > 0 else (a, b)
                rows.append({"traffic_gb_per_month": float(x), "cheaper_below": below, "cheaper_above": above,
                             "egress_usd": float(y)})
    frame = pd.DataFrame(rows, columns=["traffic_gb_per_month", "cheaper_below", "cheaper_above", "egress_usd"])
    return frame.sort_values("traffic_gb_per_month", ignore_index=True)


# ------------------------------------------------------------------------------------------
# Engine versions over time
# ------------------------------------------------------------------------------------------

def engine_timeline(trade_offs: TradeOffs, base_config_id: int | None = None) -> pd.DataFrame:
    """Per engine version in the study: its support phases and its projected cost over the
    horizon, with every other key as in ``base_config_id`` (default: recommended, else as given).
    """
    catalog = engine_catalog()
    table = trade_offs.table
    base_id = base_config_id if base_config_id is not None else trade_offs.base_id
    base = table.loc[base_id]
    same = np.ones(len(table), dtype=bool)
    for key in VARIED_KEYS:
        if key != "engine_version":
            same &= (table[key] == base[key]).to_numpy()
    rows = []
    for version in trade_offs.axes["engine_version"]:
        match = table[same & (table["engine_version"] == version).to_numpy()]
        spec = catalog.majors.get(catalog.major_of(version))
        if spec is None or match.empty:
            continue
        row = match.iloc[0]
        rows.append({
            "engine_version": version,
            "status": catalog.status(version),
            "released": spec.released,
            "end_of_standard_support": spec.end_of_standard_support,
            "extended_support_charges_start": spec.extended_support_charges_start,
            "extended_support_year3_start": spec.extended_support_year3_start,
            "year3_start_is_assumed": spec.year3_start_is_assumed,
            "end_of_extended_support": spec.end_of_extended_support,
            "monthly_usd": float(row["monthly_usd"]),
            "horizon_usd": float(row["horizon_usd"]),
            "valid": bool(row["valid"]),
        })
    return pd.DataFrame(rows)
