"""Human-readable cost tables, checked in under tests/golden. A change in logic, units,
rounding or prices shows as a diff someone must accept with --update-golden."""

import pytest

from cost_model import cost_scenario
from cost_model.tables import cost_table
from infrakit.core.schema import load_scenario, validate_scenario
from tests.conftest import ROOT, ZERO_USAGE

CASES = {
    # The seed's IDEAL configuration: us-east-1, 3 AZs, one NAT, HTTP listener, Aurora PostgreSQL.
    "seed_ideal": {"name": "seed-ideal", "az_count": 3, "nat_strategy": "single", "engine_version": "15.8",
                   "reader_count": 1, "listener_protocol": "HTTP", **ZERO_USAGE},
    # The seed's MODEL configuration: CDK's default NAT gateway per AZ, Aurora 15.3.
    "seed_model": {"name": "seed-model", "az_count": 3, "nat_strategy": "per_az", "engine_version": "15.3",
                   "reader_count": 1, **ZERO_USAGE},
    # Default usage, Extended Support in its first year, ARM tasks.
    "eu_west_1_pg13_arm": {"name": "eu-pg13", "region": "eu-west-1", "engine_version": "13.23", "reader_count": 0,
                           "service_arch": "arm64"},
    # No NAT: interface endpoints in every AZ, image from private ECR.
    "no_nat_endpoints": {"name": "no-nat", "nat_strategy": "none", "az_count": 3,
                         "container_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/payment-api:1.4"},
    # A region whose prices are incomplete: lines say "price missing", totals too.
    "eu_central_1_incomplete": {"name": "frankfurt", "region": "eu-central-1"},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cost_table_matches_golden(case, golden):
    scenario = validate_scenario({"start_date": "2026-12-01", **CASES[case]})
    golden(f"{case}.txt", cost_table(cost_scenario(scenario)))


def test_seed_param_files_match_the_golden_cases():
    """The shipped seed parameter files describe the golden configurations."""
    for case in ("seed_ideal", "seed_model"):
        shipped = load_scenario(ROOT / "notebooks" / "params" / f"{case}.yaml")
        for key in ("region", "az_count", "nat_strategy", "engine_version", "reader_count"):
            expected = CASES[case].get(key, shipped[key])
            assert shipped[key] == expected, (case, key)
