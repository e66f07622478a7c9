"""`infrakit cost`: price one configuration (a scenario, a template or cloud assembly) or compare
it with a base (``--compare-to``), as a table, JSON or Markdown, with gates.

Exit codes: 0 ok; 1 failed (a price is missing, the configuration is not deployable
(``valid: false``), it costs more than its ``budget_usd_per_month``, or it is over a gate),
always after printing everything, with the reasons on stderr; 2 bad input (every problem at
once, HEAD's and BASE's together, before anything is priced).
"""

from __future__ import annotations

import sys
from pathlib import Path

from infrakit.cli.common import EXIT_FAILURE, EXIT_OK
from infrakit.core.errors import InputError
from infrakit.core.files import json_text

INPUTS = ("a scenario file, a CloudFormation template or cloud assembly (cdk.out), or a saved "
          "`infrakit cost --json` output")


def add_parsers(sub) -> None:
    cost = sub.add_parser(
        "cost", help="price one configuration, or compare it with a base: a table, JSON or Markdown; with gates",
        description="Prices a scenario, a template or cloud assembly, or compares HEAD with --compare-to BASE "
                    f"(each {INPUTS}). Exit 1 when a price is missing, the configuration is not deployable, it "
                    "costs more than its budget_usd_per_month, or it is over a gate; 2 on bad input.")
    cost.add_argument("scenario", metavar="HEAD", nargs="?",
                      help=f"what to price: {INPUTS} (a template's usage comes from --scenario)")
    cost.add_argument("--template", metavar="TEMPLATE.json|CDK_OUT",
                      help="price this CloudFormation template or cloud assembly (ours or any cdk.out); "
                           "usage from --scenario")
    cost.add_argument("--scenario", dest="scenario_option", metavar="SCENARIO.yaml",
                      help="usage, region, horizon and budget for a template (default: the scenario defaults)")
    cost.add_argument("--region", help="for a template: the region to price in (default: the --scenario file's "
                                       "region: when it sets one, else the assembly's, else us-east-1)")
    cost.add_argument("--stack", metavar="NAME", help="for a cloud assembly holding several stacks: the one to price")
    cost.add_argument("--compare-to", dest="compare_to", metavar="BASE",
                      help=f"compare with this base: {INPUTS}")
    output = cost.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the JSON contract instead of a table")
    output.add_argument("--markdown", action="store_true", help="print Markdown (for a pull-request comment)")
    cost.add_argument("--max-monthly-usd", dest="max_monthly_usd", metavar="N",
                      help="fail (exit 1) when the head's first month costs more than N dollars")
    cost.add_argument("--max-increase-usd", dest="max_increase_usd", metavar="N",
                      help="with --compare-to: fail when the monthly cost rises by more than N dollars")
    cost.add_argument("--max-increase-percent", dest="max_increase_percent", metavar="P",
                      help="with --compare-to: fail when the monthly cost rises by more than P percent")
    cost.set_defaults(func=cmd_cost)


def _collect(problems: list[str], check, *args, **kwargs):
    """Run one input check; keep its problems and go on, so every problem is reported at once."""
    try:
        return check(*args, **kwargs)
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _inputs(args, problems: list[str]):
    """(head source, usage scenario path, base source), identified without pricing anything."""
    from infrakit.verdicts.sources import identify

    usage_path = args.scenario_option
    if args.template:
        if args.scenario and args.scenario_option:
            problems.append(f"give HEAD once: --template {args.template} is HEAD, so {args.scenario} has no role "
                            f"(--scenario {args.scenario_option} already gives the usage)")
        usage_path = args.scenario_option or args.scenario  # `cost SCENARIO --template T`: usage for T
        head = _collect(problems, identify, args.template, flag="--template", stack=args.stack, template_only=True)
    elif args.scenario:
        head = _collect(problems, identify, args.scenario, flag="HEAD", stack=args.stack)
    elif args.scenario_option:
        head, usage_path = _collect(problems, identify, args.scenario_option, flag="--scenario"), None
    else:
        problems.append("give a scenario file, or --template TEMPLATE.json (optionally with --scenario); "
                        f"HEAD may be {INPUTS}")
        head = None
    base = _collect(problems, identify, args.compare_to, flag="--compare-to", stack=args.stack,
                    allow_empty=False) if args.compare_to else None
    return head, usage_path, base


def cmd_cost(args) -> int:
    from infrakit.verdicts.gates import parse_gates

    problems: list[str] = []
    head, usage_path, base = _inputs(args, problems)
    gates, gate_problems = parse_gates(vars(args), has_base=bool(args.compare_to))
    problems += gate_problems
    usage, usage_sets_region = None, True
    templates = [s for s in (head, base) if s is not None and s.kind == "template"]
    if usage_path and (templates or head is None):
        usage, usage_sets_region = _collect(problems, _load_usage, usage_path) or (None, True)
    elif usage_path and head is not None:
        problems.append(f"--scenario {usage_path} gives the usage for a template, and neither HEAD nor BASE is one; "
                        f"give the scenario as HEAD instead")
    identified = head is not None and (base is not None or not args.compare_to)
    if args.region:
        if not templates and identified:
            problems.append("--region goes with a template (--template, or a template as BASE); for a scenario, "
                            "set region: in its file.")
        else:
            from infrakit.preflight import check_region

            _collect(problems, check_region, args.region)
    if args.stack and not templates and identified:
        problems.append("--stack goes with a cloud assembly (a cdk.out directory as --template or BASE).")
    elif args.stack and templates and not any(Path(t.path).is_dir() for t in templates):
        files = " and ".join(t.path for t in templates)
        problems.append(f"--stack {args.stack}: picks a stack of a cloud assembly (a cdk.out directory), but {files} "
                        f"is a template file with one stack; drop --stack, or give the assembly directory.")
    if problems:
        raise InputError(problems)
    return _run(args, head, base, usage, gates, usage_sets_region)


def _load_usage(path: str) -> tuple[dict, bool]:
    """The usage scenario, read once (a pipe cannot be read twice), and whether its file names its
    region (else a cloud assembly's own region is kept)."""
    from infrakit.core.schema import validate_scenario
    from infrakit.core.yamlio import read_yaml_mapping

    raw = read_yaml_mapping(path)
    return validate_scenario(raw, source=path), "region" in raw


def _price(source, usage, region, usage_sets_region=True):
    from infrakit.verdicts.sources import price

    return price(source, usage=usage, region=region, usage_sets_region=usage_sets_region)


def _run(args, head, base, usage, gates, sets_region: bool = True) -> int:
    from infrakit.report.status import FAILED, OK, Verdict
    from infrakit.verdicts import gates as gate_mod
    from infrakit.verdicts import render
    from infrakit.verdicts.compare import compare

    problems: list[str] = []  # a template the cost model cannot price as one stack is bad input too
    head_priced = _collect(problems, _price, head, usage, args.region, sets_region)
    base_priced = _collect(problems, _price, base, usage, args.region, sets_region) if base is not None else None
    if problems:
        raise InputError(problems)
    for priced in (head_priced, base_priced):
        _name_template(priced)
    head_cost = head_priced.cost
    base_cost = None if base_priced is None else base_priced.cost
    results = gate_mod.evaluate(gates, head_cost, base_cost)
    reasons = list(head_cost["verdict"]["reasons"]) + [g["message"] for g in results if not g["passed"]]
    verdict = (Verdict(FAILED, tuple(reasons)) if reasons else Verdict(OK)).to_json()
    if base_cost is None:
        document = {**head_cost, "gates": results, "verdict": verdict}
        if args.markdown:
            text = render.cost_markdown(head_cost, verdict, results) + _template_markdown(head_cost)
        elif not args.json:
            text = _single_table(head_priced, verdict, results, usage_from=_usage_label(args, usage))
    else:
        comparison = compare(base_cost, head_cost)
        document = {**comparison, "gates": results, "verdict": verdict}
        sides = (("BASE", base_cost), ("HEAD", head_cost))
        if args.markdown:
            text = render.comparison_markdown(comparison, verdict, results)
            text += "".join(_template_markdown(cost, side) for side, cost in sides)
        elif not args.json:
            from cost_model.tables import terminal_width

            text = render.comparison_table(comparison, verdict, results, width=terminal_width())
            text += "".join(_not_priced_summary(cost, side) for side, cost in sides)
    print(json_text(document) if args.json else text, end="")
    for reason in verdict["reasons"]:  # after everything is printed: what failed, for the CI log
        print(f"infrakit cost: failed: {reason}", file=sys.stderr)
    return EXIT_OK if verdict["status"] == OK else EXIT_FAILURE


def _name_template(priced) -> None:
    """A priced template's description names its stack and file (the usage scenario names the run)."""
    description = None if priced is None else priced.cost.get("template")
    if description is not None:
        description.update(stack=priced.source.name or description.get("stack"), path=priced.source.path)


def _usage_label(args, usage) -> str:
    if usage is None:
        return "the scenario defaults (`infrakit keys`; give --scenario FILE for your own)"
    return str(args.scenario_option or args.scenario)


def _template_table(result, table: str, usage_from: str) -> str:
    """A template's cost table: its header describes the template (never the kit's defaults) and
    the resources not priced are listed before the price sources."""
    import textwrap

    from cost_model.tables import terminal_width
    from cost_model.template_parts import header_lines, not_priced_lines

    rest = table[table.index("\nMonth ") + 1:]  # the scenario header may be wrapped over several lines
    body, marker, prices = rest.partition("Prices: ")
    unused = result.template.get("usage_not_applied") or {}
    usage_note = f" ({', '.join(unused)}: not applied, nothing in the template carries them)" if unused else ""
    head = [*header_lines(result.template, result.scenario["region"]), f"Usage: {usage_from}{usage_note}"]
    unpriced = not_priced_lines(result.not_priced)
    width = terminal_width()
    if width:
        head, unpriced = ([part for line in lines for part in textwrap.wrap(line, width, subsequent_indent="    ")]
                          for lines in (head, unpriced))
    return "\n".join([*head, body.rstrip("\n"), *unpriced]) + "\n" + marker + prices


def _template_markdown(cost, side: str | None = None) -> str:
    """The template's header and what is not priced, as Markdown (nothing for a scenario)."""
    from cost_model.template_parts import header_lines, not_priced_lines

    if (cost.get("input") or {}).get("kind") != "template" or not cost.get("template"):
        return ""  # a scenario, or a saved cost JSON (shown as saved)
    title = f"{side} template" if side else "Template"
    head = header_lines(cost["template"], cost.get("region", ""))
    return "\n".join(["", f"**{title}**: {head[0]}", "", head[1], "",
                      *not_priced_lines(cost.get("not_priced") or [], markdown=True)]) + "\n"


def _not_priced_summary(cost, side: str) -> str:
    entries = cost.get("not_priced") or []
    if (cost.get("input") or {}).get("kind") != "template" or not entries:
        return ""
    from cost_model.template_parts import REASONS

    reasons = {r: sum(1 for entry in entries if entry["reason"] == r) for r in REASONS}
    counts = ", ".join(f"{n} {r}" for r, n in reasons.items() if n)
    return f"{side}: {len(entries)} resource(s) not priced ({counts}); see --json not_priced\n"


def _single_table(priced, verdict, gates, *, usage_from: str = "") -> str:
    from infrakit.verdicts import render

    if priced.result is None:  # a saved cost JSON: its lines as saved
        table = render.saved_cost_table(priced.cost)
    else:
        from cost_model.tables import cost_table

        table = cost_table(priced.result)
        if priced.result.template is not None:
            table = _template_table(priced.result, table, usage_from)
    budget = priced.cost.get("budget_usd_per_month")
    if budget is not None:
        table += f"Budget: {render.money(budget)}/month (budget_usd_per_month)\n"
    return table + "\n".join(render.status_lines(verdict, gates)) + "\n"
