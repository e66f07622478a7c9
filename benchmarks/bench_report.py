"""Benchmark: `make report` (the default parameter files, --jobs 2) end to end, with the time
per phase (validation, kernel start, sweep, synth, preflight, deploy, render) and each report's
size. Targets: at most 60 s in all on this 2-core machine, each report under 2 MB.

Runs the real CLI in a subprocess, as make does, once with the synth cache as it is (warm
after one run) and, with --cold, once more with an empty cache (every kernel starts jsii).
Phase times are summed over scenarios; with --jobs 2 they overlap, so they add up to more
than the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_TARGET_S = 60.0
SIZE_TARGET_BYTES = 2_000_000

# Phase -> where its seconds come from (runner timings, or the notebooks' own laps).
PHASES = {
    "emulator start": ("run", "emulator_start_s"),
    "kernel start": ("run", "kernel_start_s"),
    "sweep (both notebooks)": ("laps", "sweep"),
    "charts": ("laps", "charts"),
    "sensitivity": ("laps", "sensitivity"),
    "as-given check": ("laps", "as_given"),
    "synth": ("laps", "synth"),
    "preflight": ("laps", "preflight"),
    "template cost": ("laps", "template_cost"),
    "deploy": ("laps", "deploy"),
    "render": ("run", "render_s"),
}


def run_once(out_dir: Path, jobs: int, env: dict[str, str]) -> dict:
    start = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "infrakit"), "report", "--out", str(out_dir), "--jobs", str(jobs)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"infrakit report failed with exit code {done.returncode}")
    index = json.loads((out_dir / "index.json").read_text())
    phases = {name: 0.0 for name in PHASES}
    phases["validation"] = index["timings_s"]["validation_s"]
    sizes = {}
    for run in index["runs"]:
        folder = out_dir / Path(run["href"]).parent
        laps = {}
        for stem in ("trade_offs", "decision"):
            result = json.loads((folder / f"{stem}.json").read_text())
            for key, value in result["timings_s"].items():
                laps[key] = laps.get(key, 0.0) + value
        for name, (where, key) in PHASES.items():
            phases[name] += (run["timings_s"] if where == "run" else laps).get(key, 0.0)
        sizes[run["name"]] = (folder / "report.html").stat().st_size
    return {"wall_s": wall, "phases_s": phases, "sizes": sizes, "runs": index["runs"]}


def show(label: str, result: dict) -> bool:
    print(f"\n{label}: wall {result['wall_s']:.1f} s (target <= {WALL_TARGET_S:.0f} s)")
    print("  phase (summed over scenarios)        s")
    order = ["validation", *PHASES]
    for name in order:
        print(f"  {name:34} {result['phases_s'][name]:6.2f}")
    print("  report                            size")
    for name, size in result["sizes"].items():
        print(f"  {name:34} {size / 1e6:5.2f} MB")
    for run in result["runs"]:
        print(f"  {run['name']:20} {run['status']:6} {run['duration_s']:5.1f} s  preflight {run.get('preflight')}, "
              f"deploy {run.get('deploy')}")
    ok = result["wall_s"] <= WALL_TARGET_S and all(s < SIZE_TARGET_BYTES for s in result["sizes"].values())
    print(f"  {'PASS' if ok else 'FAIL'}")
    return ok


def side_by_side(baseline: Path, jobs: int, env: dict[str, str], tmp: Path, rounds: int = 1) -> None:
    """The runner of another checkout (``--baseline DIR``, e.g. a copy of the commit before the
    Dask runner) and this one, alternately in one run on the same synth cache (warm), phase by
    phase. The other checkout's packages come first on PYTHONPATH; the venv, the kernel and
    node_modules are this checkout's."""
    env = dict(env, INFRAKIT_CACHE_DIR=env.get("INFRAKIT_CACHE_DIR") or str(tmp / "shared-cache"))
    before_env = dict(env, PYTHONPATH=str(baseline.resolve()))
    # The other checkout finds the CDK CLI below its own root: without it its deploys fail in
    # milliseconds (and an older kit still said ok), which made it look 20 s faster.
    if not (baseline / "node_modules").exists():
        (baseline / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    run_once(tmp / "warm-up-before", jobs, before_env)
    run_once(tmp / "warm-up-after", jobs, env)
    results: dict[str, list[dict]] = {"before": [], "after": []}
    for i in range(rounds):
        for label, run_env in (("before", before_env), ("after", env)):
            out = tmp / f"{label}-{i}"
            result = run_once(out, jobs, run_env)
            timings = json.loads((out / "index.json").read_text())["timings_s"]
            result["batch_s"] = {"cluster start + worker check": timings.get("cluster_start_s", 0.0)
                                 + timings.get("worker_check_s", 0.0),
                                 "write (client)": sum(r["timings_s"].get("write_s", 0.0) for r in result["runs"])}
            results[label].append(result)
    print(f"\nmake report side by side (--jobs {jobs}, synth cache warm, best of {rounds}): before = {baseline}")
    best = {label: min(runs, key=lambda r: r["wall_s"]) for label, runs in results.items()}
    print(f"  {'phase (summed over scenarios)':34} {'before':>8} {'after':>8}")
    for name in ["validation", *PHASES]:
        print(f"  {name:34} {best['before']['phases_s'][name]:8.2f} {best['after']['phases_s'][name]:8.2f}")
    for name in best["after"]["batch_s"]:
        print(f"  {name:34} {best['before']['batch_s'][name]:8.2f} {best['after']['batch_s'][name]:8.2f}")
    print(f"  {'wall':34} {best['before']['wall_s']:8.2f} {best['after']['wall_s']:8.2f}")
    for (name, size_before), size_after in zip(best["before"]["sizes"].items(), best["after"]["sizes"].values(),
                                               strict=False):
        print(f"  report {name:27} {size_before / 1e6:6.2f} MB {size_after / 1e6:6.2f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="also run with an empty synth cache")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="only compare with another checkout's runner, side by side (see side_by_side)")
    parser.add_argument("--rounds", type=int, default=1, help="with --baseline: runs of each, best kept")
    args = parser.parse_args()
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            side_by_side(args.baseline, args.jobs, dict(os.environ), Path(tmp), args.rounds)
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        run_once(Path(tmp) / "warm-up", args.jobs, env)  # fills the synth cache, as a previous make report would
        ok &= show(f"make report, synth cache warm, --jobs {args.jobs}", run_once(Path(tmp) / "warm", args.jobs, env))
        if args.cold:
            env["INFRAKIT_CACHE_DIR"] = str(Path(tmp) / "empty-cache")
            ok &= show(f"make report, synth cache empty, --jobs {args.jobs}",
                       run_once(Path(tmp) / "cold", args.jobs, env))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
