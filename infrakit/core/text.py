"""How numbers, money and user-supplied values are written, once for the whole kit.

The one rule the kit cares about most lives here: a missing price is said in words, never
shown as $0. Tables, findings, report pages, charts and Markdown all format through these.
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any

PRICE_MISSING = "price missing"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def money(value: Any, *, missing: str = PRICE_MISSING) -> str:
    """Dollars and cents, ``$1,234.56``; ``missing`` (default "price missing") for None/NaN."""
    if _is_missing(value):
        return missing
    return f"${float(value) + 0.0:,.2f}"  # + 0.0: never "-$0.00"


def money_whole(value: Any, *, missing: str = PRICE_MISSING) -> str:
    """Whole dollars, ``$1,235``, for chart labels where cents are noise."""
    if _is_missing(value):
        return missing
    return f"${float(value) + 0.0:,.0f}"


def signed_money(value: Any, *, missing: str = PRICE_MISSING) -> str:
    """A difference: ``+$12.34``, ``-$5.00``, ``$0.00`` for no change."""
    if _is_missing(value):
        return missing
    cents = round(float(value), 2) + 0.0
    if cents == 0:
        return money(0.0)
    return f"{'+' if cents > 0 else '-'}${abs(cents):,.2f}"


def unit_price(value: Any, *, missing: str = "missing") -> str:
    """A unit price with the digits it has: ``$0.045``, ``$0.0000125``, ``$0.10`` (never "$0.00")."""
    if _is_missing(value):
        return missing
    number = float(value)
    text = f"{number:.10f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    if len(decimals) < 2:
        decimals = decimals.ljust(2, "0")
    return f"${int(whole):,}.{decimals}" if number >= 0 else f"-${abs(int(whole)):,}.{decimals}"


def percent(value: Any, *, digits: int = 1, signed: bool = False, missing: str = "n/a") -> str:
    if _is_missing(value):
        return missing
    sign = "+" if signed and float(value) > 0 else ""
    return f"{sign}{float(value):.{digits}f}%"


def quantity(value: Any) -> str:
    """A quantity with up to four decimals and no trailing zeros: ``1,460``, ``0.05``."""
    if _is_missing(value):
        return "n/a"
    return f"{float(value):,.4f}".rstrip("0").rstrip(".")


def hours_per_year(value: Any) -> str:
    return "n/a" if _is_missing(value) else f"{float(value):.2f} h/year"


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 80
_SHOWN.maxother = 80
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6
_SHOWN.maxlevel = 3
_SHOWN.maxlong = 40


def shown(value: Any, *, limit: int = 100) -> str:
    """A user-supplied value as error messages quote it: its repr, cut to a readable length.

    reprlib bounds the work as well as the text: a value built from YAML aliases may expand
    to gigabytes, and a plain ``repr`` of it would hang the message itself.
    """
    text = _SHOWN.repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if isinstance(value, str) and len(value) > 60:
        text += f" ({len(value):,} characters)"
    return text
