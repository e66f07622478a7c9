"""What a figure rests on: the recommendation per block of a stacked sweep, and the Aurora
I/O-Optimized break-even. Pure pandas/numpy over the one pricing path (``price_bill``).

    recommend_by_group(table, groups)  -> per group, the config the sweep's rule picks
    aurora_io_break_even(scenario)     -> IoBreakEven: where I/O-Optimized storage pays

``recommend_by_group`` applies the recommendation rule of ``cost_model.sweep`` (the cheapest
first month among the configurations that are valid and meet the constraints; ties to the
lower expected egress hours, then the lower horizon cost, then the major that stays in
standard support longest) to each block of a sweep that stacks several variants of one study,
so one ``sweep_frame`` call answers "does the recommendation change?" for every variant.
tests/test_sensitivity.py keeps it equal to ``sweep_frame`` run on each block alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cost_model.catalog import PriceCatalog
from cost_model.pricing import price_bill
from cost_model.quantities import bill_from_scenarios
from cost_model.scenarios import frame_from_scenarios
from cost_model.sweep import candidate_order, standard_support_end


def recommend_by_group(table: pd.DataFrame, groups: np.ndarray) -> dict[int, int | None]:
    """Per group id, the index label of the configuration the sweep's rule recommends (None
    when no row of the group meets the constraints). ``table`` is a ``SweepResult.table``."""
    groups = np.asarray(groups)
    meets = table["meets_constraints"].to_numpy(dtype=bool)
    rows = np.flatnonzero(meets)
    out: dict[int, int | None] = {int(g): None for g in np.unique(groups)}
    if len(rows) == 0:
        return out
    support = standard_support_end(table["engine_version"])
    order = rows[candidate_order(table["monthly_usd"].to_numpy()[rows],
                                 table["egress_outage_hours_per_year"].to_numpy()[rows],
                                 table["horizon_usd"].to_numpy()[rows], support[rows])]
    order = order[np.argsort(groups[order], kind="stable")]  # per group, the sweep's own order
    first = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
    for position in order[first]:
        out[int(groups[position])] = int(table.index[position])
    return out


@dataclass(frozen=True)
class IoBreakEven:
    """Aurora Standard vs I/O-Optimized storage for one configuration, first month.

    Standard costs ``standard_fixed_usd + io_price_usd x I/O`` (millions of requests);
    I/O-Optimized costs ``io_optimized_usd`` whatever the I/O. They meet at
    ``break_even_io_million``, where I/O is ``share_of_aurora_at_break_even`` of the Aurora
    bill on Standard. Figures are None where a price is missing.
    """

    io_million_per_month: float
    io_price_usd: float | None
    standard_fixed_usd: float | None  # Aurora on Standard storage at zero I/O
    io_optimized_usd: float | None  # Aurora on I/O-Optimized storage (no I/O charge)
    standard_usd: float | None  # Aurora on Standard at the scenario's I/O
    bill_usd: float | None  # the whole first month on Standard at the scenario's I/O

    @property
    def break_even_io_million(self) -> float | None:
        if None in (self.io_price_usd, self.standard_fixed_usd, self.io_optimized_usd) or not self.io_price_usd:
            return None
        return max(0.0, (self.io_optimized_usd - self.standard_fixed_usd) / self.io_price_usd)

    @property
    def io_share_of_aurora(self) -> float | None:
        """I/O's share of the Aurora bill on Standard at the scenario's I/O."""
        if self.io_price_usd is None or not self.standard_usd:
            return None
        return self.io_price_usd * self.io_million_per_month / self.standard_usd

    @property
    def share_of_aurora_at_break_even(self) -> float | None:
        """The I/O share of the Aurora bill (on Standard) at which I/O-Optimized pays."""
        io = self.break_even_io_million
        if io is None:
            return None
        total = self.standard_fixed_usd + self.io_price_usd * io
        return self.io_price_usd * io / total if total else None

    @property
    def io_optimized_pays(self) -> bool | None:
        io = self.break_even_io_million
        return None if io is None else self.io_million_per_month > io

    def to_json(self) -> dict[str, Any]:
        return {"io_million_per_month": self.io_million_per_month, "io_price_usd": self.io_price_usd,
                "standard_fixed_usd": self.standard_fixed_usd, "io_optimized_usd": self.io_optimized_usd,
                "standard_usd": self.standard_usd, "bill_usd": self.bill_usd,
                "break_even_io_million": self.break_even_io_million, "io_share_of_aurora": self.io_share_of_aurora,
                "share_of_aurora_at_break_even": self.share_of_aurora_at_break_even,
                "io_optimized_pays": self.io_optimized_pays}


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def aurora_io_break_even(scenario: dict[str, Any], *, catalog: PriceCatalog | None = None) -> IoBreakEven:
    """Price ``scenario``'s Aurora cluster on both storage types at zero and at the given I/O
    (the Aurora lines are linear in I/O) and solve for the I/O at which they cost the same.
    Priced whether or not the engine version allows I/O-Optimized (the caller says so)."""
    io = float(scenario["aurora_io_million_requests_per_month"])
    variants = [{**scenario, "storage_type": "standard", "aurora_io_million_requests_per_month": 0.0},
                {**scenario, "storage_type": "standard", "aurora_io_million_requests_per_month": io},
                {**scenario, "storage_type": "io_optimized"}]
    priced = price_bill(bill_from_scenarios(frame_from_scenarios(variants)), catalog)
    aurora = priced.by_group(0).get("aurora", pd.Series(np.nan, index=range(3))).to_numpy()
    per_million = None
    for p in priced.priced:
        if p.component.key == "aurora_io_requests" and p.catalog_row[1] >= 0:
            per_million = float(p.unit_price_usd[1])
    return IoBreakEven(io_million_per_month=io, io_price_usd=per_million, standard_fixed_usd=_number(aurora[0]),
                       io_optimized_usd=_number(aurora[2]), standard_usd=_number(aurora[1]),
                       bill_usd=_number(priced.monthly_usd[1]))
