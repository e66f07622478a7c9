"""Notebook-facing views: one call per notebook cell, returning something that displays."""

from __future__ import annotations

import html
import time

from cost_model.availability import assumptions
from infrakit.report import display
from infrakit.report.decision import Choice
from infrakit.report.results import catalog_dates
from infrakit.report.trade_offs import TradeOffs, TrafficCurves, cheapest_table, invalid_table


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


def recommendation(study: TradeOffs) -> display.Html:
    table = study.table
    figures = {"configurations": f"{len(table)} ({int(table['valid'].sum())} valid, "
                                 f"{int(table['meets_constraints'].sum())} meet the constraints)"}
    if study.recommended is not None:
        row = study.row(study.recommended)
        figures |= {"monthly (first month)": display.money(float(row["monthly_usd"])),
                    f"over {study.scenario['horizon_months']} months": display.money(float(row["horizon_usd"])),
                    "egress lost per year": display.hours(float(row["egress_outage_hours_per_year"]))}
    reason = f'<p class="reason">{html.escape(study.reason)}</p>'
    return display.Html(display.key_figures(figures).markup + reason)


def cheapest(study: TradeOffs, limit: int = 10) -> display.Table:
    return display.Table(cheapest_table(study, limit=limit), name="cheapest",
                         caption=f"The {limit} cheapest valid configurations of {len(study.table)}; "
                                 "egress hours are expected values under the assumed AZ outage rate.")


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


def assumptions_and_catalogs(study: TradeOffs) -> display.Html:
    dates = catalog_dates()
    items = {f"{k} (ASSUMPTION)": v for k, v in assumptions(study.scenario).items()}
    items |= {"price catalog": f"{dates['price_catalog']['path']}, prices effective "
                               f"{dates['price_catalog']['effective_from']} to {dates['price_catalog']['effective_to']}",
              "engine catalog": f"{dates['engine_catalog']['path']}, snapshot {dates['engine_catalog']['snapshot_date']}",
              "priced from": f"{study.scenario['start_date']} for {study.scenario['horizon_months']} months"}
    return display.definition_list(items)


def choice(chosen: Choice) -> display.Html:
    label = "Recommended configuration" if chosen.mode == "recommended" else "Configuration as given"
    return display.Html(f'<p class="choice"><strong>{html.escape(label)}:</strong> '
                        f'{html.escape(chosen.description)}.</p><p class="reason">{html.escape(chosen.why)}</p>')


def as_given(step) -> object:
    if step is None:
        return display.note("The decision is the configuration as given; it is checked below.")
    return step
