"""`infrakit report` (wired into infrakit.cli.build_parser): the notebook report over a batch
of parameter files, each scenario a task on a Dask cluster (``--scheduler ADDRESS``) or on a
``LocalCluster`` of ``--jobs N`` worker processes. Exit 0 when every scenario succeeded, 1
when any failed (its failure page says where; a status its ``fail_on`` names counts as failed)
or another report holds the output folder, 2 on bad input (before any kernel starts; an --out
folder holding files the kit did not write is bad input), 130 when interrupted by Ctrl-C or
SIGTERM (the index then lists what finished and marks the rest interrupted)."""

from __future__ import annotations

import sys

from infrakit.cli.common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK


def cmd_report(args) -> int:
    from infrakit.core.errors import InputError
    from infrakit.report.runner import default_param_files, run_batch

    scheduler = getattr(args, "scheduler", None)
    jobs = getattr(args, "jobs", None)
    if scheduler and jobs is not None:
        raise InputError(["--jobs starts workers on this machine; with --scheduler the cluster's workers run the "
                          "scenarios. Give one or the other."])
    paths = args.params or [str(p) for p in default_param_files()]
    progress = None
    if sys.stderr.isatty():  # a bar for people; CI logs get a line per scenario as it ends
        from tqdm import tqdm

        progress = tqdm(total=len(paths), unit="scenario", desc="report", file=sys.stderr)
    finished = 0

    def on_done(record) -> None:
        nonlocal finished
        finished += 1
        said = f"{record.spec.scenario['name']} {record.status} {record.duration_s:.1f} s"
        if progress is not None:
            progress.set_postfix_str(said)
            progress.update()
        else:  # a long batch must not leave a CI log silent until the end
            print(f"infrakit report: [{finished}/{len(paths)}] {said}", file=sys.stderr, flush=True)

    def on_note(text: str) -> None:
        (progress.write if progress is not None else lambda t: print(t, file=sys.stderr, flush=True))(text)

    try:
        result = run_batch(paths, out_dir=args.out, jobs=jobs or 1, scheduler=scheduler, on_done=on_done,
                           on_note=on_note)
    finally:
        if progress is not None:
            progress.close()
    for record in result.runs:
        where = record.page.relative_to(result.out_dir) if record.page else "-"
        detail = ""
        if record.failure:
            detail = f"  {record.failure['notebook']}: {record.failure['ename']}: {record.failure['evalue']}"[:240]
        elif record.reasons:
            detail = f"  {'; '.join(record.reasons)}"[:240]
        print(f"{record.status:11} {record.spec.scenario['name']:24} {record.duration_s:6.1f} s  {where}{detail}")
    print(f"index: {result.index}")
    if result.interrupted:
        done = sum(1 for r in result.runs if r.status != "interrupted")
        print(f"infrakit report: interrupted ({result.interrupted}); {done} of {len(result.runs)} scenario(s) "
              f"finished and are in {result.index}, the rest are marked interrupted.", file=sys.stderr)
        return result.exit_signal_code or EXIT_INTERRUPTED
    if result.failed:
        print(f"infrakit report: {len(result.failed)} of {len(result.runs)} scenario(s) failed; their pages and "
              f"{result.out_dir / 'summary.md'} say why (a failed notebook keeps its executed copy).", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _jobs(value: str) -> int:
    import argparse

    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, got {value!r}") from None
    if not 1 <= jobs <= 32:
        raise argparse.ArgumentTypeError(f"--jobs must be from 1 to 32, got {jobs}")
    return jobs


def add_parsers(sub) -> None:
    """Adds this module's subcommands to the `infrakit` parser."""
    report = sub.add_parser(
        "report", help="run the notebooks for parameter files and render HTML decision reports",
        description="Execute notebooks/trade_offs.ipynb and notebooks/decision.ipynb for each parameter file "
                    "(papermill, kernel 'infrakit'), each scenario a task on a Dask cluster, then write "
                    "OUT/<scenario>/report.html and OUT/index.html. Every file is checked before any kernel starts.")
    report.add_argument("params", nargs="*", metavar="PARAMS.yaml",
                        help="parameter files (default: notebooks/params/{dev,prod,seed_model,seed_ideal}.yaml)")
    report.add_argument("--out", default="reports", metavar="DIR",
                        help="output folder (default: reports): new, empty, or one an earlier report wrote")
    report.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                        help="scenarios at once: a local Dask cluster of N worker processes (default 1)")
    report.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster (tcp://HOST:PORT, what `dask scheduler` prints); "
                             "workers need infrakit and the kernel 'infrakit', not this folder")
    report.set_defaults(func=cmd_report)
