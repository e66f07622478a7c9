"""Sweep a grid of configurations: price, assess, check validity, find the Pareto frontier
and recommend the cheapest valid configuration that meets the constraints.

A configuration that cannot be built or priced stays in the result, marked invalid with
its reasons; it never aborts the sweep and its cost shows as missing, never as $0.

The work is split so that a grid too large to hold can be swept in chunks with the same
answer (``cost_model.streaming``): ``evaluate`` gives the per-row arrays of any frame (a whole
grid or an index range of one), ``table_of`` the rows, and the recommendation is computed
from ``RecommendationFacts`` by ``recommendation_reason``, which both the in-memory sweep and
the streamed one fill in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cost_model.availability import assess
from cost_model.catalog import PriceCatalog
from cost_model.pricing import PricedBill, price_bill
from cost_model.quantities import bill_from_scenarios
from cost_model.scenarios import frame_from_grid
from infrakit.core.files import plain
from infrakit.core.schema import RULES, Grid
from infrakit.core.text import money


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


def _rule_messages(frame: pd.DataFrame, rule) -> tuple[np.ndarray, np.ndarray]:
    """(group id per row, problem sentence per group or None) for one rule, checked once per
    distinct combination of the keys it reads."""
    keys = list(rule.keys)
    ids = _group_ids(frame, keys)
    unique_ids, first_rows = np.unique(ids, return_index=True)
    messages = np.empty(unique_ids.max() + 1 if len(unique_ids) else 0, dtype=object)
    sample = frame[keys].iloc[first_rows]
    for group, values in zip(unique_ids, sample.itertuples(index=False, name=None), strict=True):
        messages[group] = rule.check({k: _row_value(v) for k, v in zip(keys, values, strict=True)})
    return ids, messages


def _price_problems(priced: PricedBill) -> tuple[np.ndarray, list[str]]:
    """(code per row, texts): which prices each row lacks, in words; code 0 where all are present.

    Rows are grouped by region and by the exact usage types they lack (one line can use
    different usage types per row: the instance class, the storage type), so each row's
    text names its own missing prices, and the text is built once per group.
    """
    codes = np.zeros(len(priced), dtype=np.int64)
    bad_rows = np.flatnonzero(~priced.priceable)
    if len(bad_rows) == 0:
        return codes, []
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
    codes[bad_rows] = inverse.ravel() + 1
    return codes, texts


def _reason_combinations(frame: pd.DataFrame, priced: PricedBill) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """(combination per row, combinations): each row's problems in rule order, then its missing
    prices, as an index into the distinct tuples of problems (``()`` for a valid row).

    Built per distinct combination, not per row: a grid has few distinct sets of problems."""
    per_rule: list[tuple[np.ndarray, list]] = []
    for rule in RULES:
        ids, messages = _rule_messages(frame, rule)
        texts = list(dict.fromkeys(m for m in messages if m is not None))
        position = {t: i + 1 for i, t in enumerate(texts)}
        code_of_group = np.array([position.get(m, 0) if m is not None else 0 for m in messages], dtype=np.int64)
        per_rule.append((code_of_group[ids] if len(ids) else np.zeros(0, dtype=np.int64), texts))
    per_rule.append(_price_problems(priced))
    key = np.zeros(len(frame), dtype=np.int64)
    radix_product = 1.0
    for _codes, texts in per_rule:
        radix_product *= len(texts) + 1
    if radix_product < 2.0**62:
        for codes, texts in per_rule:
            key = key * (len(texts) + 1) + codes
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:
        stacked = np.column_stack([codes for codes, _ in per_rule])
        _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    combinations = [tuple(texts[codes[row] - 1] for codes, texts in per_rule if codes[row])
                    for row in first]
    return inverse.ravel(), combinations


@dataclass(frozen=True)
class Evaluation:
    """The per-row results of a frame of scenarios, from which a table or a summary is built."""

    frame: pd.DataFrame
    priced: PricedBill
    availability: pd.DataFrame
    combination: np.ndarray  # per row, an index into ``combinations``
    combinations: list[tuple[str, ...]]  # distinct tuples of problems; () is a valid row
    within_budget: np.ndarray
    egress_ok: np.ndarray

    def __len__(self) -> int:
        return len(self.frame)

    @functools.cached_property
    def valid(self) -> np.ndarray:
        return np.array([not c for c in self.combinations], dtype=bool)[self.combination] if len(self) else \
            np.zeros(0, dtype=bool)

    @functools.cached_property
    def reasons(self) -> np.ndarray:
        """Per row, the tuple of its problems (``()`` when valid)."""
        table = np.empty(len(self.combinations), dtype=object)
        table[:] = self.combinations
        return table[self.combination] if len(self) else np.empty(0, dtype=object)

    @property
    def meets(self) -> np.ndarray:
        return self.valid & self.within_budget & self.egress_ok

    @property
    def monthly(self) -> np.ndarray:
        return self.priced.monthly_usd

    @property
    def horizon(self) -> np.ndarray:
        return self.priced.horizon_usd

    @property
    def risk(self) -> np.ndarray:
        return self.availability["egress_outage_hours_per_year"].to_numpy()

    @functools.cached_property
    def support_end(self) -> np.ndarray:
        return standard_support_end(self.frame["engine_version"])

    def config_id(self, position: int) -> int:
        return int(self.frame.index[position])

    def rows(self, positions) -> list[dict[str, Any]]:
        """Rows at ``positions`` as plain dicts in the table's column order (``config_id``
        first; ``pareto`` and ``recommended`` are set by whoever knows them)."""
        out = []
        for position in np.asarray(positions, dtype=np.int64).tolist():
            record: dict[str, Any] = {"config_id": self.config_id(position)}
            for name in self.frame.columns:
                record[name] = self.frame[name].iat[position]
            record["monthly_usd"] = self.monthly[position]
            record["horizon_usd"] = self.horizon[position]
            for name in self.availability.columns:
                record[name] = self.availability[name].iat[position]
            record["valid"] = self.valid[position]
            record["reasons"] = list(self.reasons[position])
            record["meets_constraints"] = self.meets[position]
            out.append(plain(record))
        return out


def evaluate(frame: pd.DataFrame, catalog: PriceCatalog | None = None) -> Evaluation:
    """Price, assess and check every row of ``frame`` (see ``cost_model.scenarios``)."""
    priced = price_bill(bill_from_scenarios(frame), catalog)
    availability = assess(frame)
    combination, combinations = _reason_combinations(frame, priced)
    budget = frame["budget_usd_per_month"].astype(float).to_numpy()
    # Compare in cents, as shown: a $487.23 budget admits a $487.2331 configuration.
    within_budget = np.isnan(budget) | (np.round(priced.monthly_usd, 2) <= budget)
    egress_ok = ~frame["egress_must_survive_az_loss"].to_numpy(dtype=bool) | \
        availability["egress_survives_az_loss"].to_numpy()
    return Evaluation(frame=frame, priced=priced, availability=availability, combination=combination,
                      combinations=combinations, within_budget=within_budget, egress_ok=egress_ok)


def table_of(evaluation: Evaluation, positions: np.ndarray | None = None) -> pd.DataFrame:
    """The sweep's rows (every scenario key, the costs, availability, ``valid``, ``reasons``,
    ``meets_constraints``) for all rows or those at ``positions``; without ``pareto`` and
    ``recommended``, which depend on the whole grid."""
    ev = evaluation
    pick = slice(None) if positions is None else positions
    table = ev.frame.iloc[pick].copy()
    table["monthly_usd"] = ev.monthly[pick]
    table["horizon_usd"] = ev.horizon[pick]
    table = pd.concat([table, ev.availability.iloc[pick]], axis=1)
    table["valid"] = ev.valid[pick]
    table["reasons"] = ev.reasons[pick]
    table["meets_constraints"] = ev.meets[pick]
    return table


# What the recommendation weighs (first-month cost, then egress risk and horizon cost), so the
# frontier holds every configuration the decision could prefer and nothing it never would.
PARETO_DIMENSIONS = ("monthly_usd", "horizon_usd", "egress_outage_hours_per_year")
_PARETO_BLOCK = 512


def pareto_frontier(monthly_usd: np.ndarray, horizon_usd: np.ndarray, risk: np.ndarray,
                    eligible: np.ndarray) -> np.ndarray:
    """Bool mask: eligible rows that no other eligible row dominates on ``PARETO_DIMENSIONS``
    (at least as good on all three, better on one). Rows equal on all three are all on it.

    Rows are visited in lexicographic order, where a row can only be dominated by one before
    it, so each block of rows is checked against the frontier found so far and against the
    earlier rows of its own block: about (rows x frontier size) comparisons, vectorized.
    """
    on_frontier = np.zeros(len(monthly_usd), dtype=bool)
    rows = np.flatnonzero(np.asarray(eligible, dtype=bool))
    if len(rows) == 0:
        return on_frontier
    points = np.column_stack([np.asarray(monthly_usd, dtype=float)[rows], np.asarray(horizon_usd, dtype=float)[rows],
                              np.asarray(risk, dtype=float)[rows]])
    order = np.lexsort(points.T[::-1])
    points, rows = points[order], rows[order]
    frontier = np.empty((0, 3))
    for start in range(0, len(rows), _PARETO_BLOCK):
        block = points[start:start + _PARETO_BLOCK]
        survivors = np.flatnonzero(~_dominated_by(block, frontier))
        if len(survivors) > 1:  # within the block only an earlier row can dominate a later one
            candidates = block[survivors]
            inner = _dominance(candidates, candidates) & np.tri(len(survivors), k=-1, dtype=bool).T
            survivors = survivors[~inner.any(axis=0)]
        frontier = np.vstack([frontier, block[survivors]])
        on_frontier[rows[start:start + _PARETO_BLOCK][survivors]] = True
    return on_frontier


def _dominance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[i, j]: a[i] dominates b[j] (no worse on every dimension, better on one)."""
    no_worse = (a[:, None, :] <= b[None, :, :]).all(axis=2)
    better = (a[:, None, :] < b[None, :, :]).any(axis=2)
    return no_worse & better


def _dominated_by(points: np.ndarray, frontier: np.ndarray) -> np.ndarray:
    if len(frontier) == 0:
        return np.zeros(len(points), dtype=bool)
    return _dominance(frontier, points).any(axis=0)


def sweep_frame(frame: pd.DataFrame, *, catalog: PriceCatalog | None = None,
                varied_keys: tuple[str, ...] = ()) -> SweepResult:
    """Sweep a frame of scenarios (see ``cost_model.scenarios``)."""
    ev = evaluate(frame, catalog)
    table = table_of(ev)
    table["pareto"] = pareto_frontier(ev.monthly, ev.horizon, ev.risk, ev.valid)
    facts = recommendation_facts(ev)
    reason = recommendation_reason(facts, varied_keys)
    table["recommended"] = False
    recommended = None
    if facts.best is not None:
        recommended = int(facts.best["config_id"])
        table.loc[recommended, "recommended"] = True
    return SweepResult(table=table, priced=ev.priced, recommended=recommended, reason=reason,
                       varied_keys=varied_keys)


def sweep(grid: Grid, *, catalog: PriceCatalog | None = None) -> SweepResult:
    """Sweep every configuration of ``grid``."""
    return sweep_frame(frame_from_grid(grid), catalog=catalog, varied_keys=tuple(grid.axes))


# The keys that describe a configuration, in that order (a sweep that varies nothing is described
# by them); tables too narrow for all of them show the first three (TABLE_KEYS).
CONFIG_KEYS = ("nat_strategy", "az_count", "engine_version", "storage_type", "reader_count")
TABLE_KEYS = CONFIG_KEYS[:3]


def describe_config(row, keys) -> str:
    keys = keys or CONFIG_KEYS
    return ", ".join(f"{k}={row[k]}" for k in keys)


def standard_support_end(versions: pd.Series) -> np.ndarray:
    """End of standard support per row as a day number (0 when the major is not in the catalog)."""
    from infrakit.core.catalogs import engine_catalog

    majors = engine_catalog().majors
    codes, uniques = pd.factorize(versions.astype(str))
    per_unique = np.array([majors[v.split(".")[0]].end_of_standard_support.toordinal()
                           if v.split(".")[0] in majors else 0 for v in uniques], dtype=np.int64)
    return per_unique[codes] if len(uniques) else np.zeros(len(versions), dtype=np.int64)


@dataclass(frozen=True)
class RecommendationFacts:
    """Everything the recommendation and its sentence depend on. Rows are plain dicts of the
    table's columns (``config_id`` included); ``cheaper_rejected`` also carries
    ``within_budget`` and ``egress_ok``."""

    configurations: int
    candidates: int  # valid and meeting the constraints
    invalid: int
    over_budget: int  # valid but over budget
    egress_lost: int  # valid but egress would not survive an AZ loss that must be survived
    cheapest_valid_monthly: float | None
    first_invalid_reasons: tuple[str, ...] | None  # of the invalid row with the lowest config_id
    best: dict[str, Any] | None
    cheaper_rejected: dict[str, Any] | None  # the cheapest valid row that misses a constraint, if cheaper
    cheaper_invalid: dict[str, Any] | None  # the cheapest priced invalid row, if cheaper


def candidate_order(monthly, risk, horizon, support_end) -> np.ndarray:
    """Positions in recommendation order: cheapest first month, then the lower expected egress
    hours, the lower horizon cost, the major that stays in standard support longest, and the
    lower config_id (the sort is stable)."""
    return np.lexsort((-np.asarray(support_end), horizon, risk, monthly))


def _first_min(rows: np.ndarray, monthly: np.ndarray) -> int | None:
    """The row of ``rows`` with the lowest monthly cost (the first on ties), or None."""
    return int(rows[np.argmin(monthly[rows])]) if len(rows) else None


def recommendation_facts(ev: Evaluation) -> RecommendationFacts:
    valid, meets, monthly = ev.valid, ev.meets, ev.monthly
    candidates = np.flatnonzero(meets)
    best = None
    if len(candidates):
        order = candidate_order(monthly[candidates], ev.risk[candidates], ev.horizon[candidates],
                                ev.support_end[candidates])
        best = int(candidates[order[0]])
    rejected = _first_min(np.flatnonzero(valid & ~meets), monthly)
    invalid = _first_min(np.flatnonzero(~valid & ~np.isnan(monthly)), monthly)
    invalid_rows = np.flatnonzero(~valid)

    def row(position, cheaper_than_best=False):
        if position is None or (cheaper_than_best and (best is None or not monthly[position] < monthly[best])):
            return None
        out = ev.rows([position])[0]
        out["within_budget"], out["egress_ok"] = bool(ev.within_budget[position]), bool(ev.egress_ok[position])
        return out

    valid_monthly = monthly[valid]
    return RecommendationFacts(
        configurations=len(ev), candidates=len(candidates), invalid=int((~valid).sum()),
        over_budget=int((valid & ~ev.within_budget).sum()), egress_lost=int((valid & ~ev.egress_ok).sum()),
        cheapest_valid_monthly=float(np.nanmin(valid_monthly)) if len(valid_monthly) else None,
        first_invalid_reasons=tuple(ev.reasons[invalid_rows[0]]) if len(invalid_rows) else None,
        best=row(best), cheaper_rejected=row(rejected, True), cheaper_invalid=row(invalid, True))


def recommendation_reason(facts: RecommendationFacts, varied_keys) -> str:
    """The recommendation in words: what was picked and why, or why nothing could be."""
    if facts.best is None:
        parts = [f"No configuration of {facts.configurations} is valid and meets the constraints:"]
        parts.append(f"{facts.invalid} invalid")
        if facts.over_budget:
            parts.append(f"{facts.over_budget} over budget (cheapest valid: {money(facts.cheapest_valid_monthly)}/month)")
        if facts.egress_lost:
            parts.append(f"{facts.egress_lost} lose egress in every AZ when one AZ fails")
        if facts.first_invalid_reasons is not None:
            parts.append(f"e.g. {'; '.join(facts.first_invalid_reasons)}")
        return parts[0] + " " + "; ".join(parts[1:]) + "."
    best = facts.best
    text = [f"Recommended: {describe_config(best, varied_keys)} at {money(best['monthly_usd'])}/month "
            f"({money(best['horizon_usd'])} over {int(best['horizon_months'])} months), the cheapest of "
            f"{facts.candidates} configurations that are valid and meet the constraints."]
    text.append(f"Expected egress loss: {best['egress_outage_hours_per_year']:.2f} h/year under the stated "
                f"AZ-outage assumptions.")
    if facts.cheaper_rejected is not None:
        r = facts.cheaper_rejected
        why = []
        if not r["within_budget"]:
            why.append("over budget")
        if not r["egress_ok"]:
            why.append("egress would not survive an AZ loss")
        text.append(f"Cheaper but rejected: {describe_config(r, varied_keys)} at "
                    f"{money(r['monthly_usd'])}/month ({', '.join(why)}).")
    if facts.cheaper_invalid is not None:
        r = facts.cheaper_invalid
        text.append(f"Cheaper but invalid: {describe_config(r, varied_keys)} at "
                    f"{money(r['monthly_usd'])}/month ({'; '.join(r['reasons'])}).")
    return " ".join(text)
