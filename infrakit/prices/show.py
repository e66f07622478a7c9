"""``infrakit prices show``: the rows in use, where each comes from, and what is missing."""

from __future__ import annotations

from typing import Any

from cost_model.catalog import load_price_catalog
from cost_model.price_list import all_selections
from infrakit.core.text import unit_price


def rows_in_use(region: str | None) -> dict[str, Any]:
    catalog = load_price_catalog()
    frame = catalog.frame
    regions = [region] if region else catalog.regions()
    needed = [s.key for s in all_selections()]
    out = []
    for name in regions:
        part = frame[frame["region"] == name].sort_values("usage_type")
        have = set(part["usage_type"])
        out.append({
            "region": name,
            "rows": [{"usage_type": r.usage_type, "unit": r.unit, "usd_per_unit": r.usd_per_unit, "tiers": r.tiers or None,
                      "basis": r.basis, "effective_date": r.effective_date, "sku": r.sku or None,
                      "offer_code": r.offer_code or None, "offer_version": r.offer_version or None,
                      "from": r.snapshot or "shipped (cost_model/data/prices.csv)", "source": r.source}
                     for r in part.itertuples()],
            "missing": [k for k in needed if k not in have],
            "not_found_by_last_refresh": catalog.not_found(name),
        })
    return {"catalog": catalog.path, "regions": out}


def show_text(data: dict[str, Any]) -> str:
    lines = [f"Prices in use: {data['catalog']}"]
    for region in data["regions"]:
        rows = region["rows"]
        lines.append(f"\n{region['region']}: {len(rows)} rows "
                     f"({sum(r['basis'] == 'captured' for r in rows)} captured, "
                     f"{sum(r['basis'] == 'quoted' for r in rows)} quoted, "
                     f"{sum(r['basis'] == 'derived' for r in rows)} derived)")
        width = max((len(r["usage_type"]) for r in rows), default=10)
        for r in rows:
            offer = " ".join(str(part) for part in (r["offer_code"], r["offer_version"]) if part)
            where = "shipped" if r["from"].startswith("shipped") else f"refreshed {r['from']}"
            origin = f"{where}, offer {offer}" if offer else where
            tiers = f" tiers {r['tiers']}" if r["tiers"] else ""
            lines.append(f"  {r['usage_type']:<{width}}  {unit_price(r['usd_per_unit']):>11} per {r['unit']:<13} "
                         f"{r['basis']:<8} {r['effective_date']}  {origin}{' SKU ' + r['sku'] if r['sku'] else ''}{tiers}")
        if region["missing"]:
            lines.append(f"  missing ({len(region['missing'])}): {', '.join(region['missing'])}")
            lines.append(f"  fetch them: infrakit prices refresh --region {region['region']}")
    return "\n".join(lines) + "\n"
