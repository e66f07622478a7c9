"""The sensitivity analysis: each usage key and assumption moved around the decided
configuration. Every expected figure is computed here from cost_model (prices change under
these tests), never written down."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cost_model import cost_scenario, sweep_frame
from cost_model.sensitivity import aurora_io_break_even, recommend_by_group
from infrakit.core.schema import ASSUMPTION_KEYS, USAGE_KEYS, validate_scenario
from infrakit.report import charts, sensitivity, trade_offs, views

BASE = {"name": "sens", "start_date": "2026-12-01", "horizon_months": 24}


@pytest.fixture(scope="module")
def dev_like():
    study = trade_offs.study(validate_scenario({**BASE, "reader_count": 0, "instance_class": "db.t4g.medium"}))
    return study, sensitivity.analyse(study, study.base_id)


def test_recommend_by_group_is_the_sweeps_rule_on_each_block():
    """One stacked sweep, a recommendation per block: the same as sweeping each block alone."""
    study = trade_offs.study(validate_scenario(BASE))
    frame = study.table[list(sensitivity.SCENARIO_COLUMNS)]
    blocks = []
    for budget, traffic in ((None, 50.0), (None, 9000.0), (260.0, 50.0), (1.0, 50.0)):
        block = frame.copy()
        block["budget_usd_per_month"] = np.nan if budget is None else budget
        block["nat_data_gb_per_month"] = traffic
        blocks.append(block)
    stacked = pd.concat(blocks, ignore_index=True)
    stacked.index.name = "config_id"
    picks = recommend_by_group(sweep_frame(stacked).table, np.repeat(np.arange(len(blocks)), len(frame)))
    for group, block in enumerate(blocks):
        alone = sweep_frame(block.reset_index(drop=True).rename_axis("config_id"))
        expected = None if alone.recommended is None else alone.recommended + group * len(frame)
        assert picks[group] == expected, group
    assert picks[3] is None  # a $1 budget: nothing meets the constraints


def test_every_usage_key_and_assumption_is_moved_and_priced_by_the_cost_model(dev_like):
    study, sens = dev_like
    assert set(sens.table["key"]) == set(USAGE_KEYS) | set(ASSUMPTION_KEYS)
    decided = study.config(study.base_id)
    for row in sens.table.itertuples():
        if row.value == 0:
            continue
        assert row.low_value == pytest.approx(row.value * 0.5) and row.high_value == pytest.approx(row.value * 1.5)
        for side, value in (("low", row.low_value), ("high", row.high_value)):
            moved = validate_scenario({**decided, row.key: value})
            assert getattr(row, f"monthly_{side}_usd") == pytest.approx(cost_scenario(moved).monthly_usd, abs=0.006)
    # The rows are ordered by how much they move the bill.
    assert list(sens.table["swing_usd"]) == sorted(sens.table["swing_usd"], reverse=True)


def test_assumptions_move_the_risk_not_the_bill(dev_like):
    _, sens = dev_like
    rate = sens.table.set_index("key").loc["assumed_az_outages_per_year"]
    assert rate["swing_usd"] == pytest.approx(0.0)
    if sens.decided["nat_strategy"] == "single":  # a single NAT's egress risk scales with the outage rate
        assert rate["egress_h_high"] == pytest.approx(3 * rate["egress_h_low"])


def test_a_key_at_zero_is_not_moved():
    study = trade_offs.study(validate_scenario({**BASE, "aurora_backup_gb": 0.0}))
    sens = sensitivity.analyse(study, study.base_id)
    row = sens.table.set_index("key").loc["aurora_backup_gb"]
    assert row["low_value"] == row["high_value"] == 0 and "not moved" in row["recommendation_low"]


def test_the_recommendation_change_is_what_a_new_study_recommends():
    """Put NAT traffic at the single vs per-AZ crossover: halving or raising it by half moves the
    recommendation, to exactly what a study of the moved scenario recommends."""
    base = validate_scenario({**BASE, "reader_count": 0})
    crossing = trade_offs.traffic_curves(base).crossovers
    gb = float(crossing[(crossing["cheaper_below"] == "single")]["traffic_gb_per_month"].max())
    scenario = validate_scenario({**base, "nat_data_gb_per_month": round(gb, 1)})
    study = trade_offs.study(scenario)
    sens = sensitivity.analyse(study, study.base_id)
    row = sens.table.set_index("key").loc["nat_data_gb_per_month"]
    for side, factor in (("low", 0.5), ("high", 1.5)):
        moved = trade_offs.study(validate_scenario({**scenario, "nat_data_gb_per_month": round(gb, 1) * factor}))
        expected = trade_offs.describe(moved.config(moved.recommended))
        same = moved.row(moved.recommended)[list(trade_offs.VARIED_KEYS)].tolist() == \
            study.row(study.recommended)[list(trade_offs.VARIED_KEYS)].tolist()
        assert row[f"recommendation_{side}"] == ("unchanged" if same else expected)
    assert row["recommendation_changes"]
    assert "nat_data_gb_per_month" in sens.changes_recommendation
    chart = charts.tornado_chart(sens)
    assert charts.text_collisions(chart.figure) == []
    labels = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert "nat_data_gb_per_month  (recommendation changes)" in labels


def test_spread_is_settable_and_checked(dev_like):
    study, _ = dev_like
    narrow = sensitivity.analyse(study, study.base_id, spread=0.1)
    row = narrow.table.set_index("key").loc["log_ingest_gb_per_month"]
    assert row["low_value"] == pytest.approx(0.9 * row["value"]) and row["high_value"] == pytest.approx(1.1 * row["value"])
    with pytest.raises(ValueError, match="spread"):
        sensitivity.analyse(study, study.base_id, spread=1.5)
    assert "±10 %" in views.sensitivity(narrow).caption


@pytest.mark.parametrize("instance_class", ["db.r6g.large", "db.t4g.medium"])
def test_io_optimized_break_even_is_where_both_storage_types_cost_the_same(instance_class):
    scenario = validate_scenario({**BASE, "instance_class": instance_class, "engine_version": "16.8"})
    io = aurora_io_break_even(scenario)
    assert io.break_even_io_million is not None and io.break_even_io_million > 0

    def aurora(storage: str, io_million: float) -> float:
        cost = cost_scenario(validate_scenario({**scenario, "storage_type": storage,
                                                "aurora_io_million_requests_per_month": io_million}))
        return sum(line["monthly_usd"] for line in cost.lines() if line["group"] == "aurora")

    at = io.break_even_io_million
    assert aurora("standard", at) == pytest.approx(aurora("io_optimized", at), abs=0.01)
    assert aurora("standard", 0.8 * at) < aurora("io_optimized", 0.8 * at)
    assert aurora("standard", 1.2 * at) > aurora("io_optimized", 1.2 * at)
    io_line = next(line for line in cost_scenario(validate_scenario(
        {**scenario, "aurora_io_million_requests_per_month": at})).lines() if line["key"] == "aurora_io_requests")
    assert io.share_of_aurora_at_break_even == pytest.approx(io_line["monthly_usd"] / aurora("standard", at), rel=1e-6)
    assert io.io_optimized_pays is (scenario["aurora_io_million_requests_per_month"] > at)


def test_break_evens_name_the_io_threshold_and_every_nat_crossover(dev_like):
    study, _ = dev_like
    curves = trade_offs.traffic_curves(study.config(study.base_id))
    sens = sensitivity.analyse(study, study.base_id, curves=curves)
    text = views.break_evens(sens).markup
    assert f"{sens.io.break_even_io_million:,.0f} million I/O requests" in text
    for row in curves.crossovers.itertuples():
        assert f"{row.cheaper_above} is cheaper than {row.cheaper_below} above {row.traffic_gb_per_month:,.0f} GB" in text
