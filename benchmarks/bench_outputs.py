"""Benchmark: the output writers (infrakit.outputs) against pandas on a 192,000-row sweep table
(55 columns), and `infrakit sweep --csv` of those 192,000 configurations against a
one-configuration sweep, side by side in one run.

- writers: rows per second of CSV (pandas ``to_csv(float_format="%.6f")``, what the CLI used,
  against the Arrow writer, same bytes), JSON rows (pandas ``to_json`` against the Arrow
  writer) and Parquet (pandas ``to_parquet`` against ``outputs.parquet_table`` +
  ``pyarrow.parquet``), writing to /dev/null or a temporary file; best of ``--repeats``.
- CLI: wall time of each command (a fresh process, output to /dev/null), interleaved, best of
  ``--repeats``. Targets: CSV at least 1,000,000 rows/s; the 192,000-configuration CSV within
  3x of the one-configuration sweep.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSV_TARGET_ROWS_S = 1_000_000
CLI_RATIO_TARGET = 3.0

GRID_192K = """start_date: "2026-12-01"
region: [us-east-1, eu-west-1]
nat_strategy: [per_az, single, regional, none]
az_count: [2, 3]
engine_version: ["13.23", "14.22", "15.10", "16.8", "17.7"]
storage_type: [standard, io_optimized]
reader_count: [0, 1, 2]
service_arch: [x86_64, arm64]
service_desired_count: [1, 2, 4, 8]
nat_data_gb_per_month: [0, 50, 200, 1000, 5000]
instance_class: [db.r6g.large, db.t4g.medium, db.r7g.large, db.r6g.xlarge, db.r7g.xlarge]
alb_new_connections_per_second: [1, 50]
"""
GRID_ONE = 'name: one\nstart_date: "2026-12-01"\n'


def best(repeats: int, fn) -> tuple[float, float]:
    """(best wall s, its CPU s) over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def writers(table, repeats: int, tmp: Path) -> bool:
    import pyarrow.parquet as pq

    from infrakit import outputs

    n = len(table)
    frame = table.reset_index()
    frame["reasons"] = [" | ".join(r) for r in frame["reasons"]]
    listed = table.reset_index()
    listed["reasons"] = [list(r) for r in listed["reasons"]]
    with open(os.devnull, "wb") as null:
        cases = [
            ("CSV", "pandas to_csv", lambda: frame.to_csv(io.StringIO(), index=False, float_format="%.6f"), 1),
            ("CSV", "arrow (infrakit.outputs)", lambda: outputs.write_csv(table, null), repeats),
            ("JSON rows", "pandas to_json", lambda: null.write(listed.to_json(orient="records").encode()), repeats),
            ("JSON rows", "arrow (infrakit.outputs)", lambda: outputs.write_json_rows(table, null), repeats),
            ("Parquet", "pandas to_parquet", lambda: frame.to_parquet(tmp / "pandas.parquet"), repeats),
            ("Parquet", "arrow (infrakit.outputs)",
             lambda: pq.write_table(outputs.parquet_table(table), tmp / "arrow.parquet"), repeats),
        ]
        print(f"writers, {n:,} rows x {len(frame.columns)} columns (best of {repeats}; pandas CSV once)")
        print(f"  {'format':10} {'writer':26} {'wall s':>8} {'cpu s':>8} {'rows/s (wall)':>14} {'rows/s (cpu)':>13}")
        rates = {}
        for fmt, label, fn, times in cases:
            wall, cpu = best(times, fn)
            rates[(fmt, label)] = n / wall
            print(f"  {fmt:10} {label:26} {wall:8.3f} {cpu:8.3f} {n / wall:14,.0f} {n / cpu:13,.0f}")
    csv_rate = rates[("CSV", "arrow (infrakit.outputs)")]
    print(f"  CSV: arrow {csv_rate / rates[('CSV', 'pandas to_csv')]:.0f}x pandas; "
          f"{'PASS' if csv_rate >= CSV_TARGET_ROWS_S else 'FAIL'} (>= {CSV_TARGET_ROWS_S:,} rows/s)")
    return csv_rate >= CSV_TARGET_ROWS_S


def cli(repeats: int, tmp: Path, baseline: Path | None = None) -> bool:
    big, one = tmp / "g192k.yaml", tmp / "one.yaml"
    big.write_text(GRID_192K)
    one.write_text(GRID_ONE)
    command = [str(ROOT / ".venv" / "bin" / "infrakit"), "sweep"]
    times: dict[str, list[float]] = {"one configuration --csv": [], "192,000 configurations --csv": [],
                                     "192,000 configurations --json": []}
    args = {"one configuration --csv": [one, "--csv"], "192,000 configurations --csv": [big, "--csv"],
            "192,000 configurations --json": [big, "--json"]}
    envs = {label: None for label in args}
    if baseline is not None:  # the same commands with another checkout's packages first (the code before)
        before = dict(os.environ, PYTHONPATH=str(baseline.resolve()))
        for label in list(args):
            times[f"before: {label}"] = []
            args[f"before: {label}"] = args[label]
            envs[f"before: {label}"] = before
    with open(os.devnull, "wb") as null:
        for _ in range(repeats):
            for label, extra in args.items():
                start = time.perf_counter()
                subprocess.run([*command, *map(str, extra)], stdout=null, check=True, cwd=ROOT, env=envs[label])
                times[label].append(time.perf_counter() - start)
    print(f"\ninfrakit sweep, a fresh process each, output to /dev/null (best of {repeats}, interleaved)")
    base = min(times["one configuration --csv"])
    for label, values in times.items():
        print(f"  {label:42} {min(values):7.2f} s  ({min(values) / base:.1f}x the one-configuration sweep)")
    ratio = min(times["192,000 configurations --csv"]) / base
    print(f"  {'PASS' if ratio <= CLI_RATIO_TARGET else 'FAIL'} (192,000 --csv within {CLI_RATIO_TARGET:.0f}x)")
    return ratio <= CLI_RATIO_TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time the CLI of another checkout (e.g. the commit before), side by side")
    args = parser.parse_args()
    from cost_model import sweep
    from infrakit.core.schema import validate_grid
    from infrakit.core.yamlio import read_yaml_mapping

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "g.yaml").write_text(GRID_192K)
        table = sweep(validate_grid(read_yaml_mapping(tmp / "g.yaml"))).table
        ok = writers(table, args.repeats, tmp)
        del table
        ok &= cli(args.repeats, tmp, args.baseline)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
