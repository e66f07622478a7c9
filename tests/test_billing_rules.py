"""The billing rules issue 11 added, each against its source, and the shipped snapshot's
coverage of the default region."""

from __future__ import annotations

import pytest

from cost_model import cost_scenario
from cost_model.catalog import load_price_catalog, tiered_cost
from infrakit.core.catalogs import region_catalog
from infrakit.core.schema import validate_scenario
from tests.conftest import ZERO_USAGE


def cost(**keys):
    return cost_scenario(validate_scenario({"start_date": "2026-12-01", **keys}))


def line(result, key):
    (found,) = [entry for entry in result.lines() if entry["key"] == key]
    return found


def test_internet_egress_is_tiered_as_the_price_list_tiers_it():
    """us-east-1 AWSDataTransfer DataTransfer-Out-Bytes: $0.09 to 10 TB, $0.085 to 50 TB, $0.07 to 150 TB,
    then $0.05, with 1 TB = 1,024 GB (infracost's data_transfer golden: 10,240 GB = $921.60)."""
    first = line(cost(**{**ZERO_USAGE, "internet_egress_gb_per_month": 10240}), "internet_egress_data")
    assert round(first["monthly_usd"], 2) == 921.60 and first["usage_type"] == "DataTransfer-Out-Bytes"
    more = line(cost(**{**ZERO_USAGE, "internet_egress_gb_per_month": 60000}), "internet_egress_data")
    expected = 10240 * 0.09 + (51200 - 10240) * 0.085 + (60000 - 51200) * 0.07
    assert more["monthly_usd"] == pytest.approx(expected)
    assert more["unit_price_usd"] == pytest.approx(expected / 60000)  # blended, so quantity x price = the cost
    assert "[tiers BEGIN:USD per GB: 0:0.09;10240:0.085;51200:0.07;153600:0.05]" in more["price_source"]


def test_the_free_egress_allowance_is_not_subtracted_and_is_said_so():
    result = cost(**{**ZERO_USAGE, "internet_egress_gb_per_month": 50})
    assert round(line(result, "internet_egress_data")["monthly_usd"], 2) == 4.50  # the first 50 GB are charged
    assert any("100 GB a month free allowance" in note and "not subtracted" in note for note in result.priced.notes(0))
    assert "free allowance not subtracted" in line(result, "internet_egress_data")["resource"]


def test_ten_rule_evaluations_per_request_are_free():
    """AWS ELB pricing: rule evaluations = request rate x (rules processed - 10 free); requests/s taken as
    new connections/s. 100 evaluations/s with 5 connections/s: 50 billable, 0.05 LCU (connections: 0.2 LCU)."""
    idle = {**ZERO_USAGE, "alb_new_connections_per_second": 1}
    free = cost(**{**idle, "alb_rule_evaluations_per_second": 10})
    assert line(free, "alb_lcu_hours")["quantity"] == pytest.approx(730 / 25)  # connections dominate; rules free
    billed = cost(**{**idle, "alb_rule_evaluations_per_second": 2010})
    assert line(billed, "alb_lcu_hours")["quantity"] == pytest.approx(2.0 * 730)  # (2010 - 10) / 1000


def test_lcus_from_monthly_averages_are_labelled_as_an_assumption():
    result = cost()
    assert "from monthly averages" in line(result, "alb_lcu_hours")["resource"]
    assert any(note.startswith("ALB LCUs are priced from the scenario's monthly averages (ASSUMPTION")
               for note in result.priced.notes(0))


def test_a_version_past_end_of_extended_support_is_invalid_with_the_date():
    result = cost_scenario(validate_scenario({"engine_version": "11.9", "start_date": "2027-06-01"}))
    assert not result.valid
    (problem,) = [p for p in result.problems if "Extended Support" in p]
    assert "2027-03-31" in problem and "AWS no longer runs it" in problem and "Use " in problem
    assert not [entry for entry in result.lines() if entry["group"] == "extended_support"]
    still = cost_scenario(validate_scenario({"engine_version": "11.9", "start_date": "2027-03-01"}))
    assert not any("past the end of RDS Extended Support" in p for p in still.problems)


def test_an_end_of_extended_support_inside_the_horizon_says_by_when_to_upgrade():
    result = cost(engine_version="13.23", horizon_months=36)
    notes = result.priced.notes(0)
    assert any("upgrade by 2029-02-28" in note for note in notes), notes
    assert not any("upgrade by" in note for note in cost(engine_version="17.7").priced.notes(0))


def test_us_east_1_prices_regional_nat_r6g_xlarge_and_io_optimized_t4g_medium():
    regional = cost(nat_strategy="regional")
    assert regional.valid and line(regional, "regional_nat_gateway_data")["unit_price_usd"] == 0.045
    xlarge = cost(instance_class="db.r6g.xlarge")
    assert line(xlarge, "aurora_instance_hours")["unit_price_usd"] == 0.519 and xlarge.valid
    io = cost(instance_class="db.t4g.medium", storage_type="io_optimized")
    instance = line(io, "aurora_instance_hours")
    assert instance["unit_price_usd"] == pytest.approx(0.073 * 1.3) and instance["price_basis"] == "derived"
    assert instance["price_source"].startswith("derived: 1.3 x InstanceUsage:db.t4g.medium")
    assert any("rests on derived prices (InstanceUsageIOOptimized:db.t4g.medium)" in n for n in io.priced.notes(0))
    assert io.valid


def test_the_dev_report_rules_out_nothing_for_a_missing_price():
    from infrakit.core.schema import load_scenario
    from infrakit.report.trade_offs import study

    table = study(load_scenario("notebooks/params/dev.yaml")).table
    reasons = [r for rs in table["reasons"] for r in rs]
    assert reasons and not [r for r in reasons if r.startswith("price missing")]
    assert table.loc[table["nat_strategy"] == "regional", "monthly_usd"].notna().all()


def test_every_commercial_region_is_accepted_with_real_az_names():
    regions = region_catalog()
    assert len(regions) >= 34 and regions["ap-northeast-1"].availability_zones == (
        "ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d")
    for code, region in regions.items():
        assert all(zone.startswith(code) and len(zone) == len(code) + 1 for zone in region.availability_zones)
        assert validate_scenario({"region": code, "az_count": 2})["region"] == code


def test_a_region_with_no_prices_says_so_and_names_the_refresh():
    result = cost(region="ap-southeast-2")
    assert result.monthly_usd is None
    (problem,) = [p for p in result.problems if p.startswith("price missing")]
    assert "no prices for region ap-southeast-2" in problem and "infrakit prices refresh --region ap-southeast-2" in problem


def test_derived_rows_carry_their_rule_and_every_shipped_row_its_basis():
    frame = load_price_catalog().frame
    assert set(frame["basis"]) <= {"captured", "quoted", "derived"}
    derived = frame[frame["basis"] == "derived"]
    assert len(derived) and derived["source"].str.startswith("derived: 1.3 x InstanceUsage:").all()
    assert derived["usage_type"].str.startswith("InstanceUsageIOOptimized:").all()


def test_tiered_cost_charges_each_tier_only_for_what_falls_in_it():
    import numpy as np

    tiers = [(0.0, 0.10), (100.0, 0.05)]
    assert tiered_cost(np.array([0.0, 50.0, 150.0]), tiers).tolist() == pytest.approx([0.0, 5.0, 12.5])
