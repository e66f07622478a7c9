"""Refreshed price snapshots as the catalog reads them: every row checked as strictly as a
prices.csv row (a NaN, infinite, zero or negative price is refused by file, row, SKU and value,
never priced as $0), and the newest of several same-second snapshots is the one in use."""

from __future__ import annotations

import json
import math

import pytest

from cost_model import cost_scenario
from cost_model.catalog import load_price_catalog, snapshot_files
from infrakit.cli import main
from infrakit.core.errors import CatalogError
from infrakit.core.paths import catalog_dir
from infrakit.core.schema import validate_scenario


def _row(usage_type="NatGateway-Hours", usd=0.05, sku="SKUNAT1", **extra):
    return {"usage_type": usage_type, "service": "AmazonEC2", "unit": "Hrs", "usd_per_unit": usd, "tiers": [],
            "sku": sku, "effective_date": "2026-11-01", "description": "NAT gateway hour", "offer_code": "AmazonEC2",
            "offer_version": "20261120181331", "publication_date": "2026-11-20T18:13:31Z",
            "price_list_usagetype": "NatGateway-Hours", "url": None, **extra}


def _snapshot(name: str, rows: list, region: str = "us-east-1"):
    folder = catalog_dir() / "prices" / region
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"kind": "infrakit price snapshot", "region": region,
                                "refreshed_at": "2026-12-02T04:16:32Z", "status": "partial", "offers": {},
                                "missing": {}, "rows": rows}), encoding="utf-8")
    return path


def _nat_price() -> float:
    frame = load_price_catalog().frame.set_index(["region", "usage_type"])
    return float(frame.loc[("us-east-1", "NatGateway-Hours"), "usd_per_unit"])


@pytest.mark.parametrize("bad", [math.nan, -0.045, 0.0, math.inf, "0.045x", None])
def test_a_snapshot_row_that_is_no_price_is_refused_by_file_row_sku_and_value(bad):
    path = _snapshot("20261202T041632Z.json", [_row("NatGateway-Bytes", 0.045, "SKUBYTES"), _row(usd=bad)])
    with pytest.raises(CatalogError) as caught:
        load_price_catalog()
    text = str(caught.value)
    assert str(path) in text and "row 2 (SKU SKUNAT1, usage type NatGateway-Hours)" in text
    assert f"usd_per_unit {bad!r}" in text and "SKUBYTES" not in text


def test_a_usage_type_twice_in_one_snapshot_is_refused_not_one_dropped_unseen():
    path = _snapshot("20261202T041632Z.json", [_row(usd=0.045), _row("NatGateway-Bytes", 0.045, "SKUBYTES"),
                                                _row(usd=0.09, sku="SKUNAT2")])
    with pytest.raises(CatalogError) as caught:
        load_price_catalog()
    text = str(caught.value)
    assert str(path) in text and "row 3 (SKU SKUNAT2): usage type NatGateway-Hours appears twice (first in row 1)" in text


def test_a_missing_price_key_and_bad_tiers_are_named_all_at_once():
    row = _row()
    del row["usd_per_unit"]
    tiered = _row("DataTransfer-Out-Bytes", 0.09, "SKUOUT", tiers=[[0, 0.09], [10240, -0.01]])
    _snapshot("20261202T041632Z.json", [row, tiered])
    with pytest.raises(CatalogError) as caught:
        load_price_catalog()
    text = str(caught.value)
    assert "row 1 (SKU SKUNAT1, usage type NatGateway-Hours): usd_per_unit is missing" in text
    assert "row 2 (SKU SKUOUT" in text and "-0.01" in text and ">= 0" in text


def test_cost_with_a_nan_snapshot_price_fails_clearly_and_never_shows_zero(capsys, tmp_path):
    _snapshot("20261202T041632Z.json", [_row(usd=math.nan)])
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\nregion: us-east-1\n", encoding="utf-8")
    code = main(["cost", str(scenario), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "usd_per_unit nan is not a positive finite number" in err and "Traceback" not in err


def test_same_second_snapshots_the_last_written_is_the_newest():
    names = ["20261202T041632Z.json", "20261202T041632Z-2.json", "20261202T041632Z-9.json",
             "20261202T041632Z-10.json", "20261201T235959Z-11.json"]
    for number, name in enumerate(names, start=1):
        _snapshot(name, [_row(usd=0.01 * number)])
    order = [p.name for p in snapshot_files()]
    assert order == ["20261202T041632Z-10.json", "20261202T041632Z-9.json", "20261202T041632Z-2.json",
                     "20261202T041632Z.json", "20261201T235959Z-11.json"]
    assert _nat_price() == pytest.approx(0.04)
    result = cost_scenario(validate_scenario({"region": "us-east-1", "nat_strategy": "single"}))
    (line,) = [line for line in result.lines() if line["key"] == "nat_gateway_hours"]
    assert line["unit_price_usd"] == pytest.approx(0.04) and "20261202T041632Z-10.json" not in line["price_source"]


def test_refresh_twice_in_one_second_prices_from_the_second(tmp_path):
    import datetime as dt

    from infrakit.prices.refresh import RegionOutcome, write_snapshot

    now = dt.datetime(2026, 12, 2, 4, 16, 32, tzinfo=dt.timezone.utc)
    for usd in (0.05, 0.07):
        outcome = RegionOutcome("us-east-1", rows={"NatGateway-Hours": _row(usd=usd)})
        write_snapshot(outcome, now)
    assert [p.name for p in snapshot_files()] == ["20261202T041632Z-2.json", "20261202T041632Z.json"]
    assert _nat_price() == pytest.approx(0.07)


def test_a_catalog_row_that_is_no_number_prices_as_missing_never_as_zero():
    from cost_model.catalog import PriceCatalog, shipped_catalog

    frame = shipped_catalog().frame.copy()
    nat = (frame["region"] == "us-east-1") & (frame["usage_type"] == "NatGateway-Hours")
    frame.loc[nat, "usd_per_unit"] = math.nan
    result = cost_scenario(validate_scenario({"region": "us-east-1", "nat_strategy": "single"}),
                           catalog=PriceCatalog(frame=frame, path="test"))
    (line,) = [line for line in result.lines() if line["key"] == "nat_gateway_hours"]
    assert line["monthly_usd"] is None and result.monthly_usd is None and result.horizon_usd is None
    assert any("NatGateway-Hours" in p for p in result.problems)
