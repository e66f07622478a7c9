"""`infrakit sweep`: price every configuration of a grid and recommend one."""

from __future__ import annotations

import sys

from infrakit.cli.common import EXIT_OK
from infrakit.core.files import json_text


def add_parsers(sub) -> None:
    sweep = sub.add_parser("sweep", help="price every configuration of a grid and recommend one")
    sweep.add_argument("grid", metavar="GRID.yaml")
    fmt = sweep.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object with a row per configuration")
    fmt.add_argument("--csv", action="store_true", help="CSV, a row per configuration")
    sweep.set_defaults(func=cmd_sweep)


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


