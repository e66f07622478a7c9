"""`infrakit cost`: price one scenario or a synthesized template, as a table or JSON."""

from __future__ import annotations

import sys
from pathlib import Path

from infrakit.cli.common import EXIT_FAILURE, EXIT_OK
from infrakit.core.errors import InputError
from infrakit.core.files import json_text


def add_parsers(sub) -> None:
    cost = sub.add_parser("cost", help="price one scenario or a synthesized template: a table, or JSON")
    cost.add_argument("scenario", metavar="SCENARIO.yaml", nargs="?")
    cost.add_argument("--template", metavar="TEMPLATE.json",
                      help="price this CloudFormation template (ours or any cdk.out); usage from --scenario")
    cost.add_argument("--scenario", dest="scenario_option", metavar="SCENARIO.yaml",
                      help="usage, region and horizon for --template (default: the scenario defaults)")
    cost.add_argument("--region", help="with --template: the region to price in (default: the assembly's, "
                                       "else the scenario's)")
    cost.add_argument("--json", action="store_true", help="print the JSON contract instead of a table")
    cost.set_defaults(func=cmd_cost)


def cmd_cost(args) -> int:
    from cost_model import cost_scenario, cost_template
    from cost_model.tables import cost_table
    from infrakit.core.schema import load_scenario, validate_scenario

    scenario_path = args.scenario_option or args.scenario
    if args.template:
        from infrakit.templates import load_template_file, region_from_assembly

        template = load_template_file(args.template)
        scenario = load_scenario(scenario_path) if scenario_path else validate_scenario(
            {"name": Path(args.template).stem.removesuffix(".template")})
        region = args.region or (None if scenario_path else region_from_assembly(args.template))
        if region:
            scenario = validate_scenario({**scenario, "region": region})
        result = cost_template(template, scenario)
    elif scenario_path:
        if args.region:
            raise InputError(["--region goes with --template; for a scenario, set region: in its file."])
        result = cost_scenario(load_scenario(scenario_path))
    else:
        raise InputError(["give a scenario file, or --template TEMPLATE.json (optionally with --scenario)."])
    if args.json:
        print(json_text(result.to_json()), end="")
    else:
        print(cost_table(result), end="")
    if missing := result.priced.missing_reason(0):  # the table shows what is known; the exit code says the total is not
        print(f"infrakit cost: error: {missing}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


