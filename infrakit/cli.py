"""The ``infrakit`` console script.

Exit codes (scripts rely on them): 0 ok, 2 bad input, 1 any other failure. Bad input is
reported as a list of problems on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infrakit import __version__
from infrakit.core.errors import InfrakitError, InputError
from infrakit.core.files import json_text

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors are bad input too
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


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


def sweep_rows_json(result) -> str:
    """The rows as a JSON array; pandas' encoder writes NaN as null and is fast at 100k rows."""
    table = result.table.reset_index()
    table["reasons"] = [list(r) for r in table["reasons"]]
    return table.to_json(orient="records", double_precision=10)


def cmd_sweep(args) -> int:
    from cost_model import sweep
    from cost_model.tables import sweep_table
    from infrakit.core.schema import load_grid

    grid = load_grid(args.grid)
    result = sweep(grid)
    if args.json:
        header = {
            "grid": args.grid,
            "configurations": len(result.table),
            "varied_keys": list(result.varied_keys),
            "recommended": result.recommended,
            "reason": result.reason,
        }
        sys.stdout.write(json_text(header, indent=None)[:-2] + ', "rows": ' + sweep_rows_json(result) + "}\n")
    elif args.csv:
        table = result.table.reset_index()
        table["reasons"] = [" | ".join(r) for r in table["reasons"]]
        table.to_csv(sys.stdout, index=False, float_format="%.6f")
    else:
        print(sweep_table(result), end="")
    return EXIT_OK


def cmd_synth(args) -> int:
    from infrakit.core.schema import load_scenario

    scenario = load_scenario(args.scenario)
    from infra_lib.cdk.synth import deployable_scenario, synth  # after validation: jsii starts only for good input

    deployable_scenario(scenario, source=args.scenario)
    result = synth(scenario, out_dir=Path(args.out) if args.out else None)
    print(f"stack: {result.stack_name}{' (from cache)' if result.cached else ''}")
    print(f"template: {result.template_path}")
    print(f"assembly: {result.assembly_dir}")
    counts = result.resource_counts()
    print(f"resources: {sum(counts.values())}")
    for resource_type, count in counts.items():
        print(f"  {count:>3}  {resource_type}")
    return EXIT_OK


def cmd_keys(args) -> int:
    from infrakit.core.schema import FIELDS

    if args.markdown:
        print("| key | default | meaning |\n|---|---|---|")
        for f in FIELDS:
            print(f"| `{f.name}` | `{f.default!r}` | {f.help} |")
        return EXIT_OK
    group = None
    for f in FIELDS:
        if f.group != group:
            group = f.group
            print(f"# {group}")
        print(f"{f.name:40} default {f.default!r:14}  {f.help}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="infrakit", description="Choose, prove and ship the AWS layout of a payment API.")
    parser.add_argument("--version", action="version", version=f"infrakit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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

    sweep = sub.add_parser("sweep", help="price every configuration of a grid and recommend one")
    sweep.add_argument("grid", metavar="GRID.yaml")
    fmt = sweep.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object with a row per configuration")
    fmt.add_argument("--csv", action="store_true", help="CSV, a row per configuration")
    sweep.set_defaults(func=cmd_sweep)

    synth = sub.add_parser("synth", help="synthesize the scenario's CDK stack (no AWS calls)")
    synth.add_argument("scenario", metavar="SCENARIO.yaml")
    synth.add_argument("--out", metavar="DIR", help="write the cloud assembly here (default: the synth cache)")
    synth.set_defaults(func=cmd_synth)

    keys = sub.add_parser("keys", help="list the scenario keys with defaults and meanings")
    keys.add_argument("--markdown", action="store_true")
    keys.set_defaults(func=cmd_keys)

    # Subcommands that live in their own modules (one module per job): each exposes
    # add_parsers(sub), which adds its parsers with set_defaults(func=...).
    from infrakit import deploy_cli, preflight_cli, report_cli

    for module in (preflight_cli, deploy_cli, report_cli):
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"infrakit {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfrakitError as exc:
        print(f"infrakit {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:  # commands with something to clean up say so themselves, before this
        print(f"infrakit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
