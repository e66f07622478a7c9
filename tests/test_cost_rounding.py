"""Displayed figures are consistent: where lines (or the schedule's months) rounded to the cent
do not add up to the total shown, the output says so with both figures."""

from __future__ import annotations

import itertools

from cost_model import cost_scenario
from cost_model.tables import cost_table
from infrakit.core.schema import validate_scenario
from infrakit.core.text import money


def _configurations():
    for nat, az in itertools.product(["per_az", "single"], [2, 3]):
        yield cost_scenario(validate_scenario({"nat_strategy": nat, "az_count": az, "engine_version": "13.23",
                                               "start_date": "2026-12-01"}))


def test_shown_lines_and_months_add_up_to_the_totals_or_a_note_says_by_how_much():
    noted = 0
    for result in _configurations():
        data = result.to_json()
        lines_sum = round(sum(line["monthly_usd"] for line in data["lines"]), 2)
        months_sum = round(sum(m["usd"] for m in data["schedule"]), 2)
        notes = [n for n in data["assumptions"]["pricing"] if n.startswith("rounding:")]
        table = cost_table(result, width=None)
        for shown_sum, total, what in ((lines_sum, data["monthly_usd"], "the first month's lines"),
                                       (months_sum, data["horizon_usd"], "the schedule's months")):
            said = f"{what} add up to {money(shown_sum)} against {money(total)}"
            if abs(shown_sum - total) < 0.005:
                assert not any(what in n for n in notes)
            else:
                noted += 1
                assert any(said in n for n in notes), (said, notes)
                if what == "the first month's lines":
                    assert f"Note: lines are shown to the cent and each total is the unrounded sum rounded once, " \
                           f"so {said}" in table
        assert "schedule's months" not in table  # a table shows no months
    assert noted  # the configurations above do not all add up exactly (else this test checks nothing)
