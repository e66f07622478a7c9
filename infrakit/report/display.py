"""What notebooks display: tables, notes and key figures as small HTML objects.

Notebooks call these and show the result; the same markup ends up in the HTML report, where
the report's stylesheet (``infrakit.report.html``) styles the classes used here.

Every object's markup sits in a container MathJax skips (``NO_MATH``): JupyterLab and the
classic notebook typeset "$487.23/month ($17,540.39 ..." between two dollar signs as maths and
the dollars vanish. ``mathjax_ignore`` is MathJax 3's class (JupyterLab 4), ``tex2jax_ignore``
MathJax 2's (the classic notebook, nbconvert's lab template).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from infrakit.core.text import hours_per_year as hours
from infrakit.core.text import money, quantity, unit_price

__all__ = ["NO_MATH", "Html", "Table", "hours", "key_figures", "money", "no_math", "note",
           "unit_price"]

NO_MATH = "tex2jax_ignore mathjax_ignore"


def no_math(markup: str, tag: str = "div") -> str:
    """``markup`` inside a container MathJax (2 and 3) does not typeset."""
    return f'<{tag} class="{NO_MATH}">{markup}</{tag}>'


@dataclass(frozen=True)
class Html:
    markup: str

    def _repr_html_(self) -> str:
        return no_math(self.markup)


# Columns that hold identifiers: never broken inside a word (a key or usage type cut in two is
# unreadable); short codes never wrap at all. Every other text cell may break anywhere, so a
# long ARN or source never widens the page.
IDENTIFIER_COLUMNS = frozenset({"key", "usage_type", "resource_type", "output", "cheaper_below", "cheaper_above"})
CODE_COLUMNS = frozenset({"severity", "rule_id", "rule", "kind", "status", "step"})


def _cell(value, column: str, money_columns: Sequence[str]) -> tuple[str, bool]:
    """(text, is a number) for one cell."""
    if "unit_price" in column:  # the digits it has: $0.0000125, never "$0.00"
        return unit_price(value, missing="price missing"), True
    if column in money_columns or column.endswith("_usd"):
        return money(value), True
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a", False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        if "_h_" in column or column.startswith("egress_h") or column.endswith("_hours"):
            return f"{float(value):,.2f}", True
        return quantity(value), True
    return str(value), False


@dataclass(frozen=True)
class Table:
    """A DataFrame shown with formatted money, unit prices, hours and quantities (numbers
    right-aligned), identifiers unbroken, and an optional caption."""

    frame: pd.DataFrame
    caption: str = ""
    money_columns: Sequence[str] = field(default_factory=tuple)
    name: str = ""

    def to_html(self) -> str:
        columns = [str(c) for c in self.frame.columns]
        head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
        rows = []
        for values in self.frame.itertuples(index=False, name=None):
            cells = []
            for column, value in zip(columns, values, strict=True):
                text, number = _cell(value, column, self.money_columns)
                cls = "num" if number else ("code" if column in CODE_COLUMNS else
                                            "id" if column in IDENTIFIER_COLUMNS else "")
                cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls else f"<td>{html.escape(text)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        table = f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        caption = f'<p class="caption">{html.escape(self.caption)}</p>' if self.caption else ""
        attr = f' data-table="{html.escape(self.name)}"' if self.name else ""
        return f'<div class="table"{attr}>{table}{caption}</div>'

    def _repr_html_(self) -> str:
        return no_math(self.to_html())


def note(text: str, *, kind: str = "info") -> Html:
    """A call-out: kind is info, warning, unavailable or error."""
    return Html(f'<div class="note note-{kind}"><p>{html.escape(text)}</p></div>')


def key_figures(items: Mapping[str, str], *, title: str = "") -> Html:
    """Label/value pairs shown as a row of cards."""
    cards = "".join(f'<div class="figure-card"><div class="label">{html.escape(k)}</div>'
                    f'<div class="value">{html.escape(v)}</div></div>' for k, v in items.items())
    heading = f"<h3>{html.escape(title)}</h3>" if title else ""
    return Html(f'{heading}<div class="figures">{cards}</div>')

