"""The Arrow writers (infrakit.outputs): CSV byte for byte what pandas wrote before, JSON rows
that read back as the table, Parquet that round-trips, whatever the chunking."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cost_model import sweep
from infrakit import outputs
from infrakit.core.schema import load_grid, validate_grid
from tests.conftest import ROOT


def pandas_csv(table: pd.DataFrame) -> str:
    """What `infrakit sweep --csv` wrote with pandas (the format the Arrow writer keeps)."""
    frame = table.reset_index()
    if "reasons" in frame:
        frame["reasons"] = [" | ".join(r) for r in frame["reasons"]]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6f")
    return buffer.getvalue()


def arrow_csv(table: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    outputs.write_csv(table, buffer)
    return buffer.getvalue().decode("utf-8")


@pytest.fixture(scope="module")
def default_sweep():
    return sweep(load_grid(ROOT / "notebooks" / "grids" / "default.yaml"))


@pytest.fixture(scope="module")
def missing_price_sweep():
    # eu-central-1 lacks prices: NaN costs and reasons with commas, quotes and backticks.
    return sweep(validate_grid({"region": ["us-east-1", "eu-central-1"], "az_count": [2, 3],
                                "nat_strategy": ["single", "none"], "budget_usd_per_month": [400, None]}))


def test_csv_is_what_pandas_wrote(default_sweep, missing_price_sweep):
    for result in (default_sweep, missing_price_sweep):
        assert arrow_csv(result.table) == pandas_csv(result.table)
    text = arrow_csv(missing_price_sweep.table)
    assert '"price missing: ' in text and ",,," in text  # quoted where needed, NaN and None empty


def test_csv_of_awkward_values_matches_pandas():
    frame = pd.DataFrame({
        "text": pd.Categorical(['plain', 'a, comma', 'a "quote"', "two\nlines", None, "  spaced "]),
        "free": ["x", "y,z", None, "q\"", "", "ok"],
        "number": [0.0, -0.0, 0.0000005, 2.5e-06, 1e15, float("nan")],
        "many": np.linspace(-1e6, 1e6, 6),
        "count": [1, 2, 3, 4, 5, 6],
        "flag": [True, False, True, False, True, False],
        "reasons": [(), ("a",), ("a", "b, c"), (), ("x",), ()],
    }, index=pd.RangeIndex(10, 16, name="config_id"))
    assert arrow_csv(frame) == pandas_csv(frame)


def test_fixed_six_decimals_match_printf_on_ties_and_large_values():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        [0.0, -0.0, 5e-7, -5e-7, 1.5e-6, 2.5e-6, 0.1 + 0.2, 1e15, 2.0**60, -(2.0**60), np.inf, -np.inf, np.nan],
        rng.uniform(-1e7, 1e7, 50_000), np.round(rng.uniform(0, 1e5, 50_000), 7),
        (np.arange(20_000) + 0.5) / 1e6,  # exact-ish ties at the 7th decimal
    ])
    got = outputs._csv_floats(values).to_pylist()
    want = ["" if math.isnan(v) else "%.6f" % v for v in values]
    assert [i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b] == []


def test_json_rows_read_back_as_the_table(missing_price_sweep):
    table = missing_price_sweep.table
    rows = json.loads(b"[" + outputs.json_rows(table) + b"]")
    assert len(rows) == len(table)
    assert list(rows[0]) == ["config_id", *table.columns]
    for row, (config_id, expected) in zip(rows, table.iterrows(), strict=True):
        assert row["config_id"] == config_id
        assert row["reasons"] == list(expected["reasons"]) and row["valid"] is bool(expected["valid"])
        assert (row["monthly_usd"] is None) == bool(np.isnan(expected["monthly_usd"]))
        if row["monthly_usd"] is not None:
            assert row["monthly_usd"] == round(expected["monthly_usd"], 10)  # 10 decimals, as pandas wrote
            assert isinstance(row["monthly_usd"], float)
        assert row["budget_usd_per_month"] == (None if pd.isna(expected["budget_usd_per_month"])
                                               else float(expected["budget_usd_per_month"]))


def test_json_floats_are_what_pandas_wrote(default_sweep):
    table = default_sweep.table
    mine = json.loads(b"[" + outputs.json_rows(table) + b"]")
    listed = table.reset_index().assign(reasons=[list(r) for r in table["reasons"]])
    theirs = json.loads(listed.to_json(orient="records", double_precision=10))
    assert mine == theirs
    assert b'"monthly_usd":348.1831,' in outputs.json_rows(table.iloc[:1])


def test_json_rows_in_chunks_concatenate_to_one_array(default_sweep):
    table = default_sweep.table
    whole = io.BytesIO()
    outputs.write_json_rows(table, whole)
    parts = io.BytesIO()
    for start in range(0, len(table), 37):
        outputs.write_json_rows(table.iloc[start:start + 37], parts, first=start == 0)
    assert parts.getvalue() == whole.getvalue()
    assert len(json.loads(b"[" + whole.getvalue() + b"]")) == len(table)


def test_csv_does_not_depend_on_batches_or_fusing(default_sweep, monkeypatch):
    expected = arrow_csv(default_sweep.table)
    monkeypatch.setattr(outputs, "BATCH_ROWS", 5)
    monkeypatch.setattr(outputs, "COMBINE_LIMIT", 1)  # every column on its own
    buffer = io.BytesIO()
    for block in outputs._iter_rows(default_sweep.table.reset_index(), "csv", "", "\n", batch_rows=5):
        buffer.write(block)
    assert outputs.csv_header(["config_id", *default_sweep.table.columns]).decode() + buffer.getvalue().decode() \
        == expected


def test_parquet_round_trips_locally_and_through_fsspec(missing_price_sweep, tmp_path):
    table = missing_price_sweep.table
    import fsspec

    local = outputs.write_parquet(table, str(tmp_path / "local" / "part.parquet"))
    outputs.write_parquet(table, f"file://{tmp_path}/url/part.parquet")
    outputs.write_parquet(table, "memory://infrakit-test/part.parquet")  # any fsspec file system
    with fsspec.open("memory://infrakit-test/part.parquet", "rb") as handle:
        assert pq.read_table(handle).num_rows == len(table)
    for path in (local, str(tmp_path / "url" / "part.parquet")):
        back = pq.read_table(path).to_pandas()
        assert back["config_id"].tolist() == table.index.tolist()
        assert [list(r) for r in back["reasons"]] == [list(r) for r in table["reasons"]]
        assert back["region"].tolist() == table["region"].astype(str).tolist()
        np.testing.assert_array_equal(back["monthly_usd"].to_numpy(), table["monthly_usd"].to_numpy())
    assert not list((tmp_path / "local").glob(".*"))  # written atomically: no temporary file left
