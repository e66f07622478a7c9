"""Notebook-facing views: one call per notebook cell, returning something that displays."""

from __future__ import annotations

import html
import time

import pandas as pd

from infrakit.core.text import money, percent, quantity
from infrakit.report import display, explain
from infrakit.report.decision import Choice
from infrakit.report.results import catalog_dates
from infrakit.report.sensitivity import Sensitivity, inputs_frame
from infrakit.report.trade_offs import PARETO_DEFINITION, TradeOffs, TrafficCurves, cheapest_table, invalid_table


class Stopwatch:
    """Named laps for the results' per-phase timings."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now
        return self.laps[name]


def _paragraphs(texts, cls: str = "reason") -> str:
    return "".join(f'<p class="{cls}">{html.escape(t)}</p>' for t in texts)


def recommendation(study: TradeOffs) -> display.Html:
    """The recommendation and the rule that made it (in the HTML report the page's summary
    says this instead: the cell is tagged ``report-summary``)."""
    table = study.table
    figures = {"configurations": f"{len(table)} ({int(table['valid'].sum())} valid, "
                                 f"{int(table['meets_constraints'].sum())} meet the constraints)"}
    if study.recommended is not None:
        row = study.row(study.recommended)
        figures |= {"monthly (first month)": money(float(row["monthly_usd"])),
                    f"over {study.scenario['horizon_months']} months": money(float(row["horizon_usd"])),
                    "egress lost per year": display.hours(float(row["egress_outage_hours_per_year"]))}
    rule = explain.decision_rule(study)
    return display.Html(display.key_figures(figures).markup + _paragraphs(explain.rule_sentences(rule)))


def cheapest(study: TradeOffs, limit: int = 10) -> display.Table:
    frame = cheapest_table(study, limit=limit)
    meets = int(study.table["meets_constraints"].sum())
    shown = min(limit, meets)
    head = (f"The {shown} cheapest of the {meets} configurations that meet the constraints, ranked as the "
            "recommendation ranks them" if meets else "No configuration meets the constraints")
    extra = [n for n in ("recommended", "as given") if n in " ".join(frame["note"].iloc[shown:])]
    return display.Table(frame, name="cheapest", caption=(
        head + (f"; then the {' and the '.join(extra)} configuration" if extra else "") + f". {PARETO_DEFINITION}"))


def ruled_out(study: TradeOffs) -> display.Table | display.Html:
    frame = invalid_table(study)
    if frame.empty:
        return display.note("Every configuration of the study is valid.")
    return display.Table(frame, name="invalid", caption="Each distinct reason and how many configurations it rules out.")


def crossovers(curves: TrafficCurves) -> display.Table | display.Html:
    if curves.crossovers.empty:
        return display.note("No two layouts change order between 0 and "
                            f"{curves.traffic_gb.max():,.0f} GB per month.")
    frame = curves.crossovers.assign(traffic_gb_per_month=curves.crossovers["traffic_gb_per_month"].round(1))
    return display.Table(frame, name="crossovers",
                         caption="Traffic at which two egress layouts cost the same (first month).")


def inputs(study: TradeOffs) -> display.Table:
    """Every usage key, assumption, horizon and constraint with its value and its default."""
    dates = catalog_dates()
    prices, engines = dates["price_catalog"], dates["engine_catalog"]
    return display.Table(inputs_frame(study.scenario), name="inputs", caption=(
        "What the bill and the risk figures rest on besides the configuration; assumptions are not AWS figures. "
        f"Prices: {prices['path']}, effective {prices['effective_from']} to {prices['effective_to']}; engine "
        f"versions: {engines['path']}, snapshot {engines['snapshot_date']}."))


def _recommendation_cell(low: str, high: str, pct: int) -> str:
    if low.startswith("unchanged") and high.startswith("unchanged"):
        return low
    return "; ".join(f"at {sign}{pct} %: {text}" for sign, text in (("-", low), ("+", high))
                     if not text.startswith("unchanged"))


def sensitivity(sens: Sensitivity) -> display.Table:
    pct = round(sens.spread * 100)
    t = sens.table
    frame = pd.DataFrame({
        "key": t["key"],
        "value": [quantity(v) for v in t["value"]],
        f"moved to -{pct} % / +{pct} %": [f"{quantity(a)} / {quantity(b)}" for a, b in
                                          zip(t["low_value"], t["high_value"], strict=True)],
        f"monthly at -{pct} %_usd": t["monthly_low_usd"], f"monthly at +{pct} %_usd": t["monthly_high_usd"],
        "swing_usd": t["swing_usd"],
        "egress lost h/year": [f"{a:.2f}" if a == b else f"{a:.2f} / {b:.2f}"
                               for a, b in zip(t["egress_h_low"], t["egress_h_high"], strict=True)],
        "recommendation": [_recommendation_cell(a, b, pct) for a, b in
                           zip(t["recommendation_low"], t["recommendation_high"], strict=True)],
    })
    changed = sens.changes_recommendation
    verdict = (f"The recommendation changes when {', '.join(changed)} move" if changed else
               f"No key moved by ±{pct} % changes the recommendation")
    return display.Table(frame, name="sensitivity", caption=(
        f"{verdict}. Monthly cost of {sens.decided_description} (now {money(sens.monthly_usd)}) with one key moved; "
        "the recommendation re-computed over the whole study at each value; a key at 0 is not moved."))


def break_evens(sens: Sensitivity) -> display.Html:
    """Where Aurora I/O-Optimized pays, and where each NAT layout overtakes another."""
    io = sens.io
    items = []
    if io.break_even_io_million is None:
        items.append("Aurora I/O-Optimized: no break-even (a price is missing).")
    else:
        share = percent(100 * io.share_of_aurora_at_break_even, digits=0)
        now = percent(100 * (io.io_share_of_aurora or 0.0), digits=1)
        verdict = ("so I/O-Optimized is cheaper here" if io.io_optimized_pays else
                   f"so Standard is cheaper here by {money(io.io_optimized_usd - io.standard_usd)}/month")
        items.append(f"Aurora I/O-Optimized pays above {io.break_even_io_million:,.0f} million I/O requests a month, "
                     f"where I/O would be {share} of the Aurora bill on Standard storage; this scenario has "
                     f"{io.io_million_per_month:,g} million ({now} of the Aurora bill), {verdict}."
                     + ("" if sens.io_optimized_allowed else " The decided engine version does not offer "
                        "I/O-Optimized storage (see the reasons table)."))
    rows = sens.crossovers
    if rows.empty:
        items.append("No two NAT layouts change order over the traffic range studied.")
    for row in rows.itertuples():
        times = row.traffic_gb_per_month / sens.traffic_gb if sens.traffic_gb else None
        items.append(f"NAT: {row.cheaper_above} is cheaper than {row.cheaper_below} above "
                     f"{row.traffic_gb_per_month:,.0f} GB a month of NAT traffic"
                     + (f" ({times:,.1f} x this scenario's {sens.traffic_gb:,g} GB)" if times else "")
                     + f"; the egress layout then costs {money(row.egress_usd)}/month.")
    body = "".join(f"<li>{html.escape(t)}</li>" for t in items)
    return display.Html(f'<ul class="break-evens">{body}</ul>')


def choice(chosen: Choice) -> display.Html:
    """The decided configuration (tagged ``report-summary``: the page's summary says it)."""
    label = "Recommended configuration" if chosen.mode == "recommended" else "Configuration as given"
    return display.Html(f'<p class="choice"><strong>{html.escape(label)}:</strong> '
                        f'{html.escape(chosen.description)}.</p><p class="reason">{html.escape(chosen.why)}</p>')


def as_given(step) -> object:
    if step is None:
        return display.note("The decision is the configuration as given; it is checked below.")
    return step

