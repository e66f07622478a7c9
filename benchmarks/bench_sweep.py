"""Benchmark: the vectorized sweep vs costing the same configurations one by one.

Run on purpose (`make bench`), not in the test suite. Both sides run in this one process,
side by side, so the ratio holds on a noisy shared machine even when absolute times drift.

- sweep: 100,000+ configurations priced through price_bill in one call (and the full sweep
  with validity, availability, Pareto frontier and recommendation).
- one by one: cost_scenario on a sample of the same configurations; the per-configuration
  time is scaled to the full grid for the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

from cost_model import cost_scenario, sweep_frame
from cost_model.pricing import price_bill
from cost_model.quantities import bill_from_scenarios
from cost_model.scenarios import frame_from_grid, scenario_from_row
from infrakit.core.schema import validate_grid, validate_scenario

GRID = {
    "start_date": "2026-12-01",
    "region": ["us-east-1", "eu-west-1"],
    "nat_strategy": ["per_az", "single", "regional", "none"],
    "az_count": [2, 3],
    "engine_version": ["13.23", "14.22", "15.10", "16.8", "17.7"],
    "storage_type": ["standard", "io_optimized"],
    "reader_count": [0, 1, 2],
    "service_arch": ["x86_64", "arm64"],
    "service_desired_count": [1, 2, 4, 8],
    "nat_data_gb_per_month": [0, 50, 200, 1000, 5000],
    "instance_class": ["db.r6g.large", "db.t4g.medium", "db.r7g.large"],
    "alb_new_connections_per_second": [1, 50],
}


def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=500, help="configurations costed one by one")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk-rows", type=int, default=20_000, help="chunk size of the streamed sweep")
    args = parser.parse_args()

    grid = validate_grid(GRID)
    frame = frame_from_grid(grid)
    n = len(frame)
    expand_s, _, _ = best_of(args.repeats, lambda: frame_from_grid(grid))
    price_s, price_median, priced = best_of(args.repeats, lambda: price_bill(bill_from_scenarios(frame)).monthly_usd)
    full_s, full_median, result = best_of(args.repeats, lambda: sweep_frame(frame, varied_keys=tuple(grid.axes)))

    step = max(1, n // args.sample)
    sample = frame.iloc[::step].head(args.sample)
    scenarios = [validate_scenario(scenario_from_row(sample, i)) for i in range(len(sample))]
    start = time.perf_counter()
    singles = [cost_scenario(s).priced.monthly_usd[0] for s in scenarios]
    one_by_one_s = time.perf_counter() - start
    per_config_single = one_by_one_s / len(scenarios)
    projected = per_config_single * n

    # Same answers both ways (NaN where a price is missing).
    import numpy as np
    np.testing.assert_allclose(np.array(singles), priced[::step][: len(singles)], equal_nan=True)

    print(f"configurations: {n:,} (grid of {len(grid.axes)} varied keys)")
    print(f"grid expansion:                 {expand_s:.3f} s (best of {args.repeats})")
    print(f"pricing (bill + price_bill):    {price_s:.3f} s best, {price_median:.3f} s median")
    print(f"full sweep (+validity, availability, Pareto, recommendation): {full_s:.3f} s best, {full_median:.3f} s median")
    print(f"one by one (cost_scenario):     {len(scenarios)} configs in {one_by_one_s:.3f} s = "
          f"{per_config_single * 1000:.2f} ms each -> {projected:,.0f} s projected for {n:,}")
    print(f"speed-up, pricing vs one by one:    {projected / price_s:,.0f}x")
    print(f"speed-up, full sweep vs one by one: {projected / full_s:,.0f}x")
    print(f"recommended: config {result.recommended}: {result.reason[:160]}")

    # The same grid streamed in chunks (cost_model.streaming, `infrakit sweep --summary`): the
    # same answer, memory bounded by the chunk instead of the grid.
    from cost_model.streaming import sweep_summary

    stream_s, stream_median, summary = best_of(args.repeats, lambda: sweep_summary(grid, chunk_rows=args.chunk_rows))
    same = (summary.recommended, summary.reason) == (result.recommended, result.reason)
    print(f"streamed summary ({summary.chunks} chunks of {args.chunk_rows:,}): {stream_s:.3f} s best, "
          f"{stream_median:.3f} s median; same recommendation and reason as the full sweep: {same}")


if __name__ == "__main__":
    main()
