"""`infrakit sweep`: price every configuration of a grid and recommend one.

    infrakit sweep GRID                      the cheapest configurations and the recommendation
    infrakit sweep GRID --csv | --json       every row (written at Arrow speed, a chunk at a time)
    infrakit sweep GRID --summary [--json]   aggregates only, the grid streamed in index-range chunks
        [--jobs N | --scheduler ADDRESS]     ... on a local Dask cluster or an existing one
        [--parquet DIR]                      ... and every row to a Parquet dataset (folder or fsspec URL)
"""

from __future__ import annotations

import sys

from infrakit.cli.common import EXIT_OK
from infrakit.core.text import shown


class _BadNumber(str):
    """A number option out of range or not a number: kept as its problem, so cmd_sweep reports it
    with every other problem at once (argparse would stop at the first)."""


def _positive(name: str, low: int, high: int):
    def parse(value: str) -> int | _BadNumber:
        try:
            number = int(value)
        except ValueError:
            return _BadNumber(f"{name} takes a whole number, got {shown(value, limit=40)}")
        if not low <= number <= high:
            return _BadNumber(f"{name} must be from {low:,} to {high:,}, got {number:,}")
        return number

    return parse


def _number_problems(args) -> list[str]:
    """The number options' problems; each bad one is then taken as not given."""
    problems = []
    for key in ("top", "jobs", "chunk_rows"):
        value = getattr(args, key, None)
        if isinstance(value, _BadNumber):
            problems.append(str(value))
            setattr(args, key, None)
    return problems


def add_parsers(sub) -> None:
    from cost_model.streaming import DEFAULT_CHUNK_ROWS, DEFAULT_TOP_K

    sweep = sub.add_parser("sweep", help="price every configuration of a grid and recommend one",
                           description="Price every configuration of a grid and recommend one. --summary streams "
                                       "the grid in chunks (memory does not grow with it), here or on a Dask cluster.")
    sweep.add_argument("grid", metavar="GRID.yaml")
    fmt = sweep.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true",
                     help="one JSON object with a row per configuration (with --summary: the aggregates)")
    fmt.add_argument("--csv", action="store_true", help="CSV, a row per configuration")
    sweep.add_argument("--summary", action="store_true",
                       help="aggregates only: counts by reason, the Pareto frontier, the recommendation, the top k; "
                            "grids up to 100,000,000 configurations")
    sweep.add_argument("--top", type=_positive("--top", 0, 1000), default=None, metavar="K",
                       help=f"with --summary: the K best configurations that meet the constraints (default "
                            f"{DEFAULT_TOP_K})")
    sweep.add_argument("--parquet", metavar="DIR",
                       help="write every row as a partitioned Parquet dataset to DIR (a folder or an fsspec URL such "
                            "as s3://bucket/prefix); prints the summary")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the chunks on an existing Dask cluster (tcp://HOST:PORT)")
    sweep.add_argument("--jobs", type=_positive("--jobs", 1, 64), default=None, metavar="N",
                       help="run the chunks on a local Dask cluster of N worker processes")
    sweep.add_argument("--chunk-rows", type=_positive("--chunk-rows", 1, 10_000_000), default=None, metavar="N",
                       help=f"configurations per chunk, which bounds memory (default {DEFAULT_CHUNK_ROWS:,}; --csv and "
                            f"--json sweep grids up to 250,000 in one pass unless this is given)")
    sweep.set_defaults(func=cmd_sweep)


def _grid(path: str, streamed: bool):
    from infrakit.core.errors import InputError
    from infrakit.core.schema import read_yaml_mapping, validate_grid
    from infrakit.sweep_stream import STREAM_MAX_GRID_SIZE

    try:
        raw = read_yaml_mapping(path)
        return validate_grid(raw, source=str(path), **({"max_size": STREAM_MAX_GRID_SIZE} if streamed else {})), None
    except InputError as exc:
        return None, exc


def cmd_sweep(args) -> int:
    from infrakit.core.errors import InputError
    from infrakit.sweep_stream import option_problems, parquet_problems

    summary = getattr(args, "summary", False)
    parquet = getattr(args, "parquet", None)
    scheduler = getattr(args, "scheduler", None)
    jobs = getattr(args, "jobs", None)
    streamed = summary or parquet is not None
    # Every problem at once: the options, the grid file and the Parquet target, before any work.
    problems = _number_problems(args)
    jobs = getattr(args, "jobs", None)
    problems += option_problems(summary=summary, fmt="csv" if args.csv else ("json" if args.json else None),
                               parquet=parquet, scheduler=scheduler, jobs=jobs, top=getattr(args, "top", None),
                               chunk_rows=getattr(args, "chunk_rows", None))
    grid, grid_error = _grid(args.grid, streamed)
    if parquet is not None:
        problems += parquet_problems(parquet)
    if grid_error is not None and not problems:
        raise grid_error  # the grid's own problems, under its name
    if grid_error is not None:
        where = f"{grid_error.source}: " if grid_error.source else ""
        problems += [f"{where}{p}" for p in grid_error.problems]
    if problems:
        raise InputError(problems)
    if streamed:
        return _summary(args, grid, parquet=parquet, scheduler=scheduler, jobs=jobs)
    if args.json or args.csv:
        from infrakit.sweep_stream import write_rows

        out = sys.stdout.buffer
        chunk_rows = getattr(args, "chunk_rows", None)
        write_rows(grid, out, fmt="json" if args.json else "csv", grid_path=args.grid,
                   chunk_rows=chunk_rows or _default_chunk_rows(),
                   **({"in_memory_rows": chunk_rows} if chunk_rows else {}))
        out.flush()
        return EXIT_OK
    from cost_model import sweep
    from cost_model.tables import sweep_table

    print(sweep_table(sweep(grid)), end="")
    return EXIT_OK


def _default_chunk_rows() -> int:
    from cost_model.streaming import DEFAULT_CHUNK_ROWS

    return DEFAULT_CHUNK_ROWS


def _top(args) -> int:
    from cost_model.streaming import DEFAULT_TOP_K

    top = getattr(args, "top", None)
    return DEFAULT_TOP_K if top is None else top


def _summary(args, grid, *, parquet, scheduler, jobs) -> int:
    from infrakit.core.files import json_text
    from infrakit.sweep_stream import summarize, summary_text

    result, info = summarize(grid, chunk_rows=getattr(args, "chunk_rows", None) or _default_chunk_rows(),
                             top_k=_top(args), scheduler=scheduler, jobs=jobs, parquet=parquet)
    if args.json:
        sys.stdout.write(json_text({"grid": args.grid, **result.to_json(), "run": info}, indent=None))
    else:
        sys.stdout.write(summary_text(result, info))
    return EXIT_OK
