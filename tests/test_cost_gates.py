"""Gate messages state money as money and limits as typed (never ``1e+06``); negative limits
of an increase ask for a decrease, and impossible ones are refused."""

from __future__ import annotations

import pytest

from infrakit.core.text import money
from infrakit.verdicts.gates import evaluate, parse_gates


def _gates(has_base=True, **values):
    gates, problems = parse_gates(values, has_base=has_base)
    assert problems == []
    return gates


def test_a_large_money_limit_is_never_written_in_exponent_form():
    head = {"monthly_usd": 1234567.89}
    (result,) = evaluate(_gates(has_base=False, max_monthly_usd="1234567.88"), head)
    assert result["message"].startswith("--max-monthly-usd 1234567.88: ") and "e+" not in result["message"]
    assert f"{money(1234567.89)}/month is over the limit of {money(1234567.88)}" in result["message"]
    (result,) = evaluate(_gates(has_base=False, max_monthly_usd="2000000"), head)
    assert result["passed"] and result["message"].startswith("--max-monthly-usd 2000000: ")


def test_a_negative_increase_limit_asks_for_a_decrease_and_says_so_signed():
    base, head = {"monthly_usd": 100.0}, {"monthly_usd": 97.0}
    usd, pct = evaluate(_gates(max_increase_usd="-5", max_increase_percent="-5"), head, base)
    assert not usd["passed"] and usd["message"].startswith("--max-increase-usd -5: ")
    assert "changes by -$3.00" in usd["message"] and "over the limit of -$5.00" in usd["message"]
    assert not pct["passed"] and pct["message"].startswith("--max-increase-percent -5: ")
    assert "over the limit of -5%" in pct["message"]
    (usd,) = evaluate(_gates(max_increase_usd="-2"), head, base)
    assert usd["passed"] and "within the limit of -$2.00" in usd["message"]


@pytest.mark.parametrize("flag, raw, fragment", [
    ("max_increase_percent", "-150", "cannot fall by more than 100%"),
    ("max_monthly_usd", "-1", "never below zero"),
])
def test_impossible_limits_are_refused(flag, raw, fragment):
    _, problems = parse_gates({flag: raw}, has_base=True)
    assert len(problems) == 1 and fragment in problems[0] and repr(raw) in problems[0]
