"""Availability model, Pareto frontier and recommendation."""

import numpy as np
import pytest

from cost_model import sweep
from cost_model.availability import assess
from cost_model.scenarios import frame_from_scenarios
from cost_model.sweep import pareto_frontier
from infrakit.core.schema import validate_grid, validate_scenario


def assessed(**kwargs):
    return assess(frame_from_scenarios([validate_scenario(kwargs)])).iloc[0]


def test_single_nat_loses_egress_of_other_azs():
    row = assessed(nat_strategy="single", az_count=3, assumed_az_outages_per_year=0.6, assumed_az_outage_hours=5)
    assert row["egress_outage_hours_per_year"] == pytest.approx(0.6 * 5 * 2 / 3)
    assert not row["egress_survives_az_loss"]
    for strategy in ("per_az", "regional"):
        other = assessed(nat_strategy=strategy, az_count=3)
        assert other["egress_outage_hours_per_year"] == 0 and other["egress_survives_az_loss"]


def test_database_fails_over_only_with_a_reader():
    with_reader = assessed(reader_count=1, assumed_db_failover_minutes=1, assumed_az_outages_per_year=1)
    without = assessed(reader_count=0, assumed_db_recovery_minutes=15, assumed_az_outages_per_year=1)
    assert with_reader["db_outage_hours_per_year"] == pytest.approx(1 / 60)
    assert without["db_outage_hours_per_year"] == pytest.approx(15 / 60)
    assert "fails over" in with_reader["az_loss_database"] and "waits" in without["az_loss_database"]


def test_pareto_frontier():
    cost = np.array([100.0, 120.0, 110.0, 90.0, 130.0])
    horizon = np.array([3600.0, 4320.0, 3960.0, 3240.0, 4680.0])
    risk = np.array([1.0, 0.0, 1.0, 2.0, 0.0])
    eligible = np.array([True, True, True, False, True])
    assert pareto_frontier(cost, horizon, risk, eligible).tolist() == [True, True, False, False, False]
    # Equal on first month and risk, dearer over the horizon: dominated (the third dimension counts).
    assert pareto_frontier(np.array([100.0, 100.0]), np.array([3600.0, 3700.0]), np.array([1.0, 1.0]),
                           np.array([True, True])).tolist() == [True, False]
    # Equal on all three: both on it.
    assert pareto_frontier(np.array([100.0, 100.0]), np.array([3600.0, 3600.0]), np.array([1.0, 1.0]),
                           np.array([True, True])).tolist() == [True, True]


def test_pareto_frontier_in_blocks_equals_the_definition():
    rng = np.random.default_rng(7)
    n = 3000  # several blocks of rows, with ties
    points = rng.integers(0, 40, size=(n, 3)).astype(float)
    eligible = rng.random(n) > 0.1
    got = pareto_frontier(points[:, 0], points[:, 1], points[:, 2], eligible)
    valid = points[eligible]
    expected = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(eligible):
        dominated = ((valid <= points[i]).all(axis=1) & (valid < points[i]).any(axis=1)).any()
        expected[i] = not dominated
    assert (got == expected).all() and got.sum() > 5


def test_recommendation_respects_egress_constraint_and_budget():
    base = {"nat_strategy": ["per_az", "single"], "az_count": [2, 3], "engine_version": ["15.3", "17.7"]}
    free = sweep(validate_grid(base))
    assert free.table.loc[free.recommended, "nat_strategy"] == "single"
    strict = sweep(validate_grid({**base, "egress_must_survive_az_loss": True}))
    row = strict.table.loc[strict.recommended]
    assert row["nat_strategy"] == "per_az" and row["engine_version"] == "17.7"
    assert "Cheaper but rejected" in strict.reason and "egress would not survive" in strict.reason
    broke = sweep(validate_grid({**base, "budget_usd_per_month": 10}))
    assert broke.recommended is None and "over budget" in broke.reason and not broke.table["recommended"].any()


def test_recommended_is_cheapest_valid_meeting_constraints():
    result = sweep(validate_grid({"nat_strategy": ["per_az", "single", "regional", "none"], "az_count": [2, 3],
                                  "reader_count": [0, 1], "region": ["us-east-1", "eu-west-1"]}))
    table = result.table
    eligible = table[table["meets_constraints"]]
    assert table.loc[result.recommended, "monthly_usd"] == eligible["monthly_usd"].min()
    assert table.loc[result.recommended, "pareto"]
