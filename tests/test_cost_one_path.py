"""One implementation per rule: the gates judge the difference the comparison shows, the
sensitivity study orders candidates with the sweep's own order, a streamed summary is finished
once, and the dead helpers stay gone."""

from __future__ import annotations

import json

import numpy as np

from cost_model.sweep import candidate_order


def test_a_gate_judges_the_difference_the_comparison_shows():
    from infrakit.verdicts.compare import compare
    from infrakit.verdicts.gates import evaluate, parse_gates

    base = {"scenario": "b", "monthly_usd": 10.004, "horizon_usd": 100.0, "lines": []}
    head = {"scenario": "h", "monthly_usd": 10.006, "horizon_usd": 100.0, "lines": []}
    gates, _ = parse_gates({"max_increase_usd": "0"}, has_base=True)
    (gate,) = evaluate(gates, head, base)
    comparison = compare(base, head)
    assert gate["value"] == comparison["monthly_delta_usd"] == 0.01 and not gate["passed"]


def test_the_sensitivity_pick_per_group_is_the_sweeps_candidate_order():
    import pandas as pd

    from cost_model.sensitivity import recommend_by_group

    rng = np.random.default_rng(7)
    n = 60
    table = pd.DataFrame({"monthly_usd": rng.integers(1, 4, n).astype(float),
                          "egress_outage_hours_per_year": rng.integers(0, 2, n).astype(float),
                          "horizon_usd": rng.integers(1, 3, n).astype(float),
                          "engine_version": rng.choice(["13.23", "15.10", "17.7"], n),
                          "meets_constraints": rng.random(n) < 0.7}, index=np.arange(100, 100 + n))
    groups = np.repeat(np.arange(6), 10)
    picks = recommend_by_group(table, groups)
    from cost_model.sweep import standard_support_end

    support = standard_support_end(table["engine_version"])
    for group in range(6):
        rows = np.flatnonzero((groups == group) & table["meets_constraints"].to_numpy())
        order = candidate_order(table["monthly_usd"].to_numpy()[rows],
                                table["egress_outage_hours_per_year"].to_numpy()[rows],
                                table["horizon_usd"].to_numpy()[rows], support[rows])
        assert picks[group] == (int(table.index[rows[order[0]]]) if len(rows) else None)


def test_a_streamed_summary_with_parquet_is_finished_once(monkeypatch, tmp_path):
    from infrakit import sweep_stream
    from infrakit.core.schema import validate_grid

    calls = []
    real = sweep_stream.finish
    monkeypatch.setattr(sweep_stream, "finish", lambda *a, **k: calls.append(1) or real(*a, **k))
    grid = validate_grid({"nat_strategy": ["single", "per_az"], "az_count": [2, 3]})
    summary, info = sweep_stream.summarize(grid, chunk_rows=2, parquet=str(tmp_path / "rows"))
    assert len(calls) == 1 and info["chunks"] == 2
    manifest = json.loads((tmp_path / "rows" / "_infrakit_sweep.json").read_text())
    assert manifest["summary"]["recommended"] == summary.recommended


def test_dead_helpers_are_gone():
    import cost_model.sensitivity
    import cost_model.sweep
    import infrakit.verdicts.render
    from cost_model.pricing import PricedBill

    assert not hasattr(PricedBill, "first_month_by_key")
    assert not hasattr(cost_model.sweep, "rule_reasons")
    assert not hasattr(cost_model.sensitivity, "RULE_ORDER")
    from cost_model.tables import NARROW_BELOW

    assert infrakit.verdicts.render.NARROW_BELOW is NARROW_BELOW  # one constant, imported
