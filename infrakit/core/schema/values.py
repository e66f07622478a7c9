"""Checking one value against its key's declaration: coercion, ranges, patterns, and the
sentence that says what is wrong, what is allowed and what to change.

Values are quoted through ``infrakit.core.text.shown``, so a huge value (a 1 MB string, a
structure expanded from YAML aliases) is cut to a readable length and never expanded in full.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from infrakit.core.schema.fields import Field, default_start_date
from infrakit.core.schema.limits import EARLIEST_START_YEAR, LATEST_START_YEAR, MAX_NUMBER
from infrakit.core.text import shown


def _describe(value: Any) -> str:
    return f"{shown(value)} ({type(value).__name__})"


def check_value(spec: Field, value: Any) -> tuple[Any, str | None]:
    """Coerce ``value`` for ``spec``; return (value, problem). ``problem`` is None when fine."""
    if value is None:
        if spec.nullable:
            return None, None
        if spec.kind == "date":
            return default_start_date(), None  # null means "the default": first day of next month
        return value, (f"{spec.name}: got null; it needs a value ({allowed(spec)}). Remove the key to use the "
                       f"default {spec.default!r}.")
    checker = {"choice": _check_choice, "str": _check_str, "int": _check_int, "float": _check_float,
               "bool": _check_bool, "date": _check_date}.get(spec.kind)
    if checker is None:
        raise AssertionError(f"unknown field kind {spec.kind}")
    return checker(spec, value)


def _check_choice(spec: Field, value: Any) -> tuple[Any, str | None]:
    expected_type = type(spec.choices[0])
    if isinstance(value, bool) or not isinstance(value, expected_type):
        return value, f"{spec.name}: got {_describe(value)}; allowed: {allowed(spec)}."
    if value not in spec.choices:
        by_lower = {str(c).lower(): c for c in spec.choices}
        near = difflib.get_close_matches(str(value).lower()[:100], list(by_lower), n=1, cutoff=0.5)
        hint = f" Did you mean {by_lower[near[0]]!r}?" if near else ""
        return value, f"{spec.name}: {shown(value)} is not allowed; allowed: {allowed(spec)}.{hint}"
    return value, None


def _check_str(spec: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and spec.name == "engine_version":
            return value, (
                f"engine_version: got the number {shown(value)}; engine versions are strings because YAML reads "
                f"15.10 as the number 15.1 (trailing zeros vanish). Quote the version you mean, for example "
                f"engine_version: \"15.10\" in YAML, or papermill's -r engine_version 15.10 (raw, not -p)."
            )
        return value, f"{spec.name}: got {_describe(value)}; expected a string ({allowed(spec)})."
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return value, f"{spec.name}: {shown(value)} is not valid; expected {spec.pattern_help}."
    return value, None


def _check_int(spec: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value, f"{spec.name}: got {_describe(value)}; expected a whole number ({allowed(spec)})."
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return value, f"{spec.name}: got {shown(value)}; expected a whole number ({allowed(spec)})."
        value = int(value)
    if abs(value) > MAX_NUMBER:
        return value, f"{spec.name}: got {shown(value)}; expected a whole number ({allowed(spec)})."
    return value, _range_problem(spec, value)


def _check_float(spec: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value, f"{spec.name}: got {_describe(value)}; expected a number ({allowed(spec)})."
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if not math.isfinite(as_float) or abs(as_float) > MAX_NUMBER:
        return value, (f"{spec.name}: got {shown(value)}; expected a finite number up to {MAX_NUMBER:g} "
                       f"({allowed(spec)}).")
    return as_float, _range_problem(spec, value)


def _check_bool(spec: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true", None  # papermill -p passes lowercase words as strings
    if not isinstance(value, bool):
        return value, f"{spec.name}: got {_describe(value)}; expected true or false."
    return value, None


def _check_date(spec: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, dt.datetime):
        value = value.date()
    date = value if isinstance(value, dt.date) else None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            date = None
    if date is None:
        return value, f"{spec.name}: got {_describe(value)}; expected a date YYYY-MM-DD such as \"2027-01-01\"."
    if not EARLIEST_START_YEAR <= date.year <= LATEST_START_YEAR:
        return value, (f"{spec.name}: {date.isoformat()} is outside the years the kit prices "
                       f"({EARLIEST_START_YEAR} to {LATEST_START_YEAR}); give a date in that range.")
    return date.isoformat(), None


def _range_problem(spec: Field, value: float) -> str | None:
    if spec.choices and value not in spec.choices:
        return f"{spec.name}: {shown(value)} is not allowed; allowed: {allowed(spec)}."
    if spec.minimum is not None and value < spec.minimum:
        return f"{spec.name}: {shown(value)} is below the minimum; allowed: {allowed(spec)}."
    if spec.maximum is not None and value > spec.maximum:
        return f"{spec.name}: {shown(value)} is above the maximum; allowed: {allowed(spec)}."
    return None


def allowed(spec: Field) -> str:
    """What ``spec`` accepts, in words."""
    if spec.choices:
        return "one of " + ", ".join(repr(c) for c in spec.choices)
    parts = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false",
             "date": "a date YYYY-MM-DD"}[spec.kind]
    if spec.minimum is not None and spec.maximum is not None:
        parts += f" from {spec.minimum:g} to {spec.maximum:g}"
    elif spec.minimum is not None:
        parts += f" >= {spec.minimum:g}"
    if spec.pattern_help:
        parts += f", {spec.pattern_help}"
    if spec.nullable:
        parts += ", or null"
    return parts


def unknown_key_problem(key: Any, known: Iterable[str], *, what: str = "a scenario key",
                        listing: str = "Run 'infrakit keys' to list the valid keys.") -> str:
    """``key`` is not one of ``known``: the sentence, with the closest valid key when there is one."""
    near = difflib.get_close_matches(str(key)[:100], list(known), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else f" {listing}"
    return f"{key_text(key)}: not {what}.{hint}"


def key_text(key: Any) -> str:
    """A key as messages name it: as written when it is a short plain word, else quoted and cut."""
    if isinstance(key, str) and len(key) <= 60 and key.isprintable():
        return key
    return shown(key, limit=60)
