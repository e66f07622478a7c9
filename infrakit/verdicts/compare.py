"""One configuration's status, and the difference between a base and a head.

Both work on the cost JSON contract (``infrakit cost --json``), so a configuration priced
now and one saved earlier (the base branch, priced on main) are compared the same way.

Status of one configuration (``cost_verdict``), ``failed`` when any of:

- a price is missing (``monthly_usd`` is null): the total is unknown, never $0;
- it is not deployable (``valid: false``): AWS or the kit's rules would refuse it;
- it costs more per month (first month, in cents) than its own ``budget_usd_per_month``.

Lines of base and head are matched by their stable ``key`` plus ``usage_type`` (a change of
instance class is one line removed and one added), never by their labels.
"""

from __future__ import annotations

from typing import Any, Mapping

from infrakit.core.text import money
from infrakit.report.status import FAILED, OK, Verdict

PRICE_MISSING = "price missing"


def cost_verdict(cost: Mapping[str, Any]) -> Verdict:
    """``ok`` or ``failed`` (with the reasons) for one cost JSON (see the module doc)."""
    reasons = []
    problems = [str(p) for p in cost.get("problems") or []]
    monthly = cost.get("monthly_usd")
    if monthly is None:
        missing = [p for p in problems if p.startswith(PRICE_MISSING)]
        reasons.append(missing[0] if missing else "price missing: the monthly total could not be priced")
    refused = [p for p in problems if not p.startswith(PRICE_MISSING)]
    if refused:
        reasons.append("not deployable (valid: false): " + "; ".join(refused))
    elif cost.get("valid") is False and monthly is not None:
        reasons.append("not deployable (valid: false)")
    budget = cost.get("budget_usd_per_month")
    if budget is not None and monthly is not None and round(float(monthly), 2) > float(budget):
        reasons.append(f"over budget: {money(monthly)}/month against budget_usd_per_month {money(budget)}")
    return Verdict(FAILED, tuple(reasons)) if reasons else Verdict(OK)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value) + 0.0, 2)


def delta_usd(base: float | None, head: float | None) -> float | None:
    """``head - base`` in cents, each side rounded to the cent first (as shown); None when unknown.
    The comparison and the gates both use it, so a gate judges the figure the comparison shows."""
    return None if base is None or head is None else _round(_round(head) - _round(base))



def delta_percent(base: float | None, head: float | None) -> float | None:
    """The change as a percentage of ``base``; None when unknown or when the base is $0."""
    if base is None or head is None or round(float(base), 2) == 0:
        return None
    return (round(float(head), 2) - round(float(base), 2)) / round(float(base), 2) * 100


def _by_line(cost: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Lines by (key, usage type); lines sharing both are summed (a missing price stays missing)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for line in cost.get("lines") or []:
        match = (str(line["key"]), str(line["usage_type"]))
        value = line.get("monthly_usd")
        if match not in out:
            out[match] = {**line, "monthly_usd": None if value is None else float(value)}
        else:
            known = out[match]["monthly_usd"]
            out[match]["monthly_usd"] = None if known is None or value is None else known + float(value)
    return out


def _line(match, base: dict | None, head: dict | None) -> dict[str, Any]:
    shown = head or base
    base_usd = 0.0 if base is None else _round(base["monthly_usd"])
    head_usd = 0.0 if head is None else _round(head["monthly_usd"])
    delta = delta_usd(base_usd, head_usd)
    if base is None:
        change = "added"
    elif head is None:
        change = "removed"
    elif delta is None:
        change = PRICE_MISSING
    else:
        change = "unchanged" if delta == 0 else "changed"
    return {
        "key": match[0],
        "group": shown.get("group"),
        "component": shown["component"],
        "resource": shown["resource"],
        "usage_type": match[1],
        "base_monthly_usd": base_usd,
        "head_monthly_usd": head_usd,
        "delta_usd": delta,
        "change": change,
        "base_resource": None if base is None else base["resource"],
        "head_resource": None if head is None else head["resource"],
    }


def _merged_order(base: list, head: list) -> list:
    """Head's lines in head's order, each line only the base has placed after the base line before it."""
    order = list(head)
    previous = None
    for match in base:
        if match not in head:
            at = order.index(previous) + 1 if previous in order else 0
            order.insert(at, match)
        previous = match
    return order


def compare(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison JSON: ``base``, ``head`` (their cost JSON), ``monthly_delta_usd``,
    ``horizon_delta_usd`` and ``lines`` (``component``, ``resource``, ``usage_type``,
    ``base_monthly_usd``, ``head_monthly_usd``, ``delta_usd``, plus ``key``, ``group``,
    ``change`` and each side's resource label), plus the percentages and notes.

    A line one side lacks counts as $0 on that side (``change``: added or removed); a line
    whose price is missing is null, and so is its difference.
    """
    base_lines, head_lines = _by_line(base), _by_line(head)
    order = _merged_order(list(base_lines), list(head_lines))
    lines = [_line(m, base_lines.get(m), head_lines.get(m)) for m in order]
    return {
        "base": dict(base),
        "head": dict(head),
        "monthly_delta_usd": delta_usd(base.get("monthly_usd"), head.get("monthly_usd")),
        "horizon_delta_usd": delta_usd(base.get("horizon_usd"), head.get("horizon_usd")),
        "monthly_delta_percent": _round(delta_percent(base.get("monthly_usd"), head.get("monthly_usd"))),
        "horizon_delta_percent": _round(delta_percent(base.get("horizon_usd"), head.get("horizon_usd"))),
        "lines": lines,
        "notes": _notes(base, head),
    }


def first_month(cost: Mapping[str, Any]) -> str | None:
    """A cost JSON's first month ("2026-12"): its lines', else its start date's; None when neither."""
    lines = cost.get("lines") or []
    return lines[0].get("month") if lines else str(cost.get("start_date") or "")[:7] or None


def _notes(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    notes = []
    for side, cost in (("base", base), ("head", head)):
        if cost.get("monthly_usd") is None:
            notes.append(f"{side}: the monthly total is unknown (a price is missing), so the difference is unknown")
        reasons = (cost.get("verdict") or {}).get("reasons") or cost_verdict(cost).reasons
        for reason in reasons:
            if not reason.startswith(PRICE_MISSING):
                notes.append(f"{side}: {reason}")
    if first_month(base) != first_month(head):
        notes.append(f"the first months differ (base {first_month(base)}, head {first_month(head)}): each side's "
                     f"lines are its own first month")
    if base.get("horizon_months") != head.get("horizon_months"):
        notes.append(f"the horizons differ (base {base.get('horizon_months')} months, head "
                     f"{head.get('horizon_months')} months), so the horizon difference mixes lengths")
    if base.get("region") != head.get("region"):
        notes.append(f"the regions differ (base {base.get('region')}, head {head.get('region')})")
    return notes
