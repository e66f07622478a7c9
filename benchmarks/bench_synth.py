"""Benchmark: synthesizing N configurations of the sample grid in one call, vs running the
standard CDK CLI (`cdk synth -c scenario=...` through cdk.json) once per configuration, and
a cache hit. Run on purpose (`make bench`); both sides run in this process, side by side.

The CLI side is timed on a sample (default 4 runs) and scaled to N, since each run pays the
full Node + Python + jsii start-up; the in-process side pays it once.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infrakit.core.schema import validate_scenario  # noqa: E402

ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payment-api:1.4"


def grid(n: int) -> list[dict]:
    raws = []
    for i, (nat, azs, storage, readers) in enumerate(itertools.product(
            ["per_az", "single", "regional", "none"], [2, 3], ["standard", "io_optimized"], [0, 1, 2])):
        raws.append({"nat_strategy": nat, "az_count": azs, "storage_type": storage, "reader_count": readers,
                     "environment_suffix": f"bench{i}", "container_image": ECR_IMAGE})
    return raws[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=int, default=24)
    parser.add_argument("--cli-sample", type=int, default=4)
    args = parser.parse_args()
    raws = grid(args.configs)
    scenarios = [validate_scenario(r) for r in raws]

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INFRAKIT_CACHE_DIR"] = tmp
        start = time.perf_counter()
        from infra_lib.cdk.synth import synth_many  # jsii start-up is part of the cost

        cold = synth_many(scenarios)
        in_process_s = time.perf_counter() - start
        assert not any(r.cached for r in cold)
        start = time.perf_counter()
        warm = synth_many(scenarios)
        cache_hit_s = time.perf_counter() - start
        assert all(r.cached for r in warm)

        env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        cli_times = []
        for i, raw in enumerate(raws[: args.cli_sample]):
            path = Path(tmp) / f"s{i}.yaml"
            path.write_text(yaml.safe_dump(raw))
            start = time.perf_counter()
            subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "-c", f"scenario={path}",
                            "-o", str(Path(tmp) / f"out{i}")], cwd=ROOT, env=env, check=True, capture_output=True)
            cli_times.append(time.perf_counter() - start)
    cli_each = sum(cli_times) / len(cli_times)
    cli_total = cli_each * len(scenarios)
    print(f"configurations: {len(scenarios)}")
    print(f"in-process synth_many (cold, incl. jsii start-up): {in_process_s:.2f} s "
          f"({in_process_s / len(scenarios):.3f} s each)")
    print(f"cache hit (all {len(scenarios)}): {cache_hit_s:.3f} s ({cache_hit_s / len(scenarios) * 1000:.1f} ms each)")
    print(f"cdk synth per configuration: {cli_each:.2f} s (mean of {len(cli_times)}) -> {cli_total:.1f} s for "
          f"{len(scenarios)}")
    print(f"speed-up, in-process vs CLI: {cli_total / in_process_s:.1f}x")


if __name__ == "__main__":
    main()
