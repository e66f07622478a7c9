"""Offline preflight of our stack's template, synthesis excluded: the rules alone, then with cfn-lint;
then the CLI on generated templates from 0.1 MB to 20 MB (wall time and the peak memory of the
preflight process and of its cfn-lint worker), the bound issue 14 asked for: the 20 MB template
took 359 s and 668 MB in cfn-lint, silent until the end.

Run on purpose (`make bench`), not in tests. One run, side by side, on this machine:

    .venv/bin/python benchmarks/bench_preflight.py [--large-only]
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
    from infrakit.core.schema import load_scenario
    from infrakit.preflight import preflight_template

    if "--large-only" not in sys.argv:
        for name in ("prod", "seed_model"):
            scenario = load_scenario(ROOT / f"notebooks/params/{name}.yaml")
            # Synthesis is excluded from the timings (and cached after the first run).
            result = synth(scenario, check_deployable=False)
            bench_one(name, scenario, result, preflight_template)
    bench_large()


def bench_large() -> None:
    """The CLI on generated templates (tests/preflight_templates.many_resources), each in a new process."""
    import json
    import resource
    import tempfile

    from tests.preflight_templates import aurora, many_resources

    print(f"\n{'template':34} {'bytes':>12} {'exit':>5} {'wall s':>8} {'peak MB':>8}  cfn-lint")
    with tempfile.TemporaryDirectory() as folder:
        for count in (450, 2_000, 20_000, 100_000):
            path = Path(folder) / f"t{count}.json"
            path.write_text(json.dumps(many_resources(count, extra=aurora(version="15.3")), indent=1))
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "infrakit.cli", "preflight", "--template", str(path),
                                   "--offline", "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
            status = json.loads(done.stdout)["data_source"]["cfn_lint_status"] if done.stdout else done.stderr[-200:]
            print(f"{f'{count:,} resources':34} {path.stat().st_size:>12,} {done.returncode:>5} {wall:8.1f} "
                  f"{peak:8.0f}  {status}")


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
