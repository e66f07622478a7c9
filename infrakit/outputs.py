"""Tables out at Arrow speed: CSV, JSON rows and Parquet for sweep tables (and any frame).

pandas' ``to_csv`` formats every cell in Python (192,000 sweep rows took 10 s). Here each
column is reduced to its distinct values (a grid has few per column), those are formatted
once, neighbouring columns with few combinations are fused into one segment, and the rows
are assembled by Arrow's ``take`` and ``binary_join_element_wise``: a few vectorised
operations per chunk, whatever the number of columns. Columns with many distinct numbers
(the costs) are formatted by vectorised arithmetic instead.

Formats (the same whichever path a column takes, so output never depends on chunking):

- CSV (``csv_rows``): pandas' old output byte for byte: floats ``%.6f``, empty for NaN and
  None, ``True``/``False``, tuples joined by `` | ``, quoted only where needed (RFC 4180).
- JSON (``json_rows``): one object per row; floats to at most 10 decimals as before, NaN
  and infinities as ``null`` (JSON has neither), tuples as arrays.
- Parquet (``parquet_table``/``write_parquet``): Arrow types, tuples as lists of strings,
  to a local path or any fsspec URL.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LS = pa.large_string()
COMBINE_LIMIT = 4096  # fuse neighbouring columns while their combinations stay this few
BATCH_ROWS = 16_384
_CSV_SPECIAL = (",", '"', "\r", "\n")


# --- one cell, in Python (distinct values only) ----------------------------------------

def _csv_text(text: str) -> str:
    if any(ch in text for ch in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _fixed6(value: float) -> str:
    return "" if math.isnan(value) else "%.6f" % value


def _python_cell(value: Any, dialect: str) -> str:
    """One value (a category, a distinct object) as CSV or JSON text: as pandas writes an
    object value in CSV (``str``), as JSON's own type otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "" if dialect == "csv" else "null"
    if isinstance(value, (bool, np.bool_)):
        return ("True" if value else "False") if dialect == "csv" else ("true" if value else "false")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if dialect == "csv":
            return str(float(value))
        return _json_floats(np.array([value], dtype=float))[0].as_py()
    if isinstance(value, (tuple, list)):
        return _csv_text(" | ".join(map(str, value))) if dialect == "csv" else json.dumps([str(v) for v in value])
    return _csv_text(str(value)) if dialect == "csv" else json.dumps(str(value))


# --- whole columns, vectorised -----------------------------------------------------------

def _csv_floats(values: np.ndarray) -> pa.Array:
    """``"%.6f" % v`` for every value (empty for NaN), by integer arithmetic: the value in
    millionths as digits with a point put in. Exact wherever the scaled value is not within a
    hair of a rounding tie or too large for int64 digits; those few go through Python."""
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    finite = np.isfinite(values)
    scaled = np.abs(np.where(finite, values, 0.0)) * 1e6
    fraction = scaled - np.floor(scaled)
    # fl(v * 1e6) is within half an ulp of the exact product: decide by Python where that could
    # cross a rounding tie, or where the scaled value is too large for int64 digits.
    python = (~finite & ~nan) | (scaled >= 2.0**48) | (np.abs(fraction - 0.5) < np.maximum(1e-3, scaled * 2.0**-50))
    micro = np.rint(np.where(python, 0.0, scaled)).astype(np.int64)
    text = pc.utf8_lpad(pa.array(micro).cast(LS), 7, "0")
    text = pc.utf8_replace_slice(text, -6, -6, ".")  # 1234567 -> 1.234567
    negative = np.signbit(values) & ~nan
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise(pa.scalar("-", LS), text, pa.scalar("", LS)),
                          text)
    if nan.any():
        text = pc.if_else(pa.array(nan), pa.scalar("", LS), text)
    fix = np.flatnonzero(python)
    if len(fix):
        texts = text.to_numpy(zero_copy_only=False).astype(object)
        texts[fix] = [_fixed6(float(v)) for v in values[fix]]
        text = pa.array(texts, LS)
    return text


def _json_floats(values: np.ndarray) -> pa.Array:
    """At most 10 decimals (as pandas' ``to_json(double_precision=10)`` wrote them: 348.1831,
    not 348.18309999999997), in the shortest digits that read back as that value, always with
    a point or exponent; NaN and infinities as null."""
    values = np.asarray(values, dtype=float)
    small = np.abs(values) < 1e5  # where 10 decimals fit in a double's 53 bits
    rounded = np.where(small, np.round(np.where(small, values, 0.0), 10), values)
    text = pa.array(rounded).cast(LS)
    plain_integer = pc.invert(pc.match_substring_regex(text, r"[.eEn]"))
    text = pc.if_else(plain_integer, pc.binary_join_element_wise(text, pa.scalar(".0", LS), pa.scalar("", LS)), text)
    return pc.if_else(pa.array(np.isfinite(values)), text, pa.scalar("null", LS))


def _float_texts(values: np.ndarray, dialect: str) -> pa.Array:
    return _csv_floats(values) if dialect == "csv" else _json_floats(values)


def _int_texts(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(LS)


def _constant(values: np.ndarray) -> bool:
    """Every value the same (NaN included): a grid's fixed keys, found without hashing."""
    if len(values) == 0:
        return False
    if values.dtype.kind == "f" and np.isnan(values[0]):
        return bool(np.isnan(values).all())
    return bool((values == values[0]).all())


class _Column:
    """One column as (codes into texts), or as a full array of texts when values are many."""

    def __init__(self, codes: np.ndarray | None, texts: pa.Array):
        self.codes = codes
        self.texts = texts

    @property
    def size(self) -> int:
        return len(self.texts) if self.codes is not None else -1

    def full(self) -> pa.Array:
        return self.texts if self.codes is None else self.texts.take(pa.array(self.codes, pa.int32()))


def _column(series: pd.Series, dialect: str) -> _Column:
    n = len(series)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.asarray(series.array.codes, dtype=np.int64)
        texts = [_python_cell(v, dialect) for v in series.cat.categories.tolist()]
        if (codes < 0).any() or not texts:  # None (missing) as its own text
            codes = np.where(codes < 0, len(texts), codes)
            texts.append(_python_cell(None, dialect))
        return _Column(codes, pa.array(texts, LS))
    if dtype == bool:
        return _Column(series.to_numpy().astype(np.int8), pa.array(
            ["False", "True"] if dialect == "csv" else ["false", "true"], LS))
    if dtype.kind in "iuf":
        values = series.to_numpy()
        # Floats by their bits, so that -0.0 keeps its sign (and every NaN is one of a few).
        keys = values.view(np.int64) if dtype.kind == "f" and values.dtype.itemsize == 8 else values
        if _constant(keys):
            uniques, codes = values[:1], np.zeros(n, dtype=np.int64)
        else:
            codes, unique_keys = pd.factorize(keys, use_na_sentinel=False)
            uniques = unique_keys.view(values.dtype) if keys is not values else unique_keys
        if len(uniques) > max(64, n // 8):  # many distinct numbers: format them all at once
            return _Column(None, _float_texts(values, dialect) if dtype.kind == "f" else _int_texts(values))
        texts = _float_texts(uniques, dialect) if dtype.kind == "f" else _int_texts(uniques)
        return _Column(codes, texts)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return _Column(codes, pa.array([_python_cell(v, dialect) for v in uniques], LS))


def _fuse(group: list[_Column]) -> tuple[pa.Array, np.ndarray]:
    """Neighbouring coded columns as one: the text of every combination (joined once) and the
    combination of each row."""
    sizes = [c.size for c in group]
    combined = np.zeros(len(group[0].codes), dtype=np.int64)
    for column, size in zip(group, sizes, strict=True):
        combined = combined * size + column.codes
    every = np.arange(math.prod(sizes), dtype=np.int64)
    parts, stride = [], math.prod(sizes)
    for column, size in zip(group, sizes, strict=True):
        stride //= size
        parts.append(column.texts.take(pa.array((every // stride) % size)))
    return pc.binary_join_element_wise(*parts, pa.scalar(",", LS)), combined


def _segments(columns: list[_Column]) -> list[_Column]:
    """The columns as few: neighbours with few combinations fused, the rest as they are."""
    out: list[_Column] = []
    group: list[_Column] = []
    product = 1
    for column in columns + [None]:
        if column is not None and column.codes is not None and product * column.size <= COMBINE_LIMIT:
            group.append(column)
            product *= column.size
            continue
        if len(group) == 1:
            out.append(group[0])
        elif group:
            out.append(_Column(*reversed(_fuse(group))))
        group, product = [], 1
        if column is None:
            break
        if column.codes is None:
            out.append(column)
        else:
            group, product = [column], column.size
    return out


def _with_affixes(segments: list[_Column], prefix: str, suffix: str) -> None:
    """Put the row's prefix and suffix into the first and last segments' texts (the few
    distinct texts where the segment is coded)."""
    for column, before, after in ((segments[0], prefix, ""), (segments[-1], "", suffix)):
        if before or after:
            column.texts = pc.binary_join_element_wise(pa.scalar(before, LS), column.texts, pa.scalar(after, LS),
                                                       pa.scalar("", LS))


def _iter_rows(frame: pd.DataFrame, dialect: str, prefix: str, suffix: str, batch_rows: int = BATCH_ROWS):
    """The rows' text in batches of ``batch_rows`` (buffers the allocator reuses, hot in cache),
    as memoryviews of Arrow's data buffers."""
    if len(frame) == 0:
        return
    columns = []
    for name in frame.columns:
        column = _column(frame[name], dialect)
        if dialect == "json":
            column.texts = pc.binary_join_element_wise(pa.scalar(json.dumps(str(name)) + ":", LS), column.texts,
                                                       pa.scalar("", LS))
        columns.append(column)
    segments = _segments(columns)
    _with_affixes(segments, prefix, suffix)
    separator = pa.scalar(",", LS)
    for start in range(0, len(frame), batch_rows):
        stop = min(start + batch_rows, len(frame))
        parts = [s.texts.slice(start, stop - start) if s.codes is None
                 else s.texts.take(pa.array(s.codes[start:stop], pa.int32())) for s in segments]
        rows = pc.binary_join_element_wise(*parts, separator) if len(parts) > 1 else parts[0]
        _, offsets, data = rows.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
        yield memoryview(data)[int(ends[0]):int(ends[-1])]


def _with_config_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.reset_index() if table.index.name is not None else table


def csv_header(columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(list(columns))
    return buffer.getvalue().encode("utf-8")


def csv_rows(table: pd.DataFrame) -> bytes:
    """The rows of ``table`` (its named index first, as pandas writes it) as CSV, no header."""
    return b"".join(_iter_rows(_with_config_id(table), "csv", "", "\n"))


def json_rows(table: pd.DataFrame, *, first: bool = True) -> bytes:
    """The rows as JSON objects separated by commas (``[`` and ``]`` are the caller's); with
    ``first=False`` the text starts with a comma, to follow an earlier chunk."""
    text = b"".join(_iter_rows(_with_config_id(table), "json", ",{", "}"))
    return text[1:] if first else text


def write_csv(table: pd.DataFrame, stream, *, header: bool = True) -> int:
    """``table`` as CSV to a binary stream; returns the rows written."""
    frame = _with_config_id(table)
    if header:
        stream.write(csv_header(frame.columns))
    for block in _iter_rows(frame, "csv", "", "\n"):
        stream.write(block)
    return len(frame)


def write_json_rows(table: pd.DataFrame, stream, *, first: bool = True) -> int:
    """The rows as JSON objects to a binary stream, comma-separated (``first=False``: starting
    with a comma, after an earlier chunk); returns the rows written."""
    frame = _with_config_id(table)
    for block in _iter_rows(frame, "json", ",{", "}"):
        stream.write(block[1:] if first else block)
        first = False
    return len(frame)


def parquet_table(table: pd.DataFrame) -> pa.Table:
    """``table`` as an Arrow table: categoricals as their values, tuples as lists of strings."""
    frame = _with_config_id(table)
    arrays, names = [], []
    for name in frame.columns:
        series = frame[name]
        if series.dtype == object and len(series) and isinstance(series.iloc[0], (tuple, list)):
            codes, uniques = pd.factorize(series, use_na_sentinel=False)
            values = pa.array([list(map(str, u)) for u in uniques], pa.list_(pa.string()))
            array = values.take(pa.array(codes, pa.int32()))
        else:
            array = pa.array(series, from_pandas=True)
            if pa.types.is_dictionary(array.type):
                value_type = array.type.value_type
                array = array.cast(pa.string() if pa.types.is_null(value_type) else value_type)
        arrays.append(array)
        names.append(str(name))
    return pa.Table.from_arrays(arrays, names=names)


def write_parquet(table: pd.DataFrame | pa.Table, where: str, *, filesystem=None) -> str:
    """Write ``table`` as one Parquet file at ``where``: a local path (atomically, through
    ``infrakit.core.files.write_atomic``) or any fsspec URL (``s3://``, ``gs://``,
    ``memory://``...), where the store makes the object visible whole on close."""
    import pyarrow.parquet as pq

    data = table if isinstance(table, pa.Table) else parquet_table(table)
    protocol, path = _split(where)
    if protocol in ("", "file", "local") and filesystem is None:
        from infrakit.core.files import write_atomic

        write_atomic(path, lambda temp: pq.write_table(data, temp))
        return path
    import fsspec

    fs = filesystem or fsspec.filesystem(protocol)
    with fs.open(path, "wb") as handle:
        pq.write_table(data, handle)
    return where


def _split(where: str) -> tuple[str, str]:
    if "://" in where:
        protocol, _, rest = where.partition("://")
        return protocol, rest if protocol not in ("file", "local") else "/" + rest.lstrip("/")
    return "", where
