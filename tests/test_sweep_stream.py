"""Streamed sweeps (cost_model.streaming, infrakit.sweep_stream, `infrakit sweep --summary`):
chunks of a grid give exactly the in-memory sweep's answer, rows come out the same in one
pass or two, and memory no longer grows with the grid."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from cost_model import sweep
from cost_model.scenarios import frame_from_grid, grid_chunks
from cost_model.streaming import ChunkSummary, finish, merge, summarize_chunk, sweep_summary
from cost_model.sweep import candidate_order
from infrakit.cli import main
from infrakit.core.files import plain
from infrakit.core.schema import load_grid, validate_grid
from infrakit.sweep_stream import MANIFEST, write_rows
from tests.conftest import ROOT

DEFAULT_GRID = ROOT / "notebooks" / "grids" / "default.yaml"
GRIDS = {
    "default": lambda: load_grid(DEFAULT_GRID),
    "over budget": lambda: validate_grid({"nat_strategy": ["per_az", "single"], "az_count": [2, 3],
                                          "engine_version": ["15.3", "17.7"], "budget_usd_per_month": 10}),
    "egress must survive": lambda: validate_grid({"nat_strategy": ["per_az", "single", "none"], "az_count": [2, 3],
                                                  "engine_version": ["15.3", "17.7"],
                                                  "egress_must_survive_az_loss": True}),
    "missing prices": lambda: validate_grid({"az_count": [2, 3], "region": ["us-east-1", "eu-central-1"],
                                             "reader_count": [0, 1, 2], "storage_type": ["standard", "io_optimized"]}),
    "budget mixed": lambda: validate_grid({"region": ["us-east-1", "eu-west-1"], "nat_strategy": ["single", "per_az"],
                                           "budget_usd_per_month": [None, 420, 500], "reader_count": [0, 1],
                                           "engine_version": ["13.23", "16.8", "17.7"]}),
}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_range_of_the_grid_is_those_rows_of_the_whole():
    grid = load_grid(DEFAULT_GRID)
    whole = frame_from_grid(grid)
    for start, stop in [(0, 1), (5, 17), (100, 128), (127, 400), (40, 40)]:
        part = frame_from_grid(grid, start, stop)
        pd.testing.assert_frame_equal(part, whole.iloc[start:min(stop, len(whole))])
    assert grid_chunks(grid, 50) == [(0, 50), (50, 100), (100, 128)]
    pd.testing.assert_frame_equal(pd.concat([frame_from_grid(grid, a, b) for a, b in grid_chunks(grid, 7)]), whole)


@pytest.mark.parametrize("name, chunk_rows", [(name, rows) for name in GRIDS for rows in (7, 1000)]
                         + [("over budget", 1), ("egress must survive", 1)])
def test_streamed_summary_is_the_in_memory_sweep(name, chunk_rows):
    grid = GRIDS[name]()
    result = sweep(grid)
    table = result.table
    summary = sweep_summary(grid, chunk_rows=chunk_rows, top_k=7)
    assert summary.chunks == len(grid_chunks(grid, chunk_rows))
    assert (summary.recommended, summary.reason) == (result.recommended, result.reason)
    assert sorted(summary.pareto_ids) == table.index[table["pareto"]].tolist()
    assert summary.configurations == len(table) and summary.valid == int(table["valid"].sum())
    assert summary.meets_constraints == int(table["meets_constraints"].sum())
    counts = table.loc[~table["valid"], "reasons"].explode().value_counts()
    assert dict(summary.invalid_by_reason) == {k: int(v) for k, v in counts.items()}
    # Top k: the table's candidates in the recommendation's order, as --json rows.
    meets = table[table["meets_constraints"]]
    from cost_model.sweep import standard_support_end

    order = candidate_order(meets["monthly_usd"].to_numpy(), meets["egress_outage_hours_per_year"].to_numpy(),
                            meets["horizon_usd"].to_numpy(), standard_support_end(meets["engine_version"]))
    assert [r["config_id"] for r in summary.top] == meets.index[order[:7]].tolist()
    if summary.recommended is not None:
        row = summary.recommended_row
        expected = table.loc[summary.recommended]
        assert row["recommended"] and row["monthly_usd"] == expected["monthly_usd"]
        assert row["reasons"] == [] and row["pareto"] == bool(expected["pareto"])
        assert {k: row[k] for k in grid.axes} == plain({k: expected[k] for k in grid.axes})
    else:
        assert summary.top == [] and summary.recommended_row is None


def test_chunks_merge_in_any_order_to_the_same_answer():
    grid = GRIDS["missing prices"]()
    parts = [summarize_chunk(grid, a, b, top_k=3) for a, b in grid_chunks(grid, 4)]
    answers = set()
    for seed in range(5):
        random.Random(seed).shuffle(parts)
        total = ChunkSummary(top_k=3)
        for part in parts:
            total = merge(total, part) if seed % 2 else merge(part, total)
        answers.add(json.dumps(finish(total, tuple(grid.axes)).to_json(), sort_keys=True))
    assert len(answers) == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_rows_in_two_passes_are_the_one_pass_rows_byte_for_byte(fmt):
    grid = GRIDS["budget mixed"]()
    one, two = io.BytesIO(), io.BytesIO()
    write_rows(grid, one, fmt=fmt, grid_path="g.yaml")
    write_rows(grid, two, fmt=fmt, grid_path="g.yaml", chunk_rows=5, in_memory_rows=0)
    assert one.getvalue() == two.getvalue()
    if fmt == "json":
        payload = json.loads(one.getvalue())
        assert payload["configurations"] == len(payload["rows"]) == grid.size
        assert [r["config_id"] for r in payload["rows"] if r["recommended"]] == [payload["recommended"]]


def test_cli_summary_json(capsys, tmp_path):
    code, out, err = run(capsys, "sweep", str(DEFAULT_GRID), "--summary", "--json", "--top", "3", "--chunk-rows", "30")
    assert code == 0, err
    payload = json.loads(out)
    result = sweep(load_grid(DEFAULT_GRID))
    assert payload["recommended"] == result.recommended and payload["reason"] == result.reason
    assert payload["configurations"] == 128 and payload["run"]["chunks"] == 5 and len(payload["top"]) == 3
    assert {"valid", "invalid", "meets_constraints", "invalid_by_reason", "pareto", "recommended_row",
            "varied_keys", "over_budget", "egress_lost_on_az_loss"} <= set(payload)
    assert all({"reason", "configurations"} == set(r) for r in payload["invalid_by_reason"])
    code, out, _ = run(capsys, "sweep", str(DEFAULT_GRID), "--summary")
    assert code == 0 and "128 configurations in 1 chunk(s)" in out and "Pareto frontier" in out
    assert result.reason in out


@pytest.mark.parametrize("argv, fragment", [
    (["--summary", "--csv"], "--csv writes every row"),
    (["--jobs", "2"], "--scheduler and --jobs run --summary"),
    (["--summary", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "Give one or the other"),
    (["--summary", "--scheduler", "127.0.0.1"], "is not HOST:PORT"),
    (["--summary", "--scheduler", "http://127.0.0.1:8786"], "has the scheme 'http'"),
])
def test_cli_refuses_options_that_do_not_go_together(capsys, argv, fragment):
    code, out, err = run(capsys, "sweep", str(DEFAULT_GRID), *argv)
    assert code == 2 and fragment in err and out == "" and "Traceback" not in err


def test_summary_takes_grids_the_in_memory_sweep_refuses(capsys, tmp_path):
    ten_million = write(tmp_path / "big.yaml", "az_count: [2, 3]\nreader_count: [0, 1, 2, 3, 4]\n"
                        "nat_data_gb_per_month: [" + ", ".join(str(i) for i in range(1000)) + "]\n"
                        "cross_az_gb_per_month: [" + ", ".join(str(i) for i in range(1000)) + "]\n")
    code, _, err = run(capsys, "sweep", ten_million, "--csv")
    assert code == 2 and "10,000,000 configurations, more than 5,000,000" in err
    from infrakit.core.schema import read_yaml_mapping
    from infrakit.sweep_stream import STREAM_MAX_GRID_SIZE

    assert validate_grid(read_yaml_mapping(ten_million), max_size=STREAM_MAX_GRID_SIZE).size == 10_000_000
    too_big = write(tmp_path / "huge.yaml", "az_count: [2, 3]\n" + "".join(
        f"{key}: [{', '.join(str(i) for i in range(100))}]\n"
        for key in ("nat_data_gb_per_month", "cross_az_gb_per_month", "aurora_storage_gb", "log_ingest_gb_per_month")))
    code, _, err = run(capsys, "sweep", too_big, "--summary")
    assert code == 2 and "200,000,000 configurations, more than 100,000,000" in err


def test_parquet_dataset_holds_every_row_and_replaces_only_its_own(capsys, tmp_path):
    grid_path = write(tmp_path / "g.yaml", "nat_strategy: [per_az, single, regional, none]\naz_count: [2, 3]\n"
                                           "region: [us-east-1, eu-central-1]\n")
    folder = tmp_path / "dataset"
    code, out, err = run(capsys, "sweep", grid_path, "--parquet", str(folder), "--chunk-rows", "5", "--json")
    assert code == 0, err
    summary = json.loads(out)
    table = ds.dataset(folder, format="parquet").to_table().to_pandas().sort_values("config_id")
    expected = sweep(load_grid(grid_path)).table
    assert table["config_id"].tolist() == expected.index.tolist() and len(table) == 16
    assert "pareto" not in table and "recommended" not in table  # grid-wide: in the summary
    np.testing.assert_array_equal(table["monthly_usd"].to_numpy(), expected["monthly_usd"].to_numpy())
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["status"] == "complete" and len(manifest["parts"]) == 4 == summary["run"]["chunks"]
    assert manifest["summary"]["recommended"] == expected.index[expected["recommended"]][0]
    assert not (folder / ".infrakit.lock").exists()
    # Again into the same folder with other chunks: the earlier parts go, the new ones come.
    code, _, err = run(capsys, "sweep", grid_path, "--parquet", str(folder), "--chunk-rows", "8")
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, "part-00000.parquet", "part-00001.parquet"]
    # A folder with someone else's file is refused, and the file stays.
    (folder / "notes.txt").write_text("mine")
    code, out, err = run(capsys, "sweep", grid_path, "--parquet", str(folder))
    assert code == 2 and "notes.txt" in err and "infrakit did not write" in err
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "part-00001.parquet").exists()


@pytest.mark.slow
def test_json_of_a_large_grid_is_bounded_in_memory(tmp_path):
    """`sweep --json` streams its rows a chunk at a time: 300,000 configurations (which took
    2.1 GB when the output was built in memory) stay well under that."""
    grid_path = write(tmp_path / "g.yaml", "nat_strategy: [per_az, single, regional, none]\naz_count: [2, 3]\n"
                      "reader_count: [0, 1, 2]\nstorage_type: [standard, io_optimized]\n"
                      "nat_data_gb_per_month: [" + ", ".join(str(i) for i in range(6250)) + "]\n")
    # The peak RSS of this process's own memory (VmHWM): ru_maxrss would carry over the forking
    # parent's peak (Linux keeps it across exec), which in a long test session is the session's.
    code = ("import sys\nfrom infrakit.cli import main\n"
            "code = main(['sweep', sys.argv[1], '--json'])\nsys.stdout.flush()\n"
            "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
            "sys.stderr.write('PEAK %s' % hwm)\nsys.exit(code)")
    with open(tmp_path / "out.json", "wb") as sink:
        done = subprocess.run([sys.executable, "-c", code, grid_path], stdout=sink, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stderr.rsplit("PEAK ", 1)[1]) / 1024
    assert peak_mb < 800, f"peak RSS {peak_mb:.0f} MB"
    with open(tmp_path / "out.json", "rb") as handle:
        head = handle.read(400)
        handle.seek(-3, 2)
        tail = handle.read()
    assert head.startswith(b'{"grid": ') and b'"configurations": 300000' in head and tail == b"}]}"[:0] + b"]}\n"


def test_a_parquet_url_nothing_here_can_open_is_bad_input(capsys):
    code, out, err = run(capsys, "sweep", str(DEFAULT_GRID), "--parquet", "nope://bucket/rows")
    assert code == 2 and "--parquet: cannot open 'nope://bucket/rows'" in err and "Traceback" not in err
