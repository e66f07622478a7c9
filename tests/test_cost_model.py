"""The cost model against the issue's acceptance figures and its own invariants."""

import math

import pytest

from cost_model import cost_scenario, sweep
from cost_model.catalog import load_price_catalog
from cost_model.scenarios import scenario_from_row
from infrakit.core.schema import validate_grid, validate_scenario
from tests.conftest import ZERO_USAGE


def scenario(**overrides):
    return validate_scenario({"start_date": "2026-12-01", **overrides})


def lines_by(result, component, resource_fragment=""):
    return [l for l in result.lines() if l["component"] == component and resource_fragment in l["resource"]]


def test_seed_nat_figures_per_az_vs_single():
    per_az = cost_scenario(scenario(az_count=3, nat_strategy="per_az", **ZERO_USAGE))
    single = cost_scenario(scenario(az_count=3, nat_strategy="single", **ZERO_USAGE))
    (nat3,) = lines_by(per_az, "NAT gateway")
    (nat1,) = lines_by(single, "NAT gateway")
    assert (nat3["quantity"], nat3["unit_price_usd"], round(nat3["monthly_usd"], 2)) == (2190.0, 0.045, 98.55)
    assert (nat1["quantity"], round(nat1["monthly_usd"], 2)) == (730.0, 32.85)
    (eip3,) = lines_by(per_az, "Public IPv4 address", "NAT gateway EIP")
    (eip1,) = lines_by(single, "Public IPv4 address", "NAT gateway EIP")
    assert round(eip3["monthly_usd"], 2) == 10.95 and round(eip1["monthly_usd"], 2) == 3.65
    (alb_ips,) = lines_by(single, "Public IPv4 address", "ALB")
    assert alb_ips["quantity"] == 3 * 730  # one address per AZ of an internet-facing ALB
    # Every dollar figure names its catalog row.
    for line in per_az.lines():
        assert line["price_source"] and line["price_effective_date"] and line["usage_type"]


def test_extended_support_line_and_year3_over_horizon():
    result = cost_scenario(scenario(engine_version="13.23", reader_count=0, instance_class="db.r6g.large",
                                    horizon_months=36, **ZERO_USAGE))
    (es,) = lines_by(result, "Extended Support (years 1-2)")
    assert es["quantity"] == 2 * 730 and es["unit_price_usd"] == 0.10 and round(es["monthly_usd"], 2) == 146.00
    schedule = {m["month"]: m["usd"] for m in result.to_json()["schedule"]}
    base = schedule["2026-12"] - 146.0
    assert schedule["2028-02"] == pytest.approx(base + 146.0)  # last month of years 1-2
    assert schedule["2028-03"] == pytest.approx(base + 292.0)  # year 3 doubles the rate
    assert schedule["2029-02"] == pytest.approx(base + 292.0)  # end of Extended Support
    assert schedule["2029-03"] == pytest.approx(base)  # AWS upgrades; the charge stops
    year3 = [l for l in result.lines(month_offset=15) if l["component"] == "Extended Support (year 3)"]
    assert year3 and year3[0]["unit_price_usd"] == 0.20 and year3[0]["month"] == "2028-03"
    unrounded = sum(m["usd"] for m in result.priced.schedule(0))
    assert result.horizon_usd == pytest.approx(unrounded, abs=0.005)


def test_no_extended_support_while_in_standard_support():
    result = cost_scenario(scenario(engine_version="17.7"))
    assert not [l for l in result.lines() if "Extended Support" in l["component"]]


def test_shared_nat_adds_cross_az_crossing_for_azs_without_nat():
    usage = {**ZERO_USAGE, "nat_data_gb_per_month": 300}
    single = cost_scenario(scenario(az_count=3, nat_strategy="single", **usage))
    (crossing,) = lines_by(single, "Cross-AZ data transfer", "shared NAT")
    assert crossing["quantity"] == pytest.approx(300 * 2 / 3 * 2)  # 2 of 3 AZs, billed both ways
    per_az = cost_scenario(scenario(az_count=3, nat_strategy="per_az", **usage))
    assert not lines_by(per_az, "Cross-AZ data transfer", "shared NAT")


def test_lcu_is_the_largest_dimension():
    result = cost_scenario(scenario(**{**ZERO_USAGE, "alb_new_connections_per_second": 50,
                                       "alb_active_connections_per_minute": 3000, "alb_processed_gb_per_hour": 0.5,
                                       "alb_rule_evaluations_per_second": 100}))
    (lcu,) = lines_by(result, "Load balancer capacity units")
    assert lcu["quantity"] == pytest.approx(2.0 * 730)  # 50 new connections/s = 2 LCU


def test_aurora_io_only_on_standard_and_backup_beyond_free():
    usage = {**ZERO_USAGE, "aurora_storage_gb": 100, "aurora_backup_gb": 250, "aurora_io_million_requests_per_month": 40}
    standard = cost_scenario(scenario(storage_type="standard", **usage))
    io_opt = cost_scenario(scenario(storage_type="io_optimized", engine_version="16.8", **usage))
    (io,) = lines_by(standard, "I/O requests")
    assert round(io["monthly_usd"], 2) == 8.00
    assert not lines_by(io_opt, "I/O requests")
    (backup,) = lines_by(standard, "Backup storage")
    assert backup["quantity"] == 150
    (instance,) = lines_by(io_opt, "Database instance")
    assert instance["usage_type"] == "InstanceUsageIOOptimized:db.r6g.large" and instance["unit_price_usd"] == 0.338
    (storage,) = lines_by(io_opt, "Storage")
    assert storage["usage_type"] == "Aurora:IO-OptimizedStorageUsage"


def test_fargate_arm_rates_and_endpoints_for_no_nat():
    result = cost_scenario(scenario(service_arch="arm64", nat_strategy="none", az_count=3,
                                    container_image="123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"))
    (vcpu,) = lines_by(result, "Fargate vCPU")
    assert vcpu["usage_type"] == "Fargate-ARM-vCPU-Hours:perCPU"
    (endpoints,) = lines_by(result, "Interface VPC endpoint")
    assert endpoints["quantity"] == 4 * 3 * 730
    assert not lines_by(result, "NAT gateway") and result.valid


def test_missing_price_is_never_zero():
    result = cost_scenario(scenario(region="eu-central-1", az_count=3))
    assert result.monthly_usd is None and result.horizon_usd is None
    assert not result.valid and any("LoadBalancerUsage" in p for p in result.problems)
    missing = [l for l in result.lines() if l["unit_price_usd"] is None]
    assert missing and all(l["monthly_usd"] is None for l in missing)


def test_priced_regions_cover_every_component_of_the_default_configuration():
    for region in ("us-east-1", "eu-west-1"):
        for strategy in ("per_az", "single"):
            result = cost_scenario(scenario(region=region, nat_strategy=strategy))
            assert result.valid, (region, strategy, result.problems)


def test_sweep_matches_one_by_one_costing_row_for_row():
    grid = validate_grid({
        "start_date": "2026-12-01", "nat_strategy": ["per_az", "single", "regional", "none"], "az_count": [2, 3],
        "engine_version": ["13.23", "15.10", "17.7"], "storage_type": ["standard", "io_optimized"],
        "reader_count": [0, 2], "region": ["us-east-1", "eu-west-1"], "service_arch": ["x86_64", "arm64"],
    })
    result = sweep(grid)
    assert len(result.table) == grid.size == 4 * 2 * 3 * 2 * 2 * 2 * 2
    for config_id, row in result.table.iloc[::7].iterrows():
        keys = {k: row[k] for k in grid.axes}
        one = cost_scenario(validate_scenario(scenario_from_row(result.table, config_id)))
        for total, single in ((row["monthly_usd"], one.monthly_usd), (row["horizon_usd"], one.horizon_usd)):
            if single is None:
                assert math.isnan(total)
            else:
                assert round(total, 2) == single, (config_id, keys)


def test_sweep_marks_invalid_rows_and_keeps_them():
    grid = validate_grid({"nat_strategy": ["single", "regional"], "engine_version": ["15.3", "15.10"],
                          "region": ["us-east-1", "eu-central-1"], "az_count": [2, 4]})
    table = sweep(grid).table
    assert len(table) == 16
    deprecated = table[table["engine_version"] == "15.3"]
    assert not deprecated["valid"].any()
    assert all(any("15.3 is deprecated" in r for r in reasons) for reasons in deprecated["reasons"])
    frankfurt = table[table["region"] == "eu-central-1"]
    assert frankfurt["monthly_usd"].isna().all() and not frankfurt["valid"].any()
    too_many = table[(table["region"] == "eu-central-1") & (table["az_count"] == 4)]
    assert all(any("more than the 3 Availability Zones" in r for r in reasons) for reasons in too_many["reasons"])
    assert table.loc[table["valid"], "monthly_usd"].gt(0).all()


def test_catalog_rows_are_sourced_dated_and_unique():
    frame = load_price_catalog().frame
    assert not frame.duplicated(["region", "usage_type"]).any()
    assert (frame["usd_per_unit"] > 0).all()
    assert frame["source"].str.len().gt(10).all()
    assert frame["effective_date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_no_dollar_figures_in_code():
    """Prices are data: no float literal in the cost model, infra_lib or infrakit equals a
    catalog price, and no string literal spells a dollar amount."""
    import ast
    import re
    from pathlib import Path

    prices = set(load_price_catalog().frame["usd_per_unit"])
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for package in ("cost_model", "infra_lib", "infrakit"):
        check_floats = package != "infrakit"  # infrakit holds usage defaults and assumptions, not prices
        for path in (root / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                          and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
            for node in ast.walk(tree):
                if check_floats and isinstance(node, ast.Constant) and isinstance(node.value, float) \
                        and node.value in prices:
                    offenders.append(f"{path.name}:{node.lineno} {node.value}")
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                        and re.search(r"\$\d", node.value):
                    offenders.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_price_missing_reason_names_each_rows_own_usage_type():
    grid = validate_grid({"storage_type": "io_optimized", "instance_class": ["db.r6i.large", "db.r7i.large"]})
    table = sweep(grid).table
    for _, row in table.iterrows():
        (reason,) = [r for r in row["reasons"] if r.startswith("price missing")]
        assert f"usage type(s) InstanceUsageIOOptimized:{row['instance_class']};" in reason


def test_budget_is_compared_in_cents():
    monthly = cost_scenario(scenario()).monthly_usd
    result = sweep(validate_grid({"start_date": "2026-12-01", "budget_usd_per_month": monthly,
                                  "az_count": [2, 3]}))
    assert result.recommended is not None and result.table.loc[result.recommended, "monthly_usd"] <= monthly + 0.005


def test_recommendation_ties_go_to_the_major_with_the_later_end_of_standard_support():
    from cost_model import sweep
    from infrakit.core.catalogs import engine_catalog
    from infrakit.core.schema import validate_grid

    # Within a 12-month horizon neither major reaches Extended Support, so both cost the same.
    grid = validate_grid({"name": "tie", "horizon_months": 12, "start_date": "2026-12-01", "nat_strategy": "single",
                          "engine_version": ["15.10", "17.7"]})
    result = sweep(grid)
    table = result.table
    assert table["monthly_usd"].nunique() == 1 and table["horizon_usd"].nunique() == 1
    majors = engine_catalog().majors
    later = max(("15.10", "17.7"), key=lambda v: majors[v.split(".")[0]].end_of_standard_support)
    assert table.loc[result.recommended, "engine_version"] == later
    # Order of the grid does not decide it.
    flipped = sweep(validate_grid({**{"name": "tie", "horizon_months": 12, "start_date": "2026-12-01",
                                      "nat_strategy": "single"}, "engine_version": ["17.7", "15.10"]}))
    assert flipped.table.loc[flipped.recommended, "engine_version"] == later
