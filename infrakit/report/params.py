"""Report parameter files: a scenario plus the report's own keys, checked before any kernel.

A report parameter file is a scenario file (``infrakit keys`` lists its keys) that may also
set the keys in ``REPORT_FIELDS``. Every file of a batch is checked first and every problem
of every file is reported at once (``InputError``, exit 2), so a typo in the third file does
not surface after two notebooks have run.

The same check runs inside the notebooks on their parameters (``parameters_from_namespace``),
so ``papermill in.ipynb out.ipynb -f params.yaml`` fails on the same input with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrakit.core.errors import InputError
from infrakit.core.schema import (
    FIELDS_BY_NAME,
    REPORT_FIELDS_BY_NAME,
    RUNNER_KEYS,
    check_value,
    read_yaml_mapping,
    unknown_key_problem,
    validate_scenario,
)

# Names IPython itself puts in a kernel's namespace; anything else that looks like a
# parameter but is not a known key is a misspelt parameter (papermill only warns about those).
_IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})
# Names the notebooks assign themselves, so that running their cells again in Jupyter is no
# "unknown parameter" (tests/test_notebooks.py keeps this list equal to what they assign).
NOTEBOOK_NAMES = frozenset({
    "charts", "chosen", "clock", "cost_step", "curves", "decision", "deploy_step", "given", "options", "out", "params",
    "preflight_step", "report", "results", "scenario", "sens", "sensitivity", "status", "steps", "study", "synth_step",
    "synthesized", "timeline", "trade_offs", "verdict", "views",
})


@dataclass(frozen=True)
class ReportOptions:
    deploy_target: str = "local"
    decide: str = "recommended"
    fail_on: str = "failed"
    # How far the sensitivity analysis moves each usage key and assumption, in percent (a report
    # key once REPORT_FIELDS declares it; until then the notebooks' default).
    sensitivity_percent: float = 50.0


@dataclass(frozen=True)
class RunSpec:
    """One scenario of a batch: where it came from and what the notebooks receive."""

    source: Path
    slug: str  # folder and page name under the output directory
    scenario: dict[str, Any]  # validated, defaults filled in
    options: ReportOptions
    parameters: dict[str, Any]  # the keys the file sets (coerced), injected by papermill


def _unknown_key_problem(key: Any) -> str:
    return unknown_key_problem(key, [*FIELDS_BY_NAME, *REPORT_FIELDS_BY_NAME], what="a scenario or report key",
                               listing="Run 'infrakit keys' to list the scenario keys; the report also takes "
                                       + ", ".join(REPORT_FIELDS_BY_NAME) + ".")


def validate_params(raw: Mapping[str, Any], *, source: str | None = None) -> tuple[dict[str, Any], ReportOptions, dict]:
    """(scenario, options, parameters) from one mapping, or ``InputError`` listing every problem.

    Scenario keys get exactly the scenario schema's checks and messages; report keys are
    checked the same way; unknown keys are named with the closest valid key.
    """
    problems: list[str] = []
    scenario_raw: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in raw.items():
        if key in REPORT_FIELDS_BY_NAME:
            coerced, problem = check_value(REPORT_FIELDS_BY_NAME[key], value)
            if problem:
                problems.append(problem)
            else:
                options[key] = coerced
        elif isinstance(key, str) and key in FIELDS_BY_NAME:
            scenario_raw[key] = value
        else:
            problems.append(_unknown_key_problem(key))
    scenario: dict[str, Any] = {}
    try:
        scenario = validate_scenario(scenario_raw)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems, source=source)
    parameters = {k: scenario[k] for k in scenario_raw} | options
    return scenario, ReportOptions(**options), parameters


def slug_for(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def load_run_specs(paths: Sequence[str | Path]) -> list[RunSpec]:
    """Every parameter file checked, all problems of all files in one ``InputError``.

    Two files that would write the same report (the same scenario name) are bad input too.
    """
    if not paths:
        raise InputError(["no parameter files given; pass PARAMS.yaml files (for example notebooks/params/dev.yaml)."])
    problems: list[str] = []
    specs: list[RunSpec] = []
    seen: dict[str, Path] = {}
    for path in map(Path, paths):
        try:
            scenario, options, parameters = validate_params(read_yaml_mapping(path), source=str(path))
        except InputError as exc:
            where = exc.source or str(path)
            problems.extend(f"{where}: {p}" for p in exc.problems)
            continue
        slug = slug_for(scenario["name"])
        if slug in seen:
            problems.append(f"{path}: name {scenario['name']!r} gives the same report folder ({slug}) as {seen[slug]}; "
                            f"give each parameter file its own `name:` value, or pass each file once.")
            continue
        seen[slug] = path
        specs.append(RunSpec(source=path, slug=slug, scenario=scenario, options=options, parameters=parameters))
    if problems:
        raise InputError(problems)
    return specs


def _numeric_engine_version(value: float) -> str:
    """papermill's ``-p`` (and YAML) read 16.8 as a number, and 15.10 as 15.1: say how to pass text."""
    return (f"engine_version: got the number {value!r}, not the string a version is (a number also turns 15.10 "
            f"into 15.1). With papermill pass it raw: `-r engine_version {value}` instead of `-p`; in a YAML "
            f"parameter file (-f) quote it: engine_version: \"{value}\".")


def parameters_from_namespace(namespace: Mapping[str, Any]) -> tuple[dict[str, Any], ReportOptions]:
    """The scenario and report options from a notebook's parameters (its globals).

    Also refuses names that look like parameters but are no known key, which papermill
    itself only warns about (``-p nat_stratgy single`` would otherwise be silently ignored).
    """
    known = set(FIELDS_BY_NAME) | set(REPORT_FIELDS_BY_NAME) | set(RUNNER_KEYS)
    raw = {k: namespace[k] for k in FIELDS_BY_NAME if k in namespace}
    raw |= {k: namespace[k] for k in REPORT_FIELDS_BY_NAME if k in namespace}
    stray = [k for k, v in namespace.items()
             if not k.startswith(("_", "PAPERMILL_")) and k not in known and k not in _IPYTHON_NAMES
             and k not in NOTEBOOK_NAMES
             and isinstance(v, (str, int, float, bool, type(None), list, dict))]
    problems = [_unknown_key_problem(k) for k in stray]
    if isinstance(raw.get("engine_version"), (int, float)) and not isinstance(raw["engine_version"], bool):
        problems.append(_numeric_engine_version(raw.pop("engine_version")))
    try:
        scenario, options, _ = validate_params(raw)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems, source="notebook parameters")
    return scenario, options
