"""Sweep a grid of configurations: price, assess, check validity, find the Pareto frontier
and recommend the cheapest valid configuration that meets the constraints.

A configuration that cannot be built or priced stays in the result, marked invalid with
its reasons; it never aborts the sweep and its cost shows as missing, never as $0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cost_model.availability import assess
from cost_model.catalog import PriceCatalog
from cost_model.pricing import PricedBill, price_bill
from cost_model.quantities import bill_from_scenarios
from cost_model.scenarios import frame_from_grid
from infrakit.core.schema import RULES, Grid


@dataclass(frozen=True)
class SweepResult:
    """``table``: one row per configuration; ``recommended``: its config_id or None;
    ``reason``: the recommendation in words."""

    table: pd.DataFrame
    priced: PricedBill
    recommended: int | None
    reason: str
    varied_keys: tuple[str, ...]


def _group_ids(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    if len(keys) == 1 and isinstance(frame[keys[0]].dtype, pd.CategoricalDtype):
        codes = np.asarray(frame[keys[0]].array.codes, dtype=np.int64)
        return codes + 1  # -1 (None) becomes group 0
    return frame.groupby(keys, observed=True, dropna=False, sort=False).ngroup().to_numpy()


def _row_value(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def rule_reasons(frame: pd.DataFrame) -> list[np.ndarray]:
    """Per rule, an object array of problem sentences (None where the rule passes).

    Each rule runs once per distinct combination of the keys it reads, not once per row.
    """
    out = []
    for rule in RULES:
        keys = list(rule.keys)
        ids = _group_ids(frame, keys)
        unique_ids, first_rows = np.unique(ids, return_index=True)
        messages = np.empty(unique_ids.max() + 1 if len(unique_ids) else 0, dtype=object)
        sample = frame[keys].iloc[first_rows]
        for group, values in zip(unique_ids, sample.itertuples(index=False, name=None), strict=True):
            messages[group] = rule.check({k: _row_value(v) for k, v in zip(keys, values, strict=True)})
        out.append(messages[ids])
    return out


def _price_reasons(priced: PricedBill) -> np.ndarray:
    """Per row, which prices are missing, in words (None where all are present).

    Rows are grouped by region and by the exact usage types they lack (one line can use
    different usage types per row: the instance class, the storage type), so each row's
    text names its own missing prices, and the text is built once per group.
    """
    reasons = np.full(len(priced), None, dtype=object)
    bad_rows = np.flatnonzero(~priced.priceable)
    if len(bad_rows) == 0:
        return reasons
    # One integer key per row: region, then which usage type each line lacks (mixed radix,
    # over the lines that lack a price anywhere), so np.unique runs on a flat array.
    region = pd.Categorical(priced.bill["region"])
    missing = priced.missing[bad_rows]
    columns = [np.asarray(region.codes, dtype=np.int64)[bad_rows]]
    radices = [len(region.categories)]
    for column in np.flatnonzero(missing.any(axis=0)):
        component = priced.priced[column]
        columns.append(np.where(missing[:, column], component.usage_type_index[bad_rows] + 1, 0))
        radices.append(len(component.component.usage_types) + 1)
    if np.prod(np.array(radices, dtype=float)) < 2.0**62:
        keys = columns[0]
        for values, radix in zip(columns[1:], radices[1:], strict=True):
            keys = keys * radix + values
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:  # too many combinations for one integer: unique rows instead (slower, same result)
        _, first, inverse = np.unique(np.column_stack(columns), axis=0, return_index=True, return_inverse=True)
    texts = [priced.missing_reason(row) for row in bad_rows[first]]
    reasons[bad_rows] = np.array(texts, dtype=object)[inverse.ravel()]
    return reasons


def pareto_frontier(monthly_usd: np.ndarray, risk: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Bool mask of eligible rows no other eligible row beats on both cost and risk."""
    on_frontier = np.zeros(len(monthly_usd), dtype=bool)
    rows = np.flatnonzero(eligible)
    if len(rows) == 0:
        return on_frontier
    order = rows[np.lexsort((risk[rows], monthly_usd[rows]))]
    best_risk = np.inf
    for row in order:  # frontier points are few; the loop exits early per cost level
        if risk[row] < best_risk:
            on_frontier[row] = True
            best_risk = risk[row]
    return on_frontier


def sweep_frame(frame: pd.DataFrame, *, catalog: PriceCatalog | None = None,
                varied_keys: tuple[str, ...] = ()) -> SweepResult:
    """Sweep a frame of scenarios (see ``cost_model.scenarios``)."""
    priced = price_bill(bill_from_scenarios(frame), catalog)
    availability = assess(frame)
    per_rule = rule_reasons(frame) + [_price_reasons(priced)]
    stacked = np.column_stack(per_rule)
    has_problem = np.not_equal(stacked, None)
    valid = ~has_problem.any(axis=1)
    reasons = np.empty(len(frame), dtype=object)
    reasons.fill(())
    for row in np.flatnonzero(~valid):
        reasons[row] = tuple(stacked[row][has_problem[row]])

    monthly = priced.monthly_usd
    budget = frame["budget_usd_per_month"].astype(float).to_numpy()
    # Compare in cents, as shown: a $487.23 budget admits a $487.2331 configuration.
    within_budget = np.isnan(budget) | (np.round(monthly, 2) <= budget)
    egress_ok = ~frame["egress_must_survive_az_loss"].to_numpy(dtype=bool) | \
        availability["egress_survives_az_loss"].to_numpy()
    meets = valid & within_budget & egress_ok
    risk = availability["egress_outage_hours_per_year"].to_numpy()
    frontier = pareto_frontier(monthly, risk, valid)

    table = frame.copy()
    table["monthly_usd"] = monthly
    table["horizon_usd"] = priced.horizon_usd
    table = pd.concat([table, availability], axis=1)
    table["valid"] = valid
    table["reasons"] = reasons
    table["meets_constraints"] = meets
    table["pareto"] = frontier
    recommended, reason = _recommend(table, meets, valid, within_budget, egress_ok, varied_keys)
    table["recommended"] = False
    if recommended is not None:
        table.loc[recommended, "recommended"] = True
    return SweepResult(table=table, priced=priced, recommended=recommended, reason=reason,
                       varied_keys=varied_keys)


def sweep(grid: Grid, *, catalog: PriceCatalog | None = None) -> SweepResult:
    """Sweep every configuration of ``grid``."""
    return sweep_frame(frame_from_grid(grid), catalog=catalog, varied_keys=tuple(grid.axes))


def describe_config(row: pd.Series, keys) -> str:
    keys = keys or ("nat_strategy", "az_count", "engine_version", "storage_type", "reader_count")
    return ", ".join(f"{k}={row[k]}" for k in keys)


def _standard_support_end_ordinal(versions: pd.Series) -> np.ndarray:
    """End of standard support per row as a day number (0 when the major is not in the catalog)."""
    from infrakit.core.catalogs import engine_catalog

    majors = engine_catalog().majors
    codes, uniques = pd.factorize(versions.astype(str))
    per_unique = np.array([majors[v.split(".")[0]].end_of_standard_support.toordinal()
                           if v.split(".")[0] in majors else 0 for v in uniques], dtype=np.int64)
    return per_unique[codes] if len(uniques) else np.zeros(len(versions), dtype=np.int64)


def _recommend(table, meets, valid, within_budget, egress_ok, varied_keys):
    n = len(table)
    monthly = table["monthly_usd"].to_numpy()
    risk = table["egress_outage_hours_per_year"].to_numpy()
    horizon = table["horizon_usd"].to_numpy()
    candidates = np.flatnonzero(meets)
    if len(candidates) == 0:
        parts = [f"No configuration of {n} is valid and meets the constraints:"]
        parts.append(f"{int((~valid).sum())} invalid")
        if (valid & ~within_budget).any():
            cheapest = np.nanmin(np.where(valid, monthly, np.nan))
            parts.append(f"{int((valid & ~within_budget).sum())} over budget (cheapest valid: ${cheapest:,.2f}/month)")
        if (valid & ~egress_ok).any():
            parts.append(f"{int((valid & ~egress_ok).sum())} lose egress in every AZ when one AZ fails")
        if (~valid).any():
            first_invalid = np.flatnonzero(~valid)[0]
            parts.append(f"e.g. {'; '.join(table['reasons'].iloc[first_invalid])}")
        return None, parts[0] + " " + "; ".join(parts[1:]) + "."
    # Ties on cost, risk and horizon go to the major that stays in standard support longest: with a
    # short horizon, 15.x and 17.x can cost the same, and the older one only defers an upgrade.
    support_end = _standard_support_end_ordinal(table["engine_version"])
    order = candidates[np.lexsort((-support_end[candidates], horizon[candidates], risk[candidates],
                                   monthly[candidates]))]
    best = int(order[0])
    row = table.iloc[best]
    text = [f"Recommended: {describe_config(row, varied_keys)} at ${monthly[best]:,.2f}/month "
            f"(${horizon[best]:,.2f} over {int(row['horizon_months'])} months), the cheapest of "
            f"{len(candidates)} configurations that are valid and meet the constraints."]
    text.append(f"Expected egress loss: {risk[best]:.2f} h/year under the stated AZ-outage assumptions.")
    cheaper_invalid = np.flatnonzero(~valid & ~np.isnan(monthly) & (monthly < monthly[best]))
    cheaper_rejected = np.flatnonzero(valid & ~meets & (monthly < monthly[best]))
    if len(cheaper_rejected):
        r = int(cheaper_rejected[np.argmin(monthly[cheaper_rejected])])
        why = []
        if not within_budget[r]:
            why.append("over budget")
        if not egress_ok[r]:
            why.append("egress would not survive an AZ loss")
        text.append(f"Cheaper but rejected: {describe_config(table.iloc[r], varied_keys)} at "
                    f"${monthly[r]:,.2f}/month ({', '.join(why)}).")
    if len(cheaper_invalid):
        r = int(cheaper_invalid[np.argmin(monthly[cheaper_invalid])])
        text.append(f"Cheaper but invalid: {describe_config(table.iloc[r], varied_keys)} at "
                    f"${monthly[r]:,.2f}/month ({'; '.join(table['reasons'].iloc[r])}).")
    return best, " ".join(text)
