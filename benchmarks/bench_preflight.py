"""Offline preflight of our stack's template, synthesis excluded: the rules alone, then with cfn-lint.

Run on purpose (`make bench`), not in tests. One run, side by side, on this machine:

    .venv/bin/python benchmarks/bench_preflight.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    from infra_lib.cdk.synth import synth
    from infrakit.preflight import preflight_template
    from infrakit.scenario import load_scenario

    for name in ("prod", "seed_model"):
        scenario = load_scenario(ROOT / f"notebooks/params/{name}.yaml")
        # Synthesis is excluded from the timings (and cached after the first run).
        result = synth(scenario, check_deployable=False)
        bench_one(name, scenario, result, preflight_template)


def bench_one(name, scenario, result, preflight_template) -> None:
    template = result.template
    print(f"\n{name}: {result.stack_name}, {len(template['Resources'])} resources")

    def run(cfn_lint: bool):
        return preflight_template(template, region=scenario["region"], live=False, cfn_lint=cfn_lint,
                                  stack_name=result.stack_name)

    cold_start = time.perf_counter()
    run(False)
    cold = time.perf_counter() - cold_start
    rules_best, rules_median = timed(lambda: run(False), 20)
    lint_best, lint_median = timed(lambda: run(True), 5)
    print(f"{'step':52} {'best':>8} {'median':>8}")
    print(f"{'rules only, first call (imports, catalogs)':52} {cold:8.3f}")
    findings = len(run(False).findings)
    print(f"{f'rules only ({findings} findings)':52} {rules_best:8.3f} {rules_median:8.3f}")
    print(f"{'rules + cfn-lint':52} {lint_best:8.3f} {lint_median:8.3f}")
    template_path = result.template_path
    for label, extra in (("CLI, new process, --no-cfn-lint", ["--no-cfn-lint"]), ("CLI, new process, with cfn-lint", [])):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "infrakit.cli", "preflight", "--template", str(template_path),
                               "--offline", "--json", *extra], cwd=ROOT, capture_output=True, check=False)
        print(f"{label + f' (exit {done.returncode})':52} {time.perf_counter() - start:8.3f}")


if __name__ == "__main__":
    main()
