"""Static charts for the reports: matplotlib's Agg canvas (no pyplot, no GUI, no global
state), PNG embedded as base64 so a report is one file that opens offline.

Each function returns a ``Chart``; in a notebook it displays as an ``<img>`` inside a
``<figure>`` with a caption, and the HTML report keeps exactly that markup.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # before any figure: kernels and CI have no display

import matplotlib.dates  # noqa: E402
import matplotlib.text  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cost_model.components import GROUPS  # noqa: E402
from infrakit.core.schema import NAT_STRATEGIES  # noqa: E402
from infrakit.core.text import money, signed_money  # noqa: E402
from infrakit.core.text import money_whole as _money  # noqa: E402
from infrakit.report.display import no_math  # noqa: E402
from infrakit.report.trade_offs import (  # noqa: E402
    TradeOffs,
    TrafficCurves,
    component_costs,
    describe,
    short_label,
)

DPI = 100
# One colour per NAT strategy, everywhere (Okabe-Ito: distinguishable with colour blindness).
STRATEGY_COLORS = {"per_az": "#0072B2", "single": "#E69F00", "regional": "#009E73", "none": "#CC79A7"}
GROUP_COLORS = {"nat_gateways": "#E69F00", "vpc_endpoints": "#CC79A7", "load_balancer": "#56B4E9",
                "fargate": "#009E73", "aurora": "#0072B2", "extended_support": "#D55E00", "other": "#999999"}
# Dashes per strategy, so lines that coincide (per_az and regional can cost the same) both show.
STRATEGY_LINES = {"per_az": "-", "single": "-", "regional": (0, (5, 3)), "none": (0, (1.5, 1.5))}
PHASE_COLORS = {"standard": "#009E73", "es12": "#E69F00", "es3": "#D55E00"}
TEXT = "#222222"
MUTED = "#666666"


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes plus the words a reader (or screen reader) needs."""

    name: str  # stable id, used by tests and the report's anchors
    title: str
    alt: str
    png: bytes
    caption: str = ""
    figure: Figure | None = field(default=None, repr=False, compare=False)  # kept for text_collisions

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def to_html(self) -> str:
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="chart" id="chart-{self.name}" data-chart="{self.name}">'
                f'<img src="{self.data_uri()}" alt="{html.escape(self.alt, quote=True)}" '
                f'width="{self._size()[0]}" height="{self._size()[1]}">{caption}</figure>')

    def _repr_html_(self) -> str:
        return no_math(self.to_html())

    def _size(self) -> tuple[int, int]:
        # PNG header: width and height are big-endian at bytes 16-24.
        return int.from_bytes(self.png[16:20], "big"), int.from_bytes(self.png[20:24], "big")


def _figure(width_in: float = 8.0, height_in: float = 4.2) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=8)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def text_collisions(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible texts (titles, labels, tick labels, annotations, legend entries) whose
    boxes overlap once drawn; a chart a reader can read has none."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    boxes = [(t, t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in texts]
    found = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if box_a.overlaps(box_b):
                found.append((a.get_text(), b.get_text()))
    return found


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # No timestamp metadata: the same inputs give the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def layout_options(trade_offs: TradeOffs) -> list[int]:
    """Config ids the stacked chart compares: every NAT strategy x AZ count with the other keys
    as recommended (else as given), plus the configuration as given."""
    table = trade_offs.table
    base_id = trade_offs.base_id
    base = table.loc[base_id]
    same = np.ones(len(table), dtype=bool)
    for key in ("engine_version", "storage_type", "reader_count"):
        same &= (table[key] == base[key]).to_numpy()
    ids = [int(i) for i in table.index[same]]
    if trade_offs.as_given not in ids:
        ids.append(trade_offs.as_given)
    return ids


def stacked_cost_chart(trade_offs: TradeOffs) -> Chart:
    """Monthly cost by component group, one bar per option (NAT layout x AZ count)."""
    ids = layout_options(trade_offs)
    costs = component_costs(trade_offs.result.priced).loc[ids]
    table = trade_offs.table.loc[ids]
    order = np.argsort(np.nan_to_num(table["monthly_usd"].to_numpy(), nan=np.inf), kind="stable")
    ids = [ids[i] for i in order]
    costs, table = costs.loc[ids], table.loc[ids]
    fig = _figure(9.0, 4.6)
    ax = fig.add_subplot()
    _style(ax)
    x = np.arange(len(ids))
    bottom = np.zeros(len(ids))
    # A configuration with a missing price gets no bar at all: a partial stack would read as a price.
    unpriced = np.isnan(table["monthly_usd"].to_numpy())
    for group in [g for g in GROUPS if g in costs]:
        values = np.where(unpriced, 0.0, np.nan_to_num(costs[group].to_numpy()))
        ax.bar(x, values, bottom=bottom, color=GROUP_COLORS[group], label=GROUPS[group], width=0.7, edgecolor="white",
               linewidth=0.5)
        bottom += values
    for xi, config_id in zip(x, ids, strict=True):
        total = table.loc[config_id, "monthly_usd"]
        priced = not np.isnan(total)
        marks = []
        if config_id == trade_offs.recommended:
            marks.append("recommended")
        if config_id == trade_offs.as_given:
            marks.append("as given")
        if not table.loc[config_id, "valid"]:
            marks.append("invalid")
        label = _money(total) if priced else "price\nmissing"
        ax.text(xi, bottom[xi] + max(bottom.max(), 1) * 0.01 if priced else 0, label + ("\n" + ", ".join(marks) if marks else ""),
                ha="center", va="bottom", fontsize=7, color=TEXT,
                fontweight="bold" if config_id == trade_offs.recommended else "normal")
    ax.set_xticks(x, [short_label(trade_offs.config(i)) for i in ids], fontsize=7)
    ax.set_ylabel("USD per month (first month)", fontsize=8, color=TEXT)
    ax.set_ylim(0, max(bottom.max(), 1) * 1.22)
    ax.legend(fontsize=7, frameon=False, ncols=4, loc="upper left")
    ax.set_title("Monthly cost by component, per NAT layout and AZ count", fontsize=10, color=TEXT, loc="left")
    missing = [describe(trade_offs.config(i)) for i in ids if np.isnan(table.loc[i, "monthly_usd"])]
    alt = ("Stacked bars of first-month cost by component for " + "; ".join(
        f"{describe(trade_offs.config(i))}: {_money(table.loc[i, 'monthly_usd'])}" for i in ids))
    caption = ("Bars share the recommended configuration's engine, storage and readers. "
               + (f"No bar for a missing price: {'; '.join(missing)}. " if missing else "")
               + "Prices: cost_model/data/prices.csv.")
    return Chart("stacked-cost", "Monthly cost by component", alt, _png(fig), caption, fig)


def cost_risk_chart(trade_offs: TradeOffs) -> Chart:
    """Monthly cost against expected egress-outage hours, Pareto frontier and picks marked."""
    table = trade_offs.table
    fig = _figure(8.0, 4.4)
    ax = fig.add_subplot()
    _style(ax)
    valid = table[table["valid"]]
    for strategy in NAT_STRATEGIES:
        rows = valid[valid["nat_strategy"] == strategy]
        if len(rows):
            ax.scatter(rows["egress_outage_hours_per_year"], rows["monthly_usd"], s=18, alpha=0.65,
                       color=STRATEGY_COLORS[strategy], label=f"{strategy} ({len(rows)})", linewidths=0)
    frontier = valid[valid["pareto"]].sort_values("egress_outage_hours_per_year")
    if len(frontier):  # a ring per frontier member: over three dimensions, a 2-D line would mislead
        ax.scatter(frontier["egress_outage_hours_per_year"], frontier["monthly_usd"], s=70, facecolors="none",
                   edgecolors=TEXT, linewidths=1.0, label="Pareto frontier (first month,\nhorizon cost, egress hours)",
                   zorder=4)
    given = table.loc[trade_offs.as_given]
    if not np.isnan(given["monthly_usd"]):
        ax.scatter([given["egress_outage_hours_per_year"]], [given["monthly_usd"]], marker="X", s=90,
                   color="#D55E00" if not given["valid"] else TEXT,
                   label=f"as given: {_money(given['monthly_usd'])}" + ("" if given["valid"] else " (invalid)"),
                   zorder=5)
    if trade_offs.recommended is not None:
        rec = table.loc[trade_offs.recommended]
        # The figure goes in the legend: a label beside the star collides with the ticks.
        ax.scatter([rec["egress_outage_hours_per_year"]], [rec["monthly_usd"]], marker="*", s=260,
                   color="#F0E442", edgecolors=TEXT, linewidths=1.0,
                   label=f"recommended: {_money(rec['monthly_usd'])}", zorder=6)
    ax.set_xlabel("Expected hours per year healthy AZs lose egress (ASSUMED outage rate)", fontsize=8, color=TEXT)
    ax.set_ylabel("USD per month (first month)", fontsize=8, color=TEXT)
    ax.set_title("Cost vs egress-outage risk (valid configurations)", fontsize=10, color=TEXT, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    risk_levels = sorted(valid["egress_outage_hours_per_year"].round(2).unique())
    alt = (f"Scatter of {len(valid)} valid configurations: monthly cost from {_money(valid['monthly_usd'].min())} "
           f"to {_money(valid['monthly_usd'].max())}, egress-outage hours per year at {risk_levels}; "
           f"{len(frontier)} on the Pareto frontier"
           + (f"; recommended at {_money(table.loc[trade_offs.recommended, 'monthly_usd'])}"
              if trade_offs.recommended is not None else "; no recommendation"))
    caption = (f"{len(table) - len(valid)} invalid configurations are not plotted (see the table of reasons). "
               "Ringed: on the Pareto frontier (no other valid configuration is at least as good on first-month "
               "cost, horizon cost and egress hours, and better on one).")
    return Chart("cost-risk", "Cost vs egress-outage hours", alt, _png(fig), caption, fig)


def engine_timeline_chart(timeline: pd.DataFrame, *, start_date: str, horizon_months: int) -> Chart:
    """Support phases per engine version (standard, Extended Support years 1-2 and 3) over
    time, the priced horizon shaded, and each version's projected cost over the horizon."""
    fig = _figure(9.0, 1.4 + 0.45 * max(len(timeline), 2))
    left, right = fig.subplots(1, 2, width_ratios=[3, 1.3], sharey=True)
    for ax in (left, right):
        _style(ax)
        ax.grid(axis="y", visible=False)
    start = pd.Timestamp(start_date)
    end = start + pd.DateOffset(months=horizon_months)
    y = np.arange(len(timeline))
    to_num = matplotlib.dates.date2num
    for yi, row in zip(y, timeline.itertuples(), strict=True):
        phases = [
            (row.released, row.extended_support_charges_start, PHASE_COLORS["standard"]),
            (row.extended_support_charges_start, row.extended_support_year3_start, PHASE_COLORS["es12"]),
            (row.extended_support_year3_start, row.end_of_extended_support, PHASE_COLORS["es3"]),
        ]
        for a, b, color in phases:
            left.barh(yi, to_num(pd.Timestamp(b)) - to_num(pd.Timestamp(a)), left=to_num(pd.Timestamp(a)),
                      color=color, height=0.55, hatch="//" if (color == PHASE_COLORS["es3"] and
                                                               row.year3_start_is_assumed) else None,
                      edgecolor="white", linewidth=0.4)
    left.axvspan(to_num(start), to_num(end), color="#0072B2", alpha=0.08)
    left.axvline(to_num(start), color="#0072B2", linewidth=0.8)
    left.text(to_num(start), -0.62, f" priced horizon: {horizon_months} months", fontsize=7, color="#0072B2",
              va="bottom", bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
    left.xaxis_date()
    labels = [f"{v}{' (deprecated)' if s != 'available' else ''}" for v, s in
              zip(timeline["engine_version"], timeline["status"], strict=True)]
    left.set_yticks(y, labels, fontsize=8)
    left.set_ylim(len(timeline) - 0.5, -0.95)  # top to bottom, with room for the horizon label
    left.set_title("Support phases: standard, Extended Support yrs 1-2, yr 3", fontsize=9, color=TEXT, loc="left")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=PHASE_COLORS["standard"], label="standard support"),
                         Patch(color=PHASE_COLORS["es12"], label="Extended Support yrs 1-2"),
                         Patch(color=PHASE_COLORS["es3"], label="Extended Support yr 3 (hatched: date assumed)")],
                fontsize=7, frameon=False, loc="outside lower center", ncols=3)
    costs = timeline["horizon_usd"].to_numpy()
    right.barh(y, np.nan_to_num(costs), color=["#0072B2" if v else "#bbbbbb" for v in timeline["valid"]], height=0.55)
    for yi, value in zip(y, costs, strict=True):
        right.text(0 if np.isnan(value) else value, yi, " " + _money(value), va="center", fontsize=7, color=TEXT)
    right.set_xlim(0, np.nanmax(costs) * 1.45 if np.isfinite(np.nanmax(costs)) else 1)
    right.set_title(f"Projected cost over {horizon_months} months", fontsize=9, color=TEXT, loc="left")
    right.tick_params(axis="x", labelsize=7)
    right.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"${v / 1000:,.0f}k" if v else _money(0)))
    alt = "Engine versions: " + "; ".join(
        f"{r.engine_version} standard support until {r.end_of_standard_support}, Extended Support "
        f"{r.extended_support_charges_start} to {r.end_of_extended_support}, {_money(r.horizon_usd)} over the horizon"
        for r in timeline.itertuples())
    caption = ("Each version priced with the recommended configuration's other keys; grey bars are versions AWS "
               "no longer lets you create. Dates from the engine catalog (infrakit/data/aurora_postgresql.yaml).")
    return Chart("engine-timeline", "Engine versions over time", alt, _png(fig), caption, fig)


def _crossover_groups(crossovers: pd.DataFrame):
    """Crossovers at the same traffic with the same layout below (per_az and regional can cost
    the same): one mark and one label each."""
    if crossovers.empty:
        return []
    keyed = crossovers.assign(_gb=crossovers["traffic_gb_per_month"].round(0))
    return [((float(group["traffic_gb_per_month"].iloc[0]), below), group)
            for (_, below), group in keyed.groupby(["_gb", "cheaper_below"], sort=True)]


def traffic_chart(curves: TrafficCurves) -> Chart:
    """Egress-layout cost per NAT strategy as NAT traffic grows, crossovers marked."""
    fig = _figure(8.0, 4.4)
    ax = fig.add_subplot()
    _style(ax)
    missing = []
    for strategy in NAT_STRATEGIES:
        values = curves.egress_usd[strategy]
        if np.isnan(values).all():
            missing.append(strategy)
            continue
        label = strategy + (" (endpoints)" if strategy == "none" else "")
        twins = [other for other in NAT_STRATEGIES[:NAT_STRATEGIES.index(strategy)]
                 if other not in missing and np.allclose(values, curves.egress_usd[other], equal_nan=False)]
        if twins:  # drawn over another line: say so, and dash it so both show
            label += f" (same cost as {', '.join(twins)})"
        if not curves.valid[strategy]:
            label += " - not deployable as configured"
        ax.plot(curves.traffic_gb, values, color=STRATEGY_COLORS[strategy], linewidth=1.8, label=label,
                linestyle=STRATEGY_LINES[strategy], alpha=1.0 if curves.valid[strategy] else 0.55)
    for k, ((gb, below), group) in enumerate(_crossover_groups(curves.crossovers)):
        ax.scatter([gb], [group["egress_usd"].iloc[0]], color=TEXT, s=28, zorder=5)
        right_half = gb > 0.55 * float(curves.traffic_gb.max())  # label inward, never off the plot
        ax.annotate(f"{gb:,.0f} GB: {', '.join(group['cheaper_above'])} cheaper than {below} above",
                    (gb, group["egress_usd"].iloc[0]), textcoords="offset points",
                    xytext=(-6 if right_half else 6, -14 if k % 2 else 6), ha="right" if right_half else "left",
                    fontsize=7, color=TEXT, bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                                                  "alpha": 0.8})
    ax.axvline(curves.given_traffic_gb, color=MUTED, linewidth=0.8, linestyle=":")
    ax.text(curves.given_traffic_gb, ax.get_ylim()[0], f" this scenario: {curves.given_traffic_gb:,.0f} GB",
            fontsize=7, color=MUTED, va="bottom")
    ax.set_xlabel("NAT traffic, GB per month", fontsize=8, color=TEXT)
    ax.set_ylabel("Egress layout cost, USD per month", fontsize=8, color=TEXT)
    ax.set_title(f"NAT cost as traffic grows ({curves.base['az_count']} AZs, {curves.base['region']})",
                 fontsize=10, color=TEXT, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    alt = ("Lines of egress-layout cost against NAT traffic for " + ", ".join(
        s for s in NAT_STRATEGIES if s not in missing) + "; crossovers: " + (
        "; ".join(f"{r.cheaper_below} cheaper below {r.traffic_gb_per_month:,.0f} GB/month, {r.cheaper_above} above"
                  for r in curves.crossovers.itertuples()) or "none in range"))
    caption = ("Egress layout cost = NAT gateway hours and data, their public addresses and cross-AZ hops, "
               "VPC endpoints; the rest of the bill is the same for every layout. "
               + (f"Not drawn, a price is missing in {curves.base['region']}: {', '.join(missing)}. " if missing else "")
               + "Faded: priced, but AWS would refuse this configuration as given (see the reasons table).")
    return Chart("nat-traffic", "NAT cost as traffic grows", alt, _png(fig), caption, fig)


def tornado_chart(sens) -> Chart:
    """Per moved key (``infrakit.report.sensitivity``), the decided configuration's monthly cost
    at the low and the high value against its cost as given; widest swing on top. Keys that
    change the recommendation are marked; keys without effect are listed in the caption."""
    table = sens.table
    moving = table[(table["swing_usd"] > 0.005) | table["recommendation_changes"]]
    still = [k for k in table["key"] if k not in set(moving["key"])]
    fig = _figure(9.0, 1.3 + 0.32 * max(len(moving), 2))
    ax = fig.add_subplot()
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    y = np.arange(len(moving))
    pct = round(sens.spread * 100)
    ax.barh(y, moving["delta_low_usd"], color="#56B4E9", height=0.6, label=f"key at -{pct} %")
    ax.barh(y, moving["delta_high_usd"], color="#D55E00", height=0.6, label=f"key at +{pct} %")
    ax.axvline(0, color=TEXT, linewidth=0.8)
    span = max(float(moving[["delta_low_usd", "delta_high_usd"]].abs().max().max()) if len(moving) else 0.0, 0.01)
    for yi, row in zip(y, moving.itertuples(), strict=True):
        for value in (row.delta_low_usd, row.delta_high_usd):
            if abs(value) >= 0.005:
                ax.text(value + (0.02 * span if value > 0 else -0.02 * span), yi, signed_money(value), va="center",
                        ha="left" if value > 0 else "right", fontsize=7, color=TEXT)
    labels = [f"{k}{'  (recommendation changes)' if c else ''}" for k, c in
              zip(moving["key"], moving["recommendation_changes"], strict=True)]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_ylim(len(moving) - 0.5, -0.5)
    ax.set_xlim(-1.45 * span, 1.45 * span)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: signed_money(v)))
    ax.set_xlabel(f"Change in the first month's cost (now {money(sens.monthly_usd)}/month)", fontsize=8,
                  color=TEXT)
    ax.set_title(f"What moves the cost of {sens.decided_description} (each key ±{pct} %)", fontsize=9, color=TEXT,
                 loc="left")
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    alt = ("Tornado chart of the monthly cost as each usage key and assumption moves by "
           f"±{pct} %: " + "; ".join(f"{r.key} {signed_money(r.delta_low_usd)} to {signed_money(r.delta_high_usd)}"
                                     for r in moving.itertuples()))
    caption = (f"Each key moved alone to -{pct} % and +{pct} % of its value, everything else as decided; the whole "
               "study re-run at each value to see whether the recommendation changes. "
               + (f"No effect on the monthly cost: {', '.join(still)}. " if still else ""))
    return Chart("sensitivity", "Sensitivity of the monthly cost", alt, _png(fig), caption.strip(), fig)

