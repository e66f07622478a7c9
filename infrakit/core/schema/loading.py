"""Scenario and grid files: every key and value checked, then the cross-key rules, all
problems at once in one ``InputError``.

A grid uses the scenario keys; a list value varies that key and the grid is the Cartesian
product of its lists. Rules are left to each row of a grid (a sweep keeps invalid rows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrakit.core.errors import InputError
from infrakit.core.schema.fields import FIELDS_BY_NAME, defaults
from infrakit.core.schema.rules import rule_problems
from infrakit.core.schema.values import check_value, unknown_key_problem
from infrakit.core.text import shown
from infrakit.core.yamlio import read_yaml_mapping, yaml_mapping_from_text

# A grid larger than this is refused at once (a sweep of it would not fit in memory).
MAX_GRID_SIZE = 5_000_000
# Values one key of a grid may list.
MAX_LIST_LENGTH = 10_000


def _check_mapping(raw: Mapping[str, Any], *, allow_lists: bool) -> tuple[dict[str, Any], list[str], set]:
    """Check every key and value; return the coerced mapping, all problems, and the bad keys."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    bad_keys: set = set()
    for key, value in raw.items():
        before = len(problems)
        _check_item(key, value, allow_lists, values, problems)
        if len(problems) > before:
            bad_keys.add(key)
    return values, problems, bad_keys


def _check_item(key, value, allow_lists: bool, values: dict, problems: list) -> None:
    spec = FIELDS_BY_NAME.get(key) if isinstance(key, str) else None
    if spec is None:
        problems.append(unknown_key_problem(key, FIELDS_BY_NAME))
        return
    if isinstance(value, list):
        if not allow_lists:
            problems.append(f"{key}: got a list {shown(value)}; a scenario takes one value (lists vary a grid: "
                            f"use 'infrakit sweep').")
            return
        if not value:
            problems.append(f"{key}: the list is empty; give at least one value.")
            return
        if len(value) > MAX_LIST_LENGTH:
            problems.append(f"{key}: the list has {len(value):,} values, more than {MAX_LIST_LENGTH:,}; a grid "
                            f"varies a key over a few values.")
            return
        coerced = []
        for item in value:
            item_value, problem = check_value(spec, item)
            if problem:
                problems.append(problem)
            coerced.append(item_value)
        if len(set(map(repr, coerced))) != len(coerced):
            problems.append(f"{key}: the list {shown(value)} repeats a value; list each value once.")
        values[key] = coerced
    else:
        coerced_value, problem = check_value(spec, value)
        if problem:
            problems.append(problem)
        values[key] = coerced_value


def validate_scenario(raw: Mapping[str, Any], *, source: str | None = None,
                      rule_kinds: tuple[str, ...] = ("input",)) -> dict[str, Any]:
    """Return a complete scenario (defaults filled in) or raise ``InputError`` listing every problem.

    ``rule_kinds`` selects which combination rules count as input errors: ``("input",)`` for
    costing (a deprecated engine is still priced), ``("input", "deployable")`` before synthesis.
    """
    values, problems, bad_keys = _check_mapping(raw, allow_lists=False)
    scenario = defaults()
    scenario.update({k: v for k, v in values.items() if k not in bad_keys})
    # Rules run on every key that passed its own check, so one pass shows every problem.
    problems.extend(rule_problems(scenario, rule_kinds, skip_keys=bad_keys))
    if problems:
        raise InputError(problems, source=source)
    return scenario


def load_scenario(path: str | Path, *, rule_kinds: tuple[str, ...] = ("input",),
                  text: str | None = None) -> dict[str, Any]:
    """Load and validate one scenario YAML file (``text``: its contents, already read)."""
    raw = read_yaml_mapping(path) if text is None else yaml_mapping_from_text(text, source=str(path))
    return validate_scenario(raw, source=str(path), rule_kinds=rule_kinds)


@dataclass(frozen=True)
class Grid:
    """A validated grid: constant keys plus the axes (keys with several values), in file order."""

    constants: dict[str, Any]
    axes: dict[str, list[Any]] = field(default_factory=dict)
    source: str | None = None

    @property
    def size(self) -> int:
        return math.prod(len(v) for v in self.axes.values()) if self.axes else 1


def validate_grid(raw: Mapping[str, Any], *, source: str | None = None, max_size: int = MAX_GRID_SIZE) -> Grid:
    """Check a grid mapping (list values vary); combination rules are left to each row."""
    values, problems, _ = _check_mapping(raw, allow_lists=True)
    if problems:
        raise InputError(problems, source=source)
    constants = defaults()
    axes: dict[str, list[Any]] = {}
    for key, value in values.items():
        if isinstance(value, list) and len(value) > 1:
            axes[key] = value
        elif isinstance(value, list):
            constants[key] = value[0]
        else:
            constants[key] = value
    for key in axes:
        constants.pop(key, None)
    grid = Grid(constants=constants, axes=axes, source=source)
    if grid.size > max_size:
        raise InputError([f"the grid has {grid.size:,} configurations, more than {max_size:,}; shorten the "
                          f"lists of {', '.join(axes)}."], source=source)
    return grid


def load_grid(path: str | Path) -> Grid:
    return validate_grid(read_yaml_mapping(path), source=str(path))
