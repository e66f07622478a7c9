"""Human-readable cost tables (also the golden files' format): a reviewer can multiply
quantity by unit price by hand and find each price's source in the catalog."""

from __future__ import annotations

import pandas as pd

from infrakit.core.text import money as _money
from infrakit.core.text import quantity as _quantity
from infrakit.core.text import unit_price as _price


def cost_table(result) -> str:
    """The first month's lines of a ``ScenarioCost``, its totals and where prices came from."""
    s = result.scenario
    header = (f"{s['name']}: {s['region']}, {s['az_count']} AZs, NAT {s['nat_strategy']}, "
              f"Aurora PostgreSQL {s['engine_version']} on {1 + s['reader_count']} x {s['instance_class']} "
              f"({s['storage_type']}), {s['listener_protocol']} listener, "
              f"{s['service_desired_count']} x Fargate {s['service_cpu']}/{s['service_memory_mib']} ({s['service_arch']})")
    lines = result.lines()
    rows = [("Component", "Resource", "Quantity", "Unit", "Unit price", "Monthly")]
    for line in lines:
        rows.append((line["component"], line["resource"], _quantity(line["quantity"]), line["unit"],
                     _price(line["unit_price_usd"]),
                     _money(None if line["monthly_usd"] is None else round(line["monthly_usd"], 2))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    aligned = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].ljust(widths[3]),
                 row[4].rjust(widths[4]), row[5].rjust(widths[5])]
        aligned.append("  ".join(cells).rstrip())
    rule = "-" * len(aligned[0])
    month = lines[0]["month"] if lines else s["start_date"][:7]
    out = [header, f"Month {month}", rule, aligned[0], rule, *aligned[1:], rule,
           f"Total, first month ({month}): {_money(result.monthly_usd)}",
           f"Total, {s['horizon_months']} months from {s['start_date']}: {_money(result.horizon_usd)}"]
    for problem in result.problems:
        out.append(f"INVALID: {problem}")
    out.append("Prices: cost_model/data/prices.csv rows (usage type, source, effective date):")
    for usage_type, date, source in sorted({(l["usage_type"], l["price_effective_date"], l["price_source"])
                                            for l in lines if l["price_source"]}):
        out.append(f"  {usage_type} [{date}] {source}")
    return "\n".join(out) + "\n"


SWEEP_COLUMNS = ("monthly_usd", "horizon_usd", "egress_outage_hours_per_year", "valid", "pareto", "recommended")


def sweep_table(result, *, limit: int = 20) -> str:
    """The cheapest configurations first (invalid ones after), then the recommendation."""
    table = result.table
    keys = list(result.varied_keys) or ["nat_strategy", "az_count", "engine_version"]
    order = table.assign(_invalid=~table["valid"]).sort_values(["_invalid", "monthly_usd", "egress_outage_hours_per_year"])
    shown = order.head(limit)
    frame = shown[keys + list(SWEEP_COLUMNS)].copy()
    frame["monthly_usd"] = [_money(None if pd.isna(v) else round(v, 2)) for v in frame["monthly_usd"]]
    frame["horizon_usd"] = [_money(None if pd.isna(v) else round(v, 2)) for v in frame["horizon_usd"]]
    frame["egress_outage_hours_per_year"] = frame["egress_outage_hours_per_year"].map(lambda v: f"{v:.2f}")
    frame["recommended"] = frame["recommended"].map({True: "<==", False: ""})
    frame = frame.rename(columns={"egress_outage_hours_per_year": "egress_h_per_year"})
    out = [f"{len(table):,} configurations, {int(table['valid'].sum()):,} valid, "
           f"{int(table['meets_constraints'].sum()):,} meet the constraints; showing {len(shown)} cheapest:",
           frame.to_string(index=True)]
    invalid = table[~table["valid"]]
    if len(invalid):
        out.append("Invalid configurations (first reasons):")
        for reasons, count in invalid["reasons"].value_counts().head(5).items():
            out.append(f"  {count:>6} x {'; '.join(reasons)}")
    out.append(result.reason)
    out.append("Egress hours are expected values under ASSUMPTIONS (assumed_az_outages_per_year, "
               "assumed_az_outage_hours), not AWS figures.")
    return "\n".join(out) + "\n"
