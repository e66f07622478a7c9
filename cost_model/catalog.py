"""The price catalog: one sourced, dated row per (region, usage type).

Prices live in ``cost_model/data/prices.csv`` and nowhere else; a test forbids dollar
literals in code. A missing row is a missing price: pricing reports it and never
substitutes $0 or a regional multiplier.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from infrakit.core.errors import CatalogError

COLUMNS = ("region", "service", "usage_type", "unit", "usd_per_unit", "effective_date", "source", "description")


@dataclass(frozen=True)
class PriceCatalog:
    """The catalog as a frame plus a (region, usage_type) -> row lookup."""

    frame: pd.DataFrame
    path: str

    @functools.cached_property
    def _row_of(self) -> dict[tuple[str, str], int]:
        return {(r, u): i for i, (r, u) in enumerate(zip(self.frame["region"], self.frame["usage_type"], strict=True))}

    def row_index(self, regions, usage_types) -> np.ndarray:
        """Catalog row per (region, usage type) pair of the cross product, -1 where missing.

        Returns an int array shaped (len(regions), len(usage_types)): callers gather from it
        with region codes and usage-type indexes, so 100,000 rows cost one numpy take.
        """
        table = np.full((len(regions), len(usage_types)), -1, dtype=np.int64)
        for i, region in enumerate(regions):
            for j, usage_type in enumerate(usage_types):
                table[i, j] = self._row_of.get((region, usage_type), -1)
        return table

    @functools.cached_property
    def prices(self) -> np.ndarray:
        # One trailing NaN so that index -1 (missing) gathers NaN, never 0.
        return np.append(self.frame["usd_per_unit"].to_numpy(dtype=float), np.nan)

    def row(self, index: int) -> dict:
        return self.frame.iloc[index].to_dict()

    @property
    def date_range(self) -> tuple[str, str]:
        dates = self.frame["effective_date"]
        return dates.min(), dates.max()

    def regions(self) -> list[str]:
        return sorted(self.frame["region"].unique())


def _validate(frame: pd.DataFrame, path: str) -> None:
    problems = []
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise CatalogError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
    for column in ("region", "service", "usage_type", "unit", "source", "effective_date"):
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        for i in np.flatnonzero(blank.to_numpy()):
            problems.append(f"row {i + 2}: {column} is empty")
    prices = pd.to_numeric(frame["usd_per_unit"], errors="coerce")
    for i in np.flatnonzero(~(prices > 0).to_numpy()):
        problems.append(f"row {i + 2}: usd_per_unit {frame['usd_per_unit'].iloc[i]!r} is not a positive number")
    for i, value in enumerate(frame["effective_date"]):
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            problems.append(f"row {i + 2}: effective_date {value!r} is not YYYY-MM-DD")
    duplicated = frame.duplicated(["region", "usage_type"], keep=False)
    for i in np.flatnonzero(duplicated.to_numpy()):
        problems.append(f"row {i + 2}: ({frame['region'].iloc[i]}, {frame['usage_type'].iloc[i]}) appears twice")
    if problems:
        raise CatalogError(f"price catalog {path} is malformed:\n  " + "\n  ".join(problems))


def load_price_catalog(path: str | Path | None = None) -> PriceCatalog:
    """Load and check the price catalog (the packaged snapshot unless ``path`` is given)."""
    if path is None:
        return _packaged_catalog()
    return _read(Path(path))


def _read(path: Path) -> PriceCatalog:
    frame = pd.read_csv(path, dtype={"effective_date": str, "usage_type": str, "region": str}, keep_default_na=False)
    _validate(frame, str(path))
    frame["usd_per_unit"] = frame["usd_per_unit"].astype(float)
    return PriceCatalog(frame=frame.reset_index(drop=True), path=str(path))


@functools.cache
def _packaged_catalog() -> PriceCatalog:
    with resources.as_file(resources.files("cost_model.data").joinpath("prices.csv")) as path:
        return _read(path)
