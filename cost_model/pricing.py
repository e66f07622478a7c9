"""The one pricing path: a bill of quantities joined with the price catalog.

``price_bill`` works on any number of configurations at once. Totals (first month, horizon)
are numpy arithmetic over all rows; tidy lines are produced on demand for the rows a user
looks at. A configuration that needs a price the catalog lacks gets NaN totals and the list
of missing usage types, never $0.
"""

from __future__ import annotations

import functools
import math
import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cost_model import resources
from cost_model.catalog import PriceCatalog, load_price_catalog, tiered_cost
from cost_model.components import GROUPS, CostComponent


@dataclass(frozen=True)
class _PricedComponent:
    component: CostComponent
    usage_type_index: np.ndarray  # per row, into component.usage_types
    catalog_row: np.ndarray  # per row, -1 where the price is missing
    unit_price_usd: np.ndarray  # per row, NaN where missing; the blended rate where the row is tiered
    months_active: np.ndarray  # per row, months within the horizon
    active_first_month: np.ndarray  # per row, bool
    applies: np.ndarray  # per row: applies and is active at some point of the horizon


class PricedBill:
    """Priced components over every row of a bill of quantities."""

    def __init__(self, bill: pd.DataFrame, catalog: PriceCatalog, priced: list[_PricedComponent]):
        self.bill = bill
        self.catalog = catalog
        self.priced = priced

    def __len__(self) -> int:
        return len(self.bill)

    @functools.cached_property
    def missing(self) -> np.ndarray:
        """Bool (rows, components): the line applies but its price is missing."""
        if not self.priced:
            return np.zeros((len(self.bill), 0), dtype=bool)
        return np.column_stack([p.applies & (p.catalog_row < 0) for p in self.priced])

    @functools.cached_property
    def priceable(self) -> np.ndarray:
        return ~self.missing.any(axis=1)

    def missing_usage_types(self, row: int) -> list[str]:
        return sorted({p.component.usage_types[p.usage_type_index[row]]
                       for p, gone in zip(self.priced, self.missing[row], strict=True) if gone})

    def missing_reason(self, row: int) -> str | None:
        """Which prices ``row`` lacks, in words, and what to run; None when all are in the catalog."""
        missing = self.missing_usage_types(row)
        if not missing:
            return None
        return missing_text(self.catalog, str(self.bill["region"].iloc[row]), missing)

    def derived_usage_types(self, row: int) -> list[str]:
        """Usage types of ``row``'s lines (over the horizon) whose price is a derived row."""
        return sorted({p.component.usage_types[p.usage_type_index[row]] for p in self.priced
                       if p.applies[row] and self.catalog.derived[p.catalog_row[row]]})

    def notes(self, row: int = 0) -> list[str]:
        """What the figures of ``row`` rest on beyond the catalog rows: derived prices, billing
        assumptions, dates inside the horizon (for the assumptions of every output)."""
        values = self.bill.iloc[row].to_dict()
        out = [note for module in resources.ALL if hasattr(module, "notes") for note in module.notes(values)]
        if derived := self.derived_usage_types(row):
            out.append(f"the total rests on derived prices ({', '.join(derived)}): figures computed from a published "
                       f"pricing rule, not captured; see each line's price_source")
        return out

    @functools.cached_property
    def monthly_usd(self) -> np.ndarray:
        """First month's total per row; NaN where a price is missing."""
        total = np.zeros(len(self.bill))
        for p in self.priced:
            use = p.applies & p.active_first_month
            total += np.where(use, p.component.quantity * np.nan_to_num(p.unit_price_usd), 0.0)
        return np.where(self.priceable & np.isfinite(total), total, np.nan)

    def by_group(self, month_offset: int = 0) -> pd.DataFrame:
        """Cost per configuration (rows) and group (columns, ids of ``GROUPS`` in display order)
        for one month (0 = the start month), in USD. NaN where a price is missing, so a missing
        price never shows as a $0 segment; groups no configuration has are left out."""
        groups = {g: np.zeros(len(self.bill)) for g in GROUPS}
        for p in self.priced:
            start = np.broadcast_to(np.asarray(p.component.active_from), (len(self.bill),))
            end = np.broadcast_to(np.asarray(p.component.active_to), (len(self.bill),))
            use = p.applies & (start <= month_offset) & (end > month_offset)
            groups[p.component.group] = groups[p.component.group] + np.where(
                use, p.component.quantity * p.unit_price_usd, 0.0)
        frame = pd.DataFrame(groups, index=self.bill.index)
        return frame.loc[:, frame.fillna(1).abs().sum() > 0]

    @functools.cached_property
    def horizon_usd(self) -> np.ndarray:
        total = np.zeros(len(self.bill))
        for p in self.priced:
            total += np.where(p.applies, p.component.quantity * np.nan_to_num(p.unit_price_usd) * p.months_active, 0.0)
        return np.where(self.priceable & np.isfinite(total), total, np.nan)

    def lines(self, row: int = 0, month_offset: int = 0) -> list[dict]:
        """Tidy cost lines of one configuration for one month (0 = the start month).

        Each line carries its catalog row (usage type, source, effective date), so every
        dollar figure traces to a sourced price. Lines whose price is missing show
        ``unit_price_usd`` and ``monthly_usd`` as None.
        """
        values = self.bill.iloc[row].to_dict()
        month = _month_label(int(values["start_month_index"]) + month_offset)
        out = []
        for p in self.priced:
            if not p.applies[row]:
                continue
            start = _at(p.component.active_from, row)
            end = _at(p.component.active_to, row)
            if not (start <= month_offset < end):
                continue
            quantity = float(p.component.quantity[row])
            catalog_row = int(p.catalog_row[row])
            usage_type = p.component.usage_types[p.usage_type_index[row]]
            line = {
                "key": p.component.key,
                "group": p.component.group,
                "component": p.component.component,
                "resource": _fill(p.component.resource, values),
                "quantity": quantity,
                "unit": p.component.unit,
                "unit_price_usd": None,
                "monthly_usd": None,
                "month": month,
                "usage_type": usage_type,
                "price_source": None,
                "price_effective_date": None,
                "price_basis": None,
                "price_tiers": None,
            }
            if catalog_row >= 0:
                price = self.catalog.row(catalog_row)
                unit = float(p.unit_price_usd[row])
                line.update(unit_price_usd=unit, monthly_usd=round(quantity * unit, 10),
                            price_source=_source_text(price), price_effective_date=price["effective_date"],
                            price_basis=price["basis"], price_tiers=price["tiers"] or None)
            out.append(line)
        return out

    def schedule(self, row: int = 0) -> list[dict]:
        """Month-by-month totals of one configuration over its horizon."""
        horizon = int(self.bill["horizon_months"].iloc[row])
        first = int(self.bill["start_month_index"].iloc[row])
        amounts = np.zeros(horizon)
        months = np.arange(horizon)
        for p in self.priced:
            if not p.applies[row]:
                continue
            active = (months >= _at(p.component.active_from, row)) & (months < _at(p.component.active_to, row))
            amounts += np.where(active, p.component.quantity[row] * np.nan_to_num(p.unit_price_usd[row]), 0.0)
        if not self.priceable[row]:
            return [{"month": _month_label(first + m), "usd": None} for m in months]
        return [{"month": _month_label(first + m), "usd": float(amounts[m])} for m in months]


def _source_text(price: dict) -> str:
    text = str(price["source"])
    if price["tiers"]:
        text += f" [tiers BEGIN:USD per {price['unit']}: {price['tiers']}]"
    return text


def missing_text(catalog: PriceCatalog, region: str, usage_types: list[str]) -> str:
    """"price missing: ..." naming the region, the usage types, why, and the command that fetches them."""
    command = f"infrakit prices refresh --region {region}"
    if not catalog.has_region(region):
        return (f"price missing: no prices for region {region} (the package ships none for it); run `{command}` "
                f"to fetch them from the AWS Price List")
    not_found = catalog.not_found(region)
    refreshed = [u for u in usage_types if u in not_found]
    text = f"price missing: no price in the catalog for region {region} and usage type(s) {', '.join(usage_types)}"
    if refreshed:
        text += (f"; the last refresh did not find {', '.join(refreshed)} in the Price List "
                 f"({'; '.join(f'{u}: {not_found[u]}' for u in refreshed)})")
    return text + f"; run `{command}` to fetch them from the AWS Price List"


def _at(value, row: int) -> int:
    return int(value[row]) if isinstance(value, np.ndarray) else int(value)


def _month_label(month_index: int) -> str:
    return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"


class _Missing(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _fill(template: str, values: dict) -> str:
    shown = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in values.items()}
    return string.Formatter().vformat(template, (), _Missing(shown))


def price_bill(bill: pd.DataFrame, catalog: PriceCatalog | None = None) -> PricedBill:
    """Price every row of ``bill`` (see ``cost_model.quantities``) against ``catalog``."""
    catalog = catalog or load_price_catalog()
    n = len(bill)
    region = bill["region"].array
    if not isinstance(region, pd.Categorical):
        region = pd.Categorical(region)
    region_codes = np.asarray(region.codes, dtype=np.int64)
    regions = list(region.categories)
    horizon = bill["horizon_months"].to_numpy(dtype=np.int64)
    priced = []
    for module in resources.ALL:
        for component in module.components(bill):
            type_index = component.usage_type_indexes(n)
            table = catalog.row_index(regions, list(component.usage_types))
            catalog_row = table[region_codes, type_index]
            unit_price = catalog.prices[catalog_row]  # index -1 gathers the trailing NaN
            usable = np.isfinite(unit_price) & (unit_price >= 0)
            if not usable.all():  # a row that is no price is a missing price, never $0
                catalog_row = np.where(usable, catalog_row, -1)
                unit_price = np.where(usable, unit_price, np.nan)
            tiered = [int(i) for i in np.unique(table) if i >= 0 and catalog.tiered[i]] if catalog.tiers else []
            if tiered:
                unit_price = _blended(catalog, tiered, catalog_row, np.asarray(component.quantity, dtype=float),
                                      unit_price)
            start = np.broadcast_to(np.asarray(component.active_from), (n,))
            end = np.broadcast_to(np.asarray(component.active_to), (n,))
            months_active = np.clip(np.minimum(end, horizon) - np.maximum(start, 0), 0, None)
            # A line of zero quantity bills nothing: without a price it is left out, never "missing".
            unneeded = (np.broadcast_to(np.asarray(component.quantity, dtype=float), (n,)) == 0) & (catalog_row < 0)
            priced.append(_PricedComponent(
                component=component,
                usage_type_index=type_index,
                catalog_row=catalog_row,
                unit_price_usd=unit_price,
                months_active=months_active,
                active_first_month=(start <= 0) & (end > 0),
                applies=np.asarray(component.applies, dtype=bool) & (months_active > 0) & ~unneeded,
            ))
    return PricedBill(bill, catalog, priced)


def _blended(catalog: PriceCatalog, tiered: list[int], catalog_row: np.ndarray, quantity: np.ndarray,
             unit_price: np.ndarray) -> np.ndarray:
    """Per row, the tiered cost divided by the quantity (the first tier's price at zero), so
    that quantity x unit price is the tiered cost everywhere a total is summed. Only rows past
    the first tier are computed: the catalog price already is the first tier's."""
    out = unit_price
    quantity = np.broadcast_to(quantity, catalog_row.shape)
    for index in tiered:
        tiers = catalog.tiers[index]
        first_end = tiers[1][0]
        rows = catalog_row == index
        if tiers[0][1] > 0 and not (rows & (quantity > first_end)).any():
            continue
        if out is unit_price:
            out = unit_price.copy()
        q = quantity[rows]
        cost = tiered_cost(q, tiers)
        out[rows] = np.where(q > 0, cost / np.where(q > 0, q, 1.0), tiers[0][1])
    return out


def round_usd(value: float | None) -> float | None:
    """Cents, for output; None stays None (a missing price is never shown as $0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value) + 0.0, 2)
