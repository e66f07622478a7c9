"""What `infrakit cost` reads, for HEAD and for ``--compare-to BASE``: a scenario file, a
CloudFormation template (JSON or YAML) or cloud assembly directory, or a saved
`infrakit cost --json` output (for example the base branch priced on main).

Every input is identified first, without pricing anything, so that bad input (exit 2)
is reported for HEAD and BASE at once; then each is priced into the cost JSON contract.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from infrakit.core.errors import InputError
from infrakit.core.text import shown
from infrakit.core.yamlio import read_text_input

EXPECTED = ("expected a scenario file (YAML), a CloudFormation template (JSON or YAML) or a cloud assembly "
            "directory (cdk.out), or a saved `infrakit cost --json` output")
# A template in YAML says so at its top level; a scenario never has these keys.
_TEMPLATE_MARKER = re.compile(r"^(Resources|AWSTemplateFormatVersion)\s*:", re.MULTILINE)
MAX_INPUT_BYTES = 64 * 1024 * 1024
LINE_KEYS = ("key", "component", "resource", "usage_type", "monthly_usd")
COST_KEYS = ("scenario", "monthly_usd", "horizon_usd", "lines")


@dataclass(frozen=True)
class Source:
    """One identified input. ``kind`` is "scenario", "template" or "cost_json"."""

    kind: str
    path: str
    scenario: dict[str, Any] | None = None
    template: dict[str, Any] | None = None
    template_region: str | None = None  # the cloud assembly's region for this stack, if any
    name: str | None = None  # a template's stack name
    cost: dict[str, Any] | None = None

    def describe(self) -> str:
        what = {"scenario": "scenario", "template": "template", "cost_json": "saved cost JSON"}[self.kind]
        return f"{what} {self.path}"


def identify(path: str, *, flag: str, stack: str | None = None, template_only: bool = False,
             allow_empty: bool = True) -> Source:
    """Identify ``path`` (see the module doc); InputError naming ``flag``, the file and what was expected.

    An empty file is the scenario defaults (as `infrakit cost empty.yaml` always was) unless
    ``allow_empty`` is False (a base: comparing with an empty file is a mistake, not a choice)."""
    given = Path(path)
    if given.is_dir():
        return _assembly(given, flag, stack)
    if not given.exists():
        if template_only:
            raise InputError([f"{flag}: template not found: {path} does not exist; pass a synthesized template "
                              f"such as cdk.out/STACK.template.json, or the cloud assembly directory cdk.out"])
        raise InputError([f"{flag}: file not found: {path} does not exist ({EXPECTED}). Check the path "
                          f"(relative paths start from {Path.cwd()})."])
    try:
        size = given.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError([f"{flag}: {path} is {size:,} bytes, more than the {MAX_INPUT_BYTES:,} bytes the kit "
                              f"reads ({EXPECTED})"])
    except OSError as exc:
        raise InputError([f"{flag}: cannot read {path}: {exc} ({EXPECTED})"]) from None
    # Read once, bounded in size and time (/dev/zero is refused, a named pipe nobody writes to is not
    # waited on for ever); what follows parses this text, so a pipe works too.
    try:
        text = read_text_input(given, what="scenario, template or cost JSON file", max_bytes=MAX_INPUT_BYTES)
    except InputError as exc:
        raise InputError([f"{flag}: {problem}" for problem in exc.problems]) from None
    if template_only:
        return _template_file(given, flag, text)
    stripped = text.lstrip()
    if not stripped and not allow_empty:
        raise InputError([f"{flag}: {path} is empty; {EXPECTED}"])
    if stripped.startswith(("{", "[")) or given.suffix.lower() == ".json":
        return _json_input(given, text, flag)
    if _TEMPLATE_MARKER.search(text):
        return _template_file(given, flag, text)
    return _scenario_file(given, flag, text)


def _within(text: str, path: Path, flag: str, limit: int, what: str) -> None:
    if len(text.encode("utf-8")) > limit:
        raise InputError([f"{flag}: {path} is larger than {limit:,} bytes; a {what} is at most {limit:,} bytes. "
                          f"Check that this is the file you meant."])


def _json_input(path: Path, text: str, flag: str) -> Source:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([f"{flag}: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                          f"{EXPECTED}"]) from None
    if isinstance(data, dict) and "Resources" in data:
        return _template_file(path, flag, text)
    if isinstance(data, dict) and {"base", "head"} <= set(data) and "lines" in data:
        raise InputError([f"{flag}: {path} is a saved comparison (`infrakit cost ... --compare-to ... --json`), "
                          f"not one configuration's cost; pass a saved `infrakit cost SCENARIO --json` output"])
    if isinstance(data, dict) and ("lines" in data or "monthly_usd" in data):
        return Source("cost_json", str(path), cost=check_cost_json(data, f"{flag}: {path}"))
    found = f"a JSON {type(data).__name__}" + (f" with keys {shown(sorted(data)[:8])}" if isinstance(data, dict)
                                              else "")
    raise InputError([f"{flag}: {path} is {found}: neither a CloudFormation template (no 'Resources') nor a saved "
                      f"cost JSON (no 'monthly_usd' and 'lines'); {EXPECTED}"])


def check_cost_json(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A saved `infrakit cost --json` output, checked for what comparing needs; every problem at once."""
    problems = [f"{where}: a saved cost JSON needs the key {key!r} (save it with `infrakit cost SCENARIO --json`)"
                for key in COST_KEYS if key not in data]
    for key in ("monthly_usd", "horizon_usd"):
        value = data.get(key)
        if key in data and value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{where}: {key} is {shown(value)}; expected a number, or null for a missing price")
    lines = data.get("lines")
    if "lines" in data and not isinstance(lines, list):
        problems.append(f"{where}: 'lines' is {shown(lines)}; expected a list of cost lines")
        lines = []
    line_problems = []
    for number, line in enumerate(lines or [], start=1):
        if not isinstance(line, dict):
            line_problems.append(f"{where}: line {number} is {shown(line)}; expected a mapping")
            continue
        missing = [key for key in LINE_KEYS if key not in line]
        if missing:
            line_problems.append(f"{where}: line {number} lacks {', '.join(missing)} (lines are matched by "
                                 f"'key' and 'usage_type'; re-save the base with this version of infrakit)")
        value = line.get("monthly_usd")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            line_problems.append(f"{where}: line {number} monthly_usd is {shown(value)}; expected a number or null")
    unpriced = [number for number, line in enumerate(lines or [], start=1)
                if isinstance(line, dict) and "monthly_usd" in line and line["monthly_usd"] is None]
    if unpriced and data.get("monthly_usd") is not None:
        line_problems.insert(0, f"{where}: line(s) {', '.join(map(str, unpriced[:10]))} have no price (monthly_usd "
                                f"null) but the total monthly_usd is {shown(data['monthly_usd'])}; a total with a "
                                f"missing price is unknown (null). The file was edited or is damaged: re-save it "
                                f"with `infrakit cost SCENARIO --json`")
    if len(line_problems) > 5:
        line_problems = line_problems[:5] + [f"{where}: and {len(line_problems) - 5} more line problem(s)"]
    problems += line_problems
    if problems:
        raise InputError(problems)
    return dict(data)


def _template_file(path: Path, flag: str, text: str) -> Source:
    from infrakit.core.cfn import template_from_text
    from infrakit.core.schema.limits import MAX_TEMPLATE_FILE_BYTES
    from infrakit.templates import region_from_assembly

    _within(text, path, flag, MAX_TEMPLATE_FILE_BYTES, "template")
    template = template_from_text(text, source=str(path), label=flag)
    return Source("template", str(path), template=template, template_region=region_from_assembly(path),
                  name=path.name.removesuffix(".json").removesuffix(".yaml").removesuffix(".template"))


def _assembly(directory: Path, flag: str, stack: str | None) -> Source:
    from infrakit.templates import assembly_stacks, choose_stack, load_template_file

    def renamed(exc: InputError) -> InputError:
        return InputError([p.replace("--assembly", flag, 1) for p in exc.problems])

    try:
        chosen = choose_stack(assembly_stacks(directory), stack, directory)
    except InputError as exc:
        raise renamed(exc) from None
    template = load_template_file(chosen.template_path, flag=flag)
    return Source("template", str(directory), template=template, template_region=chosen.region, name=chosen.name)


def _scenario_file(path: Path, flag: str, text: str) -> Source:
    from infrakit.core.schema import load_scenario
    from infrakit.core.schema.limits import MAX_SCENARIO_FILE_BYTES

    _within(text, path, flag, MAX_SCENARIO_FILE_BYTES, "scenario file")
    try:
        scenario = load_scenario(path, text=text)
    except InputError as exc:
        # What the file was read as is said once, on the first problem: repeated it drowned them.
        first = f"{flag}: {path} (read as a scenario file; {EXPECTED})"
        raise InputError([f"{first if i == 0 else f'{flag}: {path}'}: {problem}"
                          for i, problem in enumerate(exc.problems)]) from None
    return Source("scenario", str(path), scenario=scenario)


@dataclass(frozen=True)
class Priced:
    """One input's cost JSON (the contract plus ``budget_usd_per_month``, ``input`` and
    ``verdict``) and, for a scenario or template, the ``ScenarioCost`` behind it."""

    source: Source
    cost: dict[str, Any]
    result: Any = None


def price(source: Source, *, usage: Mapping[str, Any] | None = None, region: str | None = None,
          usage_sets_region: bool = True) -> Priced:
    """Price ``source`` (a saved cost JSON is taken as saved, its verdict recomputed).

    A template is priced with ``usage`` (a validated scenario: traffic, storage, horizon,
    budget) or the scenario defaults, in ``region``, else the usage scenario's region when its
    file sets one (``usage_sets_region``), else the cloud assembly's, else the default region.
    """
    from infrakit.verdicts.compare import cost_verdict

    result = None
    if source.kind == "cost_json":
        cost = dict(source.cost or {})
    elif source.kind == "scenario":
        from cost_model import cost_scenario

        result = cost_scenario(source.scenario)
        cost = {**result.to_json(), "budget_usd_per_month": source.scenario.get("budget_usd_per_month")}
    else:
        result = _price_template(source, usage, region, usage_sets_region)
        cost = {**result.to_json(), "budget_usd_per_month": (usage or {}).get("budget_usd_per_month")}
    cost["input"] = {"kind": source.kind, "path": source.path}
    cost["verdict"] = cost_verdict(cost).to_json()
    return Priced(source, cost, result)


def _price_template(source: Source, usage: Mapping[str, Any] | None, region: str | None, usage_sets_region: bool):
    from cost_model import cost_template
    from infrakit.core.schema import validate_scenario

    scenario = dict(usage) if usage else validate_scenario({"name": source.name or Path(source.path).stem})
    chosen = region or (None if usage and usage_sets_region else source.template_region)
    if chosen:
        scenario = validate_scenario({**scenario, "region": chosen})
    return cost_template(source.template, scenario)
