"""What notebooks display: tables, notes and key figures as small HTML objects.

Notebooks call these and show the result; the same markup ends up in the HTML report, where
the report's stylesheet (``infrakit.report.html``) styles the classes used here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from infrakit.core.text import hours_per_year as hours
from infrakit.core.text import money

__all__ = ["Html", "Table", "definition_list", "hours", "key_figures", "money", "note"]


@dataclass(frozen=True)
class Html:
    markup: str

    def _repr_html_(self) -> str:
        return self.markup


@dataclass(frozen=True)
class Table:
    """A DataFrame shown with formatted money and hours, and an optional caption."""

    frame: pd.DataFrame
    caption: str = ""
    money_columns: Sequence[str] = field(default_factory=tuple)
    name: str = ""

    def _repr_html_(self) -> str:
        shown = self.frame.copy()
        for column in shown.columns:
            if column in self.money_columns or str(column).endswith("_usd"):
                shown[column] = [money(v) for v in shown[column]]
            elif shown[column].dtype == bool:
                shown[column] = shown[column].map({True: "yes", False: "no"})
        shown.columns = [str(c).replace("_", " ") for c in shown.columns]
        table = shown.to_html(index=False, escape=True, border=0, classes=["data"], na_rep="n/a")
        caption = f'<p class="caption">{html.escape(self.caption)}</p>' if self.caption else ""
        attr = f' data-table="{html.escape(self.name)}"' if self.name else ""
        return f'<div class="table"{attr}>{table}{caption}</div>'


def note(text: str, *, kind: str = "info") -> Html:
    """A call-out: kind is info, warning, unavailable or error."""
    return Html(f'<div class="note note-{kind}"><p>{html.escape(text)}</p></div>')


def key_figures(items: Mapping[str, str], *, title: str = "") -> Html:
    """Label/value pairs shown as a row of cards."""
    cards = "".join(f'<div class="figure-card"><div class="label">{html.escape(k)}</div>'
                    f'<div class="value">{html.escape(v)}</div></div>' for k, v in items.items())
    heading = f"<h3>{html.escape(title)}</h3>" if title else ""
    return Html(f'{heading}<div class="figures">{cards}</div>')


def definition_list(items: Mapping[str, object]) -> Html:
    rows = "".join(f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items.items())
    return Html(f'<dl class="pairs">{rows}</dl>')
