"""Human-readable cost tables (also the golden files' format): a reviewer can multiply
quantity by unit price by hand and find each price's source in the catalog.

Tables fit the terminal they are printed on: on a terminal narrower than the full table (or
under ``NARROW_BELOW`` columns) each line becomes a two-line entry and long text wraps; piped
or redirected (not a terminal) the full-width layout is printed unchanged, byte for byte (the
golden files in tests/golden are that layout). ``width`` forces either: an int fits that many
columns, None prints the full width.
"""

from __future__ import annotations

import shutil
import sys
import textwrap

import pandas as pd

from infrakit.core.text import money as _money
from infrakit.core.text import quantity as _quantity
from infrakit.core.text import unit_price as _price

NARROW_BELOW = 100  # columns: under this, the narrow layout even where the full table would fit
AUTO = "auto"


def terminal_width(stream=None) -> int | None:
    """The terminal's width in columns when ``stream`` (default stdout) is a terminal, else None."""
    stream = sys.stdout if stream is None else stream
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size((80, 24)).columns


def _resolve(width: int | str | None) -> int | None:
    return terminal_width() if width == AUTO else width


def _wrap(text: str, width: int | None, indent: str = "  ") -> list[str]:
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=width, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=True) or [text]


def _header(s: dict) -> str:
    return (f"{s['name']}: {s['region']}, {s['az_count']} AZs, NAT {s['nat_strategy']}, "
            f"Aurora PostgreSQL {s['engine_version']} on {1 + s['reader_count']} x {s['instance_class']} "
            f"({s['storage_type']}), {s['listener_protocol']} listener, "
            f"{s['service_desired_count']} x Fargate {s['service_cpu']}/{s['service_memory_mib']} ({s['service_arch']})")


def _line_cells(line: dict) -> tuple[str, ...]:
    return (line["component"], line["resource"], _quantity(line["quantity"]), line["unit"],
            _price(line["unit_price_usd"]),
            _money(None if line["monthly_usd"] is None else round(line["monthly_usd"], 2)))


def _full_rows(lines: list[dict]) -> list[str]:
    rows = [("Component", "Resource", "Quantity", "Unit", "Unit price", "Monthly")]
    rows += [_line_cells(line) for line in lines]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    aligned = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].ljust(widths[3]),
                 row[4].rjust(widths[4]), row[5].rjust(widths[5])]
        aligned.append("  ".join(cells).rstrip())
    return aligned


def _narrow_rows(lines: list[dict], width: int) -> list[str]:
    """Per line: the component and its monthly cost, then resource and quantity x unit price."""
    cells = [_line_cells(line) for line in lines]
    money_width = max([len("Monthly"), *(len(c[5]) for c in cells)])
    out = ["Component".ljust(width - money_width - 1) + " " + "Monthly".rjust(money_width),
           "  resource: quantity unit x unit price"]
    for component, resource, qty, unit, price, monthly in cells:
        name = component[: max(1, width - money_width - 1)]
        out.append(name.ljust(width - money_width - 1) + " " + monthly.rjust(money_width))
        out += _wrap(f"  {resource}: {qty} {unit} x {price}", width, indent="    ")
    return out


def cost_table(result, *, width: int | str | None = AUTO) -> str:
    """The first month's lines of a ``ScenarioCost``, its totals and where prices came from."""
    s = result.scenario
    lines = result.lines()
    full = _full_rows(lines)
    cols = _resolve(width)
    narrow = cols is not None and (cols < NARROW_BELOW or max(len(r) for r in full) > cols)
    text_width = cols  # None: lines as they are (the piped, golden layout)
    rows = _narrow_rows(lines, cols) if narrow else full
    rule = "-" * (cols if narrow else len(rows[0]))
    month = lines[0]["month"] if lines else s["start_date"][:7]
    out = [*_wrap(_header(s), text_width), f"Month {month}", rule, rows[0], *(rows[1:2] if narrow else []), rule,
           *rows[2 if narrow else 1:], rule,
           f"Total, first month ({month}): {_money(result.monthly_usd)}",
           f"Total, {s['horizon_months']} months from {s['start_date']}: {_money(result.horizon_usd)}"]
    for note in result.rounding_notes(schedule=False):
        out += _wrap(f"Note: {note.removeprefix('rounding: ')}", text_width)
    for problem in result.refusals:
        out += _wrap(f"INVALID: {problem}", text_width)
    for problem in result.price_missing:  # the total is unknown; the configuration itself may be fine
        out += _wrap(f"PRICE MISSING: {problem.removeprefix('price missing: ')}", text_width)
    files = result.price_files(0)
    out += _wrap(f"Prices: {', '.join(files)} rows (usage type, source, effective date):" if files
                 else "Prices: no catalog row is in use", text_width)
    for usage_type, date, source in sorted({(l["usage_type"], l["price_effective_date"], l["price_source"])
                                            for l in lines if l["price_source"]}):
        out += _wrap(f"  {usage_type} [{date}] {source}", text_width, indent="      ")
    return "\n".join(out) + "\n"


SWEEP_COLUMNS = ("monthly_usd", "horizon_usd", "egress_outage_hours_per_year", "valid", "pareto", "recommended")


def _sweep_frame(shown: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = shown[keys + list(SWEEP_COLUMNS)].copy()
    frame["monthly_usd"] = [_money(None if pd.isna(v) else round(v, 2)) for v in frame["monthly_usd"]]
    frame["horizon_usd"] = [_money(None if pd.isna(v) else round(v, 2)) for v in frame["horizon_usd"]]
    frame["egress_outage_hours_per_year"] = frame["egress_outage_hours_per_year"].map(lambda v: f"{v:.2f}")
    frame["recommended"] = frame["recommended"].map({True: "<==", False: ""})
    return frame.rename(columns={"egress_outage_hours_per_year": "egress_h_per_year"})


def _narrow_sweep(frame: pd.DataFrame, keys: list[str], width: int) -> list[str]:
    """One line per configuration: its key values joined, cost, risk and flags (V valid, P
    Pareto, <== recommended)."""
    flags = [("V" if v else "-") + ("P" if p else "-") + (" <==" if r else "")
             for v, p, r in zip(frame["valid"], frame["pareto"], frame["recommended"] == "<==", strict=True)]
    ids = [str(i) for i in frame.index]
    monthly, horizon, hours = list(frame["monthly_usd"]), list(frame["horizon_usd"]), list(frame["egress_h_per_year"])
    fixed = [max(len("id"), *map(len, ids)), max(len("monthly"), *map(len, monthly)),
             max(len("horizon"), *map(len, horizon)), max(len("egr h/y"), *map(len, hours)), 6]
    room = max(12, width - sum(fixed) - 2 * len(fixed))
    described = [" / ".join(str(frame.at[i, k]) for k in keys) for i in frame.index]
    out = [*_wrap(f"configuration = {' / '.join(keys)}", width), "flags: V valid, P on the Pareto frontier, <== recommended",
           "  ".join(["id".rjust(fixed[0]), "configuration".ljust(room), "monthly".rjust(fixed[1]),
                      "horizon".rjust(fixed[2]), "egr h/y".rjust(fixed[3]), "flags"]).rstrip()]
    for i, config in enumerate(described):
        pieces = textwrap.wrap(config, room) or [""]
        out.append("  ".join([ids[i].rjust(fixed[0]), pieces[0].ljust(room), monthly[i].rjust(fixed[1]),
                              horizon[i].rjust(fixed[2]), hours[i].rjust(fixed[3]), flags[i]]).rstrip())
        out += ["  ".join([" " * fixed[0], piece]) for piece in pieces[1:]]
    return out


def sweep_table(result, *, limit: int = 20, width: int | str | None = AUTO) -> str:
    """The cheapest configurations first (invalid ones after), then the recommendation."""
    table = result.table
    from cost_model.sweep import TABLE_KEYS

    keys = list(result.varied_keys) or list(TABLE_KEYS)
    order = table.assign(_invalid=~table["valid"]).sort_values(["_invalid", "monthly_usd", "egress_outage_hours_per_year"])
    shown = order.head(limit)
    frame = _sweep_frame(shown, keys)
    full = frame.to_string(index=True)
    cols = _resolve(width)
    narrow = cols is not None and (cols < NARROW_BELOW or max(map(len, full.splitlines())) > cols)
    out = [f"{len(table):,} configurations, {int(table['valid'].sum()):,} valid, "
           f"{int(table['meets_constraints'].sum()):,} meet the constraints; showing {len(shown)} cheapest:"]
    out = [line for text in out for line in _wrap(text, cols)]
    out += _narrow_sweep(frame, keys, cols) if narrow else [full]
    invalid = table[~table["valid"]]
    if len(invalid):
        out.append("Invalid configurations (first reasons):")
        for reasons, count in invalid["reasons"].value_counts().head(5).items():
            out += _wrap(f"  {count:>6} x {'; '.join(reasons)}", cols, indent="           ")
    out += _wrap(result.reason, cols)
    out += _wrap("Egress hours are expected values under ASSUMPTIONS (assumed_az_outages_per_year, "
                 "assumed_az_outage_hours), not AWS figures.", cols)
    return "\n".join(out) + "\n"
