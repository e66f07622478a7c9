"""The price catalog: one sourced, dated row per (region, usage type).

Two layers, newest first: the refreshed snapshots ``infrakit prices refresh`` writes into
``catalog_dir()/prices/<region>/<stamp>.json`` (rows taken from AWS's Price List, each with
its SKU, offer code and version, publication and effective dates), then the snapshot shipped
in the package, ``cost_model/data/prices.csv`` (the offline default). For each (region, usage
type) the newest layer that has a row wins, so a refreshed region overrides the shipped rows
and a partial refresh never removes a price it did not find.

Prices live in these files and nowhere else; a test forbids dollar literals in code. A
missing row is a missing price: pricing reports it and never substitutes $0 or a regional
multiplier. A shipped row whose figure comes from a published rule rather than a captured
price is marked ``basis: derived`` with the rule and its source.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from infrakit.core.errors import CatalogError
from infrakit.core.paths import PRICE_CATALOG_NAME, catalog_dir

COLUMNS = ("region", "service", "usage_type", "unit", "usd_per_unit", "tiers", "effective_date", "basis", "source",
           "description")
OPTIONAL = ("sku", "offer_code", "offer_version", "publication_date", "snapshot")
BASES = ("captured", "quoted", "derived")
PRICE_SNAPSHOT_FOLDER = "prices"


def parse_tiers(text: str) -> list[tuple[float, float]]:
    """``"0:0.09;10240:0.085"`` -> [(0.0, 0.09), (10240.0, 0.085)]: each tier's first unit and its price."""
    if not text:
        return []
    return [(float(begin), float(price)) for begin, price in (part.split(":") for part in text.split(";"))]


def format_tiers(tiers) -> str:
    return ";".join(f"{begin:g}:{price!r}" for begin, price in tiers)


def tiered_cost(quantity: np.ndarray, tiers: list[tuple[float, float]]) -> np.ndarray:
    """Cost of ``quantity`` units a month on a tiered price: each tier charges only what falls in it."""
    begins = np.array([b for b, _ in tiers])
    prices = np.array([p for _, p in tiers])
    ends = np.append(begins[1:], np.inf)
    inside = np.clip(quantity[:, None] - begins[None, :], 0.0, ends - begins)
    return (inside * prices).sum(axis=1)


@dataclass(frozen=True)
class PriceCatalog:
    """The catalog as a frame plus a (region, usage_type) -> row lookup."""

    frame: pd.DataFrame
    path: str
    snapshots: tuple[dict, ...] = field(default=())

    @functools.cached_property
    def _row_of(self) -> dict[tuple[str, str], int]:
        return {(r, u): i for i, (r, u) in enumerate(zip(self.frame["region"], self.frame["usage_type"], strict=True))}

    def row_index(self, regions, usage_types) -> np.ndarray:
        """Catalog row per (region, usage type) pair of the cross product, -1 where missing.

        Returns an int array shaped (len(regions), len(usage_types)): callers gather from it
        with region codes and usage-type indexes, so 100,000 rows cost one numpy take.
        """
        table = np.full((len(regions), len(usage_types)), -1, dtype=np.int64)
        row_of = self._row_of
        for i, region in enumerate(regions):
            for j, usage_type in enumerate(usage_types):
                table[i, j] = row_of.get((region, usage_type), -1)
        return table

    @functools.cached_property
    def prices(self) -> np.ndarray:
        # One trailing NaN so that index -1 (missing) gathers NaN, never 0.
        return np.append(self.frame["usd_per_unit"].to_numpy(dtype=float), np.nan)

    @functools.cached_property
    def tiers(self) -> dict[int, list[tuple[float, float]]]:
        """Row -> tiers, for the rows priced in tiers (all others have one price)."""
        return {i: parse_tiers(t) for i, t in enumerate(self.frame["tiers"]) if t}

    @functools.cached_property
    def tiered(self) -> np.ndarray:
        """Bool per row (plus a trailing False for index -1): the row is priced in tiers."""
        mask = np.zeros(len(self.frame) + 1, dtype=bool)
        mask[list(self.tiers)] = True
        return mask

    @functools.cached_property
    def derived(self) -> np.ndarray:
        return np.append((self.frame["basis"] == "derived").to_numpy(), False)

    def row(self, index: int) -> dict:
        return self.frame.iloc[index].to_dict()

    @property
    def date_range(self) -> tuple[str, str]:
        dates = self.frame["effective_date"]
        return dates.min(), dates.max()

    def regions(self) -> list[str]:
        return sorted(self.frame["region"].unique())

    def has_region(self, region: str) -> bool:
        return bool((self.frame["region"] == region).any())

    def not_found(self, region: str) -> dict[str, str]:
        """Items the newest refresh of ``region`` looked for and did not find, with why."""
        for snapshot in self.snapshots:
            if snapshot["region"] == region:
                return dict(snapshot.get("missing") or {})
        return {}


def tiers_problem(tiers: list[tuple[float, float]]) -> str | None:
    """Why ``tiers`` cannot price anything (begins finite, from 0, rising; prices finite and >= 0), or None."""
    if not tiers:
        return None
    begins = [b for b, _ in tiers]
    rising = all(b2 > b1 for b1, b2 in zip(begins, begins[1:], strict=False))
    if not all(math.isfinite(b) for b in begins) or begins[0] != 0 or not rising:
        return "must start at 0 and rise (finite begins)"
    bad = [p for _, p in tiers if not (math.isfinite(p) and p >= 0)]
    if bad:
        return f"has tier price(s) {', '.join(repr(p) for p in bad)}: each must be a finite number >= 0"
    return None


def price_problem(value) -> str | None:
    """Why ``value`` cannot be a row's usd_per_unit (it must be a finite number > 0), or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"usd_per_unit {value!r} is not a number"
    if not math.isfinite(number) or number <= 0:
        return f"usd_per_unit {value!r} is not a positive finite number"
    return None


def _validate(frame: pd.DataFrame, path: str) -> None:
    problems = []
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise CatalogError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
    for column in ("region", "service", "usage_type", "unit", "source", "effective_date", "basis"):
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        for i in np.flatnonzero(blank.to_numpy()):
            problems.append(f"row {i + 2}: {column} is empty")
    for i, value in enumerate(frame["usd_per_unit"]):
        if problem := price_problem(value):
            problems.append(f"row {i + 2}: {problem}")
    for i, value in enumerate(frame["effective_date"]):
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            problems.append(f"row {i + 2}: effective_date {value!r} is not YYYY-MM-DD")
    for i, value in enumerate(frame["basis"]):
        if value not in BASES:
            problems.append(f"row {i + 2}: basis {value!r} is not one of {BASES}")
        elif value == "derived" and "derived" not in str(frame["source"].iloc[i]).lower():
            problems.append(f"row {i + 2}: a derived row's source must say 'derived' and give the rule")
    for i, value in enumerate(frame["tiers"]):
        try:
            tiers = parse_tiers(value)
        except ValueError:
            problems.append(f"row {i + 2}: tiers {value!r} is not BEGIN:PRICE;BEGIN:PRICE")
            continue
        if problem := tiers_problem(tiers):
            problems.append(f"row {i + 2}: tiers {value!r} {problem}")
    duplicated = frame.duplicated(["region", "usage_type"], keep=False)
    for i in np.flatnonzero(duplicated.to_numpy()):
        problems.append(f"row {i + 2}: ({frame['region'].iloc[i]}, {frame['usage_type'].iloc[i]}) appears twice")
    if problems:
        raise CatalogError(f"price catalog {path} is malformed:\n  " + "\n  ".join(problems))


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    _validate(frame, str(path))
    frame["usd_per_unit"] = frame["usd_per_unit"].astype(float)
    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    return frame


@functools.cache
def _shipped_frame() -> pd.DataFrame:
    with resources.as_file(resources.files("cost_model.data").joinpath("prices.csv")) as path:
        return _read_csv(path)


def price_source(row: dict, refreshed_at: str) -> str:
    """How a refreshed row names its origin: the offer code and version, the SKU, when and where."""
    return (f"AWS Price List {row['offer_code']} offer version {row['offer_version']} (published "
            f"{row['publication_date'] or 'n/a'}), SKU {row['sku']}, usage type {row.get('price_list_usagetype') or '?'};"
            f" refreshed {refreshed_at} from {row.get('url') or row.get('file') or 'a local file'}")


SNAPSHOT_ROW_KEYS = ("usage_type", "unit", "usd_per_unit", "sku", "offer_code", "offer_version", "effective_date")


def _snapshot_row_problems(number: int, row) -> list[str]:
    """Why row ``number`` (1-based, in the snapshot's ``rows``) cannot price anything; checked as
    strictly as a prices.csv row: a price is a finite number > 0, tiers finite, >= 0 and rising."""
    if not isinstance(row, dict):
        return [f"row {number}: {row!r} is not a mapping"]
    where = f"row {number} (SKU {row.get('sku') or '?'}, usage type {row.get('usage_type') or '?'})"
    problems = [f"{where}: {key} is missing" for key in SNAPSHOT_ROW_KEYS if key not in row]
    for key in ("usage_type", "unit", "sku", "offer_code"):
        if key in row and not str(row[key] or "").strip():
            problems.append(f"{where}: {key} is empty")
    if "usd_per_unit" in row and (problem := price_problem(row["usd_per_unit"])):
        problems.append(f"{where}: {problem}")
    raw = row.get("tiers") or []
    try:
        tiers = [(float(begin), float(price)) for begin, price in raw]
    except (TypeError, ValueError):
        problems.append(f"{where}: tiers {raw!r} is not a list of [begin, price] pairs")
    else:
        if problem := tiers_problem(tiers):
            problems.append(f"{where}: tiers {raw!r} {problem}")
    date = row.get("effective_date")
    if date:
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            problems.append(f"{where}: effective_date {date!r} is not YYYY-MM-DD")
    return problems


def _snapshot_frame(path: Path) -> tuple[pd.DataFrame, dict]:
    advice = "run `infrakit prices refresh` again or delete that file to use the shipped prices"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        region, refreshed = data["region"], data["refreshed_at"]
        if not isinstance(data["rows"], list):
            raise TypeError(f"'rows' is {type(data['rows']).__name__}, not a list")
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"price snapshot {path} is malformed ({exc!r}); {advice}") from exc
    problems = [p for number, r in enumerate(data["rows"], start=1) for p in _snapshot_row_problems(number, r)]
    first_row: dict[str, int] = {}  # one row per usage type, as in prices.csv: a second would be dropped unseen
    for number, r in enumerate(data["rows"], start=1):
        if isinstance(r, dict) and r.get("usage_type"):
            if (first := first_row.setdefault(str(r["usage_type"]), number)) != number:
                problems.append(f"row {number} (SKU {r.get('sku') or '?'}): usage type {r['usage_type']} appears "
                                f"twice (first in row {first})")
    if problems:
        shown_problems = problems[:10] + ([f"and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise CatalogError(f"price snapshot {path} is malformed ({advice}):\n  " + "\n  ".join(shown_problems))
    rows = [{"region": region, "service": r["offer_code"], "usage_type": r["usage_type"], "unit": r["unit"],
             "usd_per_unit": float(r["usd_per_unit"]), "tiers": format_tiers(r.get("tiers") or []),
             "effective_date": r["effective_date"] or refreshed[:10], "basis": "captured",
             "source": price_source(r, refreshed), "description": r.get("description", ""), "sku": r["sku"],
             "offer_code": r["offer_code"], "offer_version": r["offer_version"],
             "publication_date": r.get("publication_date", ""), "snapshot": str(path)} for r in data["rows"]]
    meta = {"region": region, "path": str(path), "refreshed_at": refreshed, "status": data.get("status", ""),
            "offers": data.get("offers", {}), "missing": data.get("missing", {})}
    return pd.DataFrame(rows, columns=[*COLUMNS, *OPTIONAL]), meta


def snapshot_files(root: Path | None = None) -> list[Path]:
    """Refreshed price snapshots, newest first within each region."""
    folder = (root or catalog_dir()) / PRICE_SNAPSHOT_FOLDER
    try:
        regions = sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []
    out = []
    for region in regions:
        out.extend(sorted((p for p in region.iterdir() if p.suffix == ".json" and not p.name.startswith(".")),
                          key=snapshot_order, reverse=True))
    return out


def snapshot_order(path: Path) -> tuple[str, int, str]:
    """Sort key, oldest first: the UTC stamp, then the same-second counter ``refresh`` appends
    (``<stamp>.json`` is the first, ``<stamp>-2.json`` the second, ``-10`` after ``-9``)."""
    stamp, dash, counter = path.stem.rpartition("-")
    if dash and counter.isdigit():
        return stamp, int(counter), path.name
    return path.stem, 1, path.name


@functools.lru_cache(maxsize=16)
def _merged(files: tuple[tuple[str, int], ...]) -> PriceCatalog:
    shipped = _shipped_frame().assign(snapshot="")
    if not files:
        return PriceCatalog(frame=shipped, path=PRICE_CATALOG_NAME)
    layers, metas = [], []
    for name, _ in files:
        frame, meta = _snapshot_frame(Path(name))
        layers.append(frame)
        metas.append(meta)
    newest_first = {}
    for meta in metas:  # files come newest first per region: keep the first per region
        newest_first.setdefault(meta["region"], meta)
    merged = pd.concat([*layers, shipped], ignore_index=True)
    merged = merged.drop_duplicates(["region", "usage_type"], keep="first").reset_index(drop=True)
    used = sorted({s for s in merged["snapshot"] if s})
    path = f"{PRICE_CATALOG_NAME} + refreshed {', '.join(used)}" if used else PRICE_CATALOG_NAME
    return PriceCatalog(frame=merged, path=path, snapshots=tuple(newest_first.values()))


def load_price_catalog(path: str | Path | None = None) -> PriceCatalog:
    """The catalog in use: refreshed snapshots over the shipped one (or only the CSV at ``path``)."""
    if path is not None:
        frame = _read_csv(Path(path)).assign(snapshot="")
        return PriceCatalog(frame=frame, path=str(path))
    files = []
    for file in snapshot_files():
        try:
            files.append((str(file), file.stat().st_mtime_ns))
        except OSError:
            continue
    return _merged(tuple(files))


def shipped_catalog() -> PriceCatalog:
    """Only the snapshot shipped in the package."""
    return _merged(())
