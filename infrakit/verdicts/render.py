"""The comparison (and one configuration) as a terminal table and as Markdown for a pull request.

Every line shows its +/-, the totals show the percentage change, and the verdict (status,
gates, reasons) closes the output. A missing price is written as "price missing", never $0.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from cost_model.tables import NARROW_BELOW
from infrakit.core.text import money, percent, signed_money
from infrakit.verdicts.compare import first_month

MARKER = "<!-- infrakit-cost -->"  # lets a CI job find (and update) its own pull-request comment


def _change(line: Mapping[str, Any]) -> str:
    delta = signed_money(line["delta_usd"])
    if line["change"] in ("added", "removed"):
        return f"{delta} ({line['change']})"
    return delta


def _resource(line: Mapping[str, Any], arrow: str) -> str:
    base, head = line.get("base_resource"), line.get("head_resource")
    if base and head and base != head:
        return f"{base} {arrow} {head}"
    return line["resource"]


def _pct(value: float | None) -> str:
    return percent(value, signed=True, missing="n/a")


def _total(delta: float | None, pct: float | None) -> str:
    text = signed_money(delta)
    return text if delta is None else f"{text} ({_pct(pct)})"


def _side(cost: Mapping[str, Any]) -> str:
    source = cost.get("input") or {}
    kind = {"scenario": "scenario", "template": "template", "cost_json": "saved cost JSON"}.get(source.get("kind"))
    where = f" ({kind} {source['path']})" if kind and source.get("path") else ""
    return f"{cost.get('scenario')}{where}"


def _month(cost: Mapping[str, Any]) -> str:
    return first_month(cost) or ""


def _horizon_label(base: Mapping[str, Any], head: Mapping[str, Any]) -> str:
    months = {base.get("horizon_months"), head.get("horizon_months")}
    return f"{months.pop()} months" if len(months) == 1 else "Horizon"


def status_lines(verdict: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    if gates:
        out.append("Gates:")
        out += [f"  {'PASS' if g['passed'] else 'FAIL'} {g['message']}" for g in gates]
    if verdict["status"] == "ok":
        out.append("Status: OK")
    else:
        out.append("Status: FAILED")
        out += [f"  - {reason}" for reason in _not_gates(verdict, gates)]
    return out


def _not_gates(verdict: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> list[str]:
    """The verdict's reasons other than the gates' messages (shown with the gates already)."""
    messages = {g["message"] for g in gates}
    return [reason for reason in verdict["reasons"] if reason not in messages]


def _aligned(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                      for i, cell in enumerate(row)).rstrip() for row in rows]




def _narrow_rows(comparison: Mapping[str, Any], width: int) -> list[str]:
    """Two lines per cost line: component and change, then resource, usage type and both sides."""
    import textwrap

    changes = [_change(line) for line in comparison["lines"]]
    change_width = max([len("Change"), *(len(c) for c in changes)])
    name_width = max(1, width - change_width - 1)
    out = ["Component".ljust(name_width) + " " + "Change".rjust(change_width),
           "  resource (usage type): base -> head"]
    for line, change in zip(comparison["lines"], changes, strict=True):
        out.append(line["component"][:name_width].ljust(name_width) + " " + change.rjust(change_width))
        detail = (f"  {_resource(line, '->')} ({line['usage_type']}): {money(line['base_monthly_usd'])} -> "
                  f"{money(line['head_monthly_usd'])}")
        out += textwrap.wrap(detail, width=width, subsequent_indent="    ", break_on_hyphens=False) or [detail]
    return out


def comparison_table(comparison: Mapping[str, Any], verdict: Mapping[str, Any],
                     gates: Sequence[Mapping[str, Any]] = (), *, width: int | None = None) -> str:
    """The comparison for a terminal: the full-width table, or (``width`` columns narrower than
    it, or under 100) two lines per cost line. ``width`` None (piped output): the full table."""
    base, head = comparison["base"], comparison["head"]
    rows = [("Component", "Resource", "Usage type", "Base", "Head", "Change")]
    for line in comparison["lines"]:
        rows.append((line["component"], _resource(line, "->"), line["usage_type"], money(line["base_monthly_usd"]),
                     money(line["head_monthly_usd"]), _change(line)))
    aligned = _aligned(rows, right={3, 4, 5})
    full_width = max(len(a) for a in aligned)
    narrow = width is not None and (width < NARROW_BELOW or full_width > width)
    if narrow:
        aligned = _narrow_rows(comparison, width)
        head_rows, body = aligned[:2], aligned[2:]
    else:
        head_rows, body = aligned[:1], aligned[1:]
    rule = "-" * (width if narrow else full_width)
    out = [f"Cost change: base {_side(base)} -> head {_side(head)}",
           f"First month: base {_month(base)}, head {_month(head)}", rule, *head_rows, rule, *body, rule,
           f"Monthly, first month: {money(base.get('monthly_usd'))} -> {money(head.get('monthly_usd'))}, "
           f"{_total(comparison['monthly_delta_usd'], comparison['monthly_delta_percent'])}",
           f"{_horizon_label(base, head)}: {money(base.get('horizon_usd'))} -> {money(head.get('horizon_usd'))}, "
           f"{_total(comparison['horizon_delta_usd'], comparison['horizon_delta_percent'])}"]
    if comparison["notes"]:
        out.append("Notes:")
        out += [f"  - {note}" for note in comparison["notes"]]
    out += status_lines(verdict, gates)
    if narrow:
        import textwrap

        out = [part for text in out for part in (textwrap.wrap(text, width=width, subsequent_indent="    ",
                                                               break_on_hyphens=False) if len(text) > width
                                                 else [text])]
    return "\n".join(out) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _md_verdict(verdict: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    if gates:
        out += ["", "**Gates**", ""]
        out += [f"- {'✅' if g['passed'] else '❌'} {_cell(g['message'])}" for g in gates]
    if reasons := _not_gates(verdict, gates):
        out += ["", "**Why it failed**" if verdict["status"] != "ok" else "**Reasons**", ""]
        out += [f"- {_cell(reason)}" for reason in reasons]
    return out


def _md_title(verdict: Mapping[str, Any], subject: str) -> str:
    mark = "✅ ok" if verdict["status"] == "ok" else "❌ failed"
    return f"### infrakit cost: {mark} · {subject}"


def comparison_markdown(comparison: Mapping[str, Any], verdict: Mapping[str, Any],
                        gates: Sequence[Mapping[str, Any]] = ()) -> str:
    base, head = comparison["base"], comparison["head"]
    monthly = _total(comparison["monthly_delta_usd"], comparison["monthly_delta_percent"])
    delta = comparison["monthly_delta_usd"]
    subject = ("the difference is unknown (price missing)" if delta is None else
               f"{signed_money(delta)} per month ({_pct(comparison['monthly_delta_percent'])})")
    out = [MARKER, _md_title(verdict, subject), "",
           f"Base **{_cell(_side(base))}** → head **{_cell(_side(head))}**", "",
           "| | Base | Head | Change |", "|:--|--:|--:|--:|",
           _md_row([f"Monthly ({_month(head)})", money(base.get("monthly_usd")), money(head.get("monthly_usd")),
                    f"**{monthly}**"]),
           _md_row([_horizon_label(base, head), money(base.get("horizon_usd")), money(head.get("horizon_usd")),
                    _total(comparison["horizon_delta_usd"], comparison["horizon_delta_percent"])]),
           "", "| Component | Resource | Usage type | Base | Head | Change |", "|:--|:--|:--|--:|--:|--:|"]
    for line in comparison["lines"]:
        out.append(_md_row([line["component"], _resource(line, "→"), f"`{line['usage_type']}`",
                            money(line["base_monthly_usd"]), money(line["head_monthly_usd"]), _change(line)]))
    out.append(_md_row(["**Total**", "", "", f"**{money(base.get('monthly_usd'))}**",
                        f"**{money(head.get('monthly_usd'))}**", f"**{signed_money(comparison['monthly_delta_usd'])}**"]))
    if comparison["notes"]:
        out += ["", "**Notes**", ""] + [f"- {_cell(note)}" for note in comparison["notes"]]
    out += _md_verdict(verdict, gates)
    out += ["", f"<sub>Prices: {_catalog(head)}. First month's figures; lines matched by key and usage type."
                f"</sub>"]
    return "\n".join(out) + "\n"


def _catalog(cost: Mapping[str, Any]) -> str:
    catalog = cost.get("price_catalog") or {}
    dates = catalog.get("effective_dates") or []
    span = f", effective {dates[0]} to {dates[-1]}" if dates else ""
    return f"`{catalog.get('path', 'cost_model/data/prices.csv')}`{span}"


def cost_markdown(cost: Mapping[str, Any], verdict: Mapping[str, Any], gates: Sequence[Mapping[str, Any]] = ()) -> str:
    """One configuration's cost (no base) as Markdown."""
    month = _month(cost)
    out = [MARKER, _md_title(verdict, f"{money(cost.get('monthly_usd'))} per month"), "",
           f"**{_cell(_side(cost))}**, {cost.get('region')}, first month {month}", "",
           "| Component | Resource | Usage type | Monthly |", "|:--|:--|:--|--:|"]
    for line in cost.get("lines") or []:
        out.append(_md_row([line["component"], line["resource"], f"`{line['usage_type']}`",
                            money(line.get("monthly_usd"))]))
    out.append(_md_row([f"**Total, first month ({month})**", "", "", f"**{money(cost.get('monthly_usd'))}**"]))
    out.append(_md_row([f"Total, {cost.get('horizon_months')} months from {cost.get('start_date')}", "", "",
                        money(cost.get("horizon_usd"))]))
    out += _md_verdict(verdict, gates)
    out += ["", f"<sub>Prices: {_catalog(cost)}.</sub>"]
    return "\n".join(out) + "\n"


def saved_cost_table(cost: Mapping[str, Any]) -> str:
    """A saved cost JSON's lines and totals, as saved (nothing is priced again)."""
    rows = [("Component", "Resource", "Usage type", "Monthly")]
    rows += [(line["component"], line["resource"], line["usage_type"], money(line.get("monthly_usd")))
             for line in cost.get("lines") or []]
    aligned = _aligned(rows, right={3})
    rule = "-" * max(len(a) for a in aligned)
    return "\n".join([f"{_side(cost)}: {cost.get('region')}, month {_month(cost)}", rule, aligned[0], rule,
                      *aligned[1:], rule, f"Total, first month ({_month(cost)}): {money(cost.get('monthly_usd'))}",
                      f"Total, {cost.get('horizon_months')} months from {cost.get('start_date')}: "
                      f"{money(cost.get('horizon_usd'))}"]) + "\n"
