"""Benchmark: a local deploy of our stack after synthesis, with the time per phase.

Each run is a fresh process's view of `infrakit deploy SCENARIO --target local`: an emulator
started in-process on a free port (as the CLI does without AWS_ENDPOINT_URL), preflight, the
pinned CDK CLI deploying the cloud assembly, boto3 verification. Synthesis is done once before
the timed runs (it has its own benchmark, bench_synth.py). Budget: under 30 s per deploy.

``--compare OLD.py`` times another implementation of ``deploy_scenario`` (e.g. the module
before a refactor, saved with ``git show REV:infrakit/deploy.py``; put it inside a checkout so
its paths resolve) in the same process, runs alternating, so both see the same machine load.

Run on purpose (`make bench`); the machine is shared and noisy, so the median of --runs is
reported next to each run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_S = 30.0
PHASES = ("preflight", "emulator_start", "cli_start", "deploy", "verify")


def _load(path: str):
    spec = importlib.util.spec_from_file_location("compared_deploy", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.deploy_scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "notebooks" / "params" / "dev.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", metavar="OLD.py", help="another deploy module to time alongside, alternating")
    args = parser.parse_args()

    os.environ.pop("AWS_ENDPOINT_URL", None)  # each run starts its own emulator, like the CLI
    from infra_lib.cdk.synth import synth
    from infrakit.core.schema import load_scenario
    from infrakit.deploy import deploy_scenario

    versions = {"current": deploy_scenario}
    if args.compare:
        versions["compared"] = _load(args.compare)
    scenario = load_scenario(args.scenario)
    rows, totals = [], {label: [] for label in versions}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INFRAKIT_CACHE_DIR"] = str(Path(tmp) / "cache")
        start = time.perf_counter()
        synth(scenario, check_deployable=False)
        print(f"synthesis (not timed below; cache warmed): {time.perf_counter() - start:.1f} s")
        # Warm-up run: imports (moto, cfn-lint, boto3 models) happen once per process, as in the CLI;
        # it is reported too, since a user's single `infrakit deploy` pays them.
        for run in range(args.runs + 1):  # each deploy's in-process emulator starts empty
            for label, deploy in versions.items():
                start = time.perf_counter()
                result = deploy(scenario, target="local", out_dir=Path(tmp) / f"{label}-{run}", progress=None)
                total = time.perf_counter() - start
                if result.status != "deployed" or not result.verified.get("ok"):
                    print(f"{label} run {run}: {result.status}: {result.message}")
                    return 1
                phases = {p: result.phases_s.get(p, 0.0) for p in PHASES}
                rows.append((f"{label} " + ("first (cold)" if run == 0 else f"run {run}"), phases, total))
                if run:
                    totals[label].append((phases, total))
    print(f"local deploy of {result.stack} ({len(result.verified['checks'])} checks verified), seconds:")
    print(f"{'':22}" + "".join(f"{p:>15}" for p in PHASES) + f"{'total':>10}")
    for label, phases, total in rows:
        print(f"{label:22}" + "".join(f"{phases[p]:>15.2f}" for p in PHASES) + f"{total:>10.2f}")
    for label, runs in totals.items():
        medians = {p: statistics.median(ph[p] for ph, _ in runs) for p in PHASES}
        print(f"{label + ' median':22}" + "".join(f"{medians[p]:>15.2f}" for p in PHASES)
              + f"{statistics.median(t for _, t in runs):>10.2f}")
    worst = max(total for _, _, total in rows)
    verdict = "within" if worst < BUDGET_S else "OVER"
    print(f"worst (incl. cold imports) {worst:.2f} s: {verdict} the {BUDGET_S:.0f} s budget")
    return 0 if worst < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
