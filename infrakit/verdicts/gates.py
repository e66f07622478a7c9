"""Cost gates: ``--max-monthly-usd N``, ``--max-increase-usd N``, ``--max-increase-percent P``.

A gate passes only on a known figure within its limit: a figure that is unknown (a price is
missing on either side) fails the gate, and the message says so. Figures are the first
month's, in cents; an increase from $0 has no finite percentage and fails a percent gate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, Sequence

from infrakit.core.text import money, percent, shown, signed_money
from infrakit.verdicts.compare import delta_percent, delta_usd

# (argparse dest, flag, needs a base, unit)
GATES = (
    ("max_monthly_usd", "--max-monthly-usd", False, "usd"),
    ("max_increase_usd", "--max-increase-usd", True, "usd"),
    ("max_increase_percent", "--max-increase-percent", True, "percent"),
)


@dataclass(frozen=True)
class Gate:
    flag: str
    limit: float
    unit: str  # "usd" or "percent"

    def limit_text(self) -> str:
        """The limit as the message states it: money (signed for an increase), or a percentage."""
        if self.unit == "usd":
            return money(self.limit) if self.flag == "--max-monthly-usd" or self.limit >= 0 else signed_money(self.limit)
        return _percent_text(self.limit)

    def flag_text(self) -> str:
        """The flag with its limit as typed (a plain number, never ``1e+06``)."""
        return f"{self.flag} {plain_number(self.limit)}"


def plain_number(value: float) -> str:
    """``20``, ``612.34``, ``1000000``, ``-5``: the shortest decimal that reads back as ``value``, no exponent."""
    text = format(Decimal(repr(float(value) + 0.0)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent_text(value: float) -> str:
    return f"{plain_number(value)}%"


def parse_gates(values: Mapping[str, Any], *, has_base: bool) -> tuple[list[Gate], list[str]]:
    """Gates from the command line's raw strings; (gates, problems), every problem at once."""
    gates, problems = [], []
    for dest, flag, needs_base, unit in GATES:
        raw = values.get(dest)
        if raw is None:
            continue
        try:
            limit = float(raw)
        except (TypeError, ValueError):
            problems.append(f"{flag}: {shown(raw)} is not a number; give the limit as a number, e.g. "
                            f"{flag} {'500' if unit == 'usd' else '10'}")
            continue
        if not math.isfinite(limit):
            problems.append(f"{flag}: {shown(raw)} is not a finite number; give a limit such as {flag} 10")
            continue
        if dest == "max_monthly_usd" and limit < 0:
            problems.append(f"{flag}: {shown(raw)} is negative; a monthly cost is never below zero")
            continue
        if dest == "max_increase_percent" and limit < -100:
            problems.append(f"{flag}: {shown(raw)} is below -100; a cost cannot fall by more than 100% (a negative "
                            f"limit asks for a decrease of at least that much, e.g. {flag} -10)")
            continue
        if needs_base and not has_base:
            problems.append(f"{flag} compares the head with a base: add --compare-to BASE (a scenario, a template "
                            f"or assembly, or a saved `infrakit cost --json` output)")
            continue
        gates.append(Gate(flag, limit, unit))
    return gates, problems


def _result(gate: Gate, value: float | None, passed: bool, message: str) -> dict[str, Any]:
    return {"gate": gate.flag, "limit": gate.limit, "value": value, "passed": passed,
            "message": f"{gate.flag_text()}: {message}"}


def _unknown(gate: Gate, what: str) -> dict[str, Any]:
    return _result(gate, None, False, f"{what} is unknown because a price is missing, so the gate fails "
                                      f"(add the missing prices; a gate never passes on an unknown figure)")


def evaluate(gates: Sequence[Gate], head: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> list[dict]:
    """Each gate's result: ``gate``, ``limit``, ``value``, ``passed``, ``message``."""
    results = []
    head_usd = head.get("monthly_usd")
    base_usd = None if base is None else base.get("monthly_usd")
    for gate in gates:
        if gate.flag == "--max-monthly-usd":
            if head_usd is None:
                results.append(_unknown(gate, "the head's monthly cost"))
                continue
            value = round(float(head_usd), 2)
            over = value > gate.limit
            results.append(_result(gate, value, not over, f"{money(value)}/month is "
                                   f"{'over' if over else 'within'} the limit of {gate.limit_text()}"))
            continue
        if head_usd is None or base_usd is None:
            results.append(_unknown(gate, "the monthly increase"))
            continue
        delta = delta_usd(base_usd, head_usd)
        span = f"(from {money(base_usd)} to {money(head_usd)})"
        if gate.flag == "--max-increase-usd":
            over = delta > gate.limit
            results.append(_result(gate, delta, not over, f"the monthly cost changes by {signed_money(delta)} {span}, "
                                   f"{'over' if over else 'within'} the limit of {gate.limit_text()}"))
            continue
        pct = delta_percent(base_usd, head_usd)
        if pct is None:  # base is $0
            over = delta > 0
            zero = money(0.0)
            text = (f"an increase from {zero} has no finite percentage" if over else f"no increase from {zero}")
            results.append(_result(gate, None if over else 0.0, not over, f"{text} {span}, "
                                   f"{'over' if over else 'within'} the limit of {gate.limit_text()}"))
            continue
        over = pct > gate.limit
        digits = 2 if round(pct, 1) == round(gate.limit, 1) else 1
        results.append(_result(gate, round(pct, 4), not over,
                               f"the monthly cost changes by {percent(pct, digits=digits, signed=True)} {span}, "
                               f"{'over' if over else 'within'} the limit of {gate.limit_text()}"))
    return results
