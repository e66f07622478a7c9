"""`infrakit prices refresh`, `infrakit prices show` and `infrakit engines refresh`.

Exit codes: 0 ok; 1 a refresh that failed or is partial (the output names each failure and
missing item; a failed region writes nothing); 2 bad input (every problem at once).
"""

from __future__ import annotations

import json
import sys

from infrakit.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK


def add_parsers(sub) -> None:
    """Adds this module's subcommands to the `infrakit` parser."""
    prices = sub.add_parser("prices", help="refresh or show the price catalog (AWS Price List snapshots)")
    psub = prices.add_subparsers(dest="prices_command", required=True, parser_class=type(prices))
    refresh = psub.add_parser(
        "refresh", help="fetch the rows the cost model needs from AWS's Price List into a dated snapshot",
        description="Reads the AWS Price List Bulk API (no credentials: the service index, each service's region "
                    "index, then the region's offer file, streamed) or offer files you downloaded, and writes one "
                    "dated snapshot per region into $INFRAKIT_CATALOG_DIR (default ~/.local/share/infrakit/"
                    "catalogs). A refreshed region overrides the shipped prices row by row. Exit 1 when a region "
                    "failed (nothing written for it) or is partial (the missing items are listed).")
    refresh.add_argument("--region", action="append", default=[], metavar="R",
                         help="region to refresh (repeatable; default: the regions the package ships, or the "
                              "files' own regions)")
    refresh.add_argument("--price-list-url", metavar="URL", help="Bulk API base URL (default "
                         "https://pricing.us-east-1.amazonaws.com)")
    refresh.add_argument("--from-file", action="append", default=[], metavar="PATH",
                         help="an offer file you downloaded (index.json or index.csv); repeatable")
    refresh.add_argument("--json", action="store_true", help="print the outcome per region as JSON")
    refresh.set_defaults(func=cmd_prices_refresh, command="prices refresh")

    show = psub.add_parser("show", help="list the price rows in use, their origin, and what is missing")
    show.add_argument("--region", metavar="R", help="only this region")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_prices_show, command="prices show")

    engines = sub.add_parser("engines", help="refresh the Aurora PostgreSQL engine catalog from the RDS API")
    esub = engines.add_subparsers(dest="engines_command", required=True, parser_class=type(engines))
    erefresh = esub.add_parser(
        "refresh", help="statuses from describe_db_engine_versions and lifecycle dates into a dated snapshot",
        description="Asks rds.describe_db_engine_versions(Engine='aurora-postgresql', IncludeAll=True) and "
                    "describe_db_major_engine_versions in the region (your AWS credentials) and writes a dated "
                    "snapshot into $INFRAKIT_CATALOG_DIR/engines/R/, which then overrides the shipped catalog for R.")
    erefresh.add_argument("--region", required=True, metavar="R")
    erefresh.add_argument("--json", action="store_true")
    erefresh.set_defaults(func=cmd_engines_refresh, command="engines refresh")


def _outcome_text(outcome) -> list[str]:
    head = f"{outcome.region}: {outcome.status}, {len(outcome.rows)} rows"
    if outcome.snapshot:
        head += f" -> {outcome.snapshot}"
    else:
        head += "; nothing written, the catalog in use is unchanged"
    lines = [head]
    for code, offer in sorted(outcome.offers.items()):
        lines.append(f"  {code} offer version {offer['version']} ({offer['source']})")
    lines += [f"  FAILED: {failure}" for failure in outcome.failures]
    if outcome.missing:
        lines.append(f"  missing {len(outcome.missing)} item(s) (they price as missing, never as zero, unless an older "
                     f"snapshot or the shipped catalog has them):")
        lines += [f"    {key}: {why}" for key, why in sorted(outcome.missing.items())]
    if outcome.not_requested:
        lines.append(f"  not refreshed (no file given): {', '.join(outcome.not_requested)}")
    return lines


def cmd_prices_refresh(args) -> int:
    from infrakit.prices.refresh import refresh

    outcomes = refresh(args.region, base_url=args.price_list_url, files=args.from_file)
    ok = bool(outcomes) and all(o.status == "complete" for o in outcomes)
    if args.json:
        print(json.dumps({"ok": ok, "regions": [o.to_json() for o in outcomes]}, indent=2))
    else:
        for outcome in outcomes:
            print("\n".join(_outcome_text(outcome)))
    if not ok:
        bad = [f"{o.region} {o.status}" for o in outcomes if o.status != "complete"]
        print(f"infrakit prices refresh: error: {', '.join(bad) or 'nothing refreshed'}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_prices_show(args) -> int:
    from infrakit.prices.refresh import region_problem
    from infrakit.prices.show import rows_in_use, show_text

    if args.region and (problem := region_problem(args.region)):
        print(f"infrakit prices show: 1 problem:\n  - {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    data = rows_in_use(args.region)
    print(json.dumps(data, indent=2) if args.json else show_text(data), end="" if not args.json else "\n")
    return EXIT_OK


def cmd_engines_refresh(args) -> int:
    from infrakit.prices.engines import refresh_engines
    from infrakit.prices.refresh import region_problem

    if problem := region_problem(args.region):
        print(f"infrakit engines refresh: 1 problem:\n  - {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = refresh_engines(args.region)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.region}: {len(result['minors'])} aurora-postgresql versions, "
              f"{sum(m['status'] == 'available' for m in result['minors'])} available; lifecycle dates from "
              f"{result['majors_source']} -> {result['snapshot']}")
    return EXIT_OK
