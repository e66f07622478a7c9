"""Benchmark: `infrakit sweep GRID --summary` on 10,000,000 configurations (13 keys, 2 to 5
values each), time and peak memory, side by side in one run:

- streamed in this process, chunk after chunk (``--summary``);
- streamed on a LocalCluster of 2 worker processes (``--summary --jobs 2``): the answer must be
  the same JSON, and each process's peak is its own;
- the in-memory sweep (``sweep()``, what ``--csv``/``--json`` and the table did before) on 1/20
  of the grid, for the memory it would need at full size.

Each run is a fresh subprocess, so its peak RSS (VmHWM) is its own; for the cluster,
the client's and the largest worker's. Target: every process under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEAK_TARGET_MB = 2048

GRID = {
    "start_date": "2026-12-01",
    "region": ["us-east-1", "eu-west-1"],
    "nat_strategy": ["per_az", "single", "regional", "none"],
    "az_count": [2, 3],
    "engine_version": ["13.23", "14.22", "15.10", "16.8", "17.7"],
    "storage_type": ["standard", "io_optimized"],
    "reader_count": [0, 1, 2, 3, 4],
    "service_arch": ["x86_64", "arm64"],
    "service_desired_count": [1, 2, 4, 8, 16],
    "nat_data_gb_per_month": [0, 50, 200, 1000, 5000],
    "instance_class": ["db.r6g.large", "db.t4g.medium", "db.r7g.large", "db.r6g.xlarge", "db.r7g.xlarge"],
    "alb_new_connections_per_second": [1, 10, 50, 100, 500],
    "cross_az_gb_per_month": [0, 20, 100, 500, 2000],
    "egress_must_survive_az_loss": [False, True],
}

CHILD = r"""
import json, resource, sys, time
from infrakit.core.schema import validate_grid
from infrakit.sweep_stream import summarize
grid, mode, chunk_rows = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
grid = validate_grid(grid, max_size=10**8)
start = time.perf_counter()
cpu = time.process_time()
if mode == "memory":
    from cost_model import sweep
    result = sweep(grid)
    answer = {"recommended": result.recommended, "configurations": len(result.table)}
else:
    summary, info = summarize(grid, chunk_rows=chunk_rows, jobs=2 if mode == "cluster" else None)
    answer = summary.to_json()
out = {"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
       # VmHWM, this process's own peak (ru_maxrss would carry the forking parent's over exec)
       "peak_mb": int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) / 1024,
       "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "answer": answer}
print(json.dumps(out))
"""


def grid_size(grid: dict) -> int:
    size = 1
    for value in grid.values():
        size *= len(value) if isinstance(value, list) else 1
    return size


def run(grid: dict, mode: str, chunk_rows: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(grid), mode, str(chunk_rows)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--skip-cluster", action="store_true")
    args = parser.parse_args()
    small = dict(GRID, cross_az_gb_per_month=[0], alb_new_connections_per_second=[1])  # 1/25 of the grid
    size, small_size = grid_size(GRID), grid_size(small)
    rows = []
    started = time.perf_counter()
    local = run(GRID, "stream", args.chunk_rows)
    rows.append(("streamed, this process", size, local))
    cluster = None
    if not args.skip_cluster:
        cluster = run(GRID, "cluster", args.chunk_rows)
        rows.append(("streamed, LocalCluster of 2 workers", size, cluster))
    memory = run(small, "memory", args.chunk_rows)
    rows.append(("in memory (sweep()), 1/25 of the grid", small_size, memory))
    print(f"{size:,} configurations, chunks of {args.chunk_rows:,} ({time.perf_counter() - started:.0f} s in all)")
    print(f"  {'run':40} {'configs':>12} {'wall s':>8} {'cpu s':>8} {'rows/s':>10} {'peak MB':>8} {'worker MB':>9}")
    for label, n, result in rows:
        worker = f"{result['children_peak_mb']:9.0f}" if "cluster" in label.lower() else f"{'-':>9}"
        print(f"  {label:40} {n:12,} {result['seconds']:8.1f} {result['cpu_s']:8.1f} {n / result['seconds']:10,.0f} "
              f"{result['peak_mb']:8.0f} {worker}")
    projected = memory["peak_mb"] * size / small_size
    print(f"  in memory at full size would need about {projected / 1024:,.1f} GB (linear in rows)")
    ok = local["peak_mb"] < PEAK_TARGET_MB
    if cluster is not None:
        same = cluster["answer"] == local["answer"]
        print(f"  cluster answer identical to this process: {same}")
        ok &= same and cluster["peak_mb"] < PEAK_TARGET_MB and cluster["children_peak_mb"] < PEAK_TARGET_MB
    print(f"  recommended: config {local['answer']['recommended']}: {local['answer']['reason'][:150]}")
    print(f"  {'PASS' if ok else 'FAIL'} (every process under {PEAK_TARGET_MB} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
