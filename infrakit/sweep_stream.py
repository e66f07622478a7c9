"""`infrakit sweep` beyond memory: the grid in index-range chunks (``cost_model.streaming``),
on this process, a ``LocalCluster`` (``jobs``) or an existing Dask cluster (``scheduler``),
with the same answer everywhere; rows to stdout (CSV/JSON) or to a partitioned Parquet
dataset, at Arrow speed (``infrakit.outputs``).

- ``summarize``: aggregates only; peak memory follows the chunk size, not the grid.
- ``write_rows``: every row to a stream. A grid of one chunk is swept in memory once; a larger
  one in two passes (the aggregates first, for ``pareto`` and ``recommended``, then the rows
  chunk by chunk), so ``sweep --json`` never holds its output, only a chunk.
- Parquet: each chunk's rows as ``part-NNNNN.parquet`` under a local folder or an fsspec URL,
  written by the workers (a remote cluster with a local folder sends the parts to this
  process instead: no shared filesystem is assumed). ``_infrakit_sweep.json`` lists the parts;
  it says ``complete`` once every part is written. Parts hold every column but ``pareto`` and
  ``recommended`` (grid-wide facts: the summary names those rows).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cost_model.scenarios import grid_chunks
from cost_model.streaming import DEFAULT_CHUNK_ROWS, DEFAULT_TOP_K, ChunkSummary, SweepSummary, finish, merge
from infrakit.core.errors import InfrakitError, InputError
from infrakit.core.files import json_text
from infrakit.core.schema import Grid

MANIFEST = "_infrakit_sweep.json"
STREAM_MAX_GRID_SIZE = 100_000_000
IN_MEMORY_ROWS = 250_000  # --csv/--json sweep a grid up to this size in one pass (~0.7 GB at most)


@dataclass(frozen=True)
class ParquetTarget:
    where: str  # a local folder or an fsspec URL
    local: bool  # a folder on this machine
    workers_write: bool  # workers write their parts; else they send them here

    def part(self, index: int) -> str:
        return f"{self.where.rstrip('/')}/part-{index:05d}.parquet"


def chunk_task(grid: Grid, start: int, stop: int, index: int, top_k: int, parquet: ParquetTarget | None,
               expected: dict[str, Any] | None = None) -> tuple[ChunkSummary, bytes | None, float]:
    """One chunk on a worker: its summary, its Parquet part (written there, or as bytes for the
    client), and its seconds."""
    from cost_model.streaming import summarize_chunk
    from infrakit import cluster, outputs

    cluster.ensure_this_worker(expected, cluster.SWEEP)
    clock = time.perf_counter()
    if parquet is None:
        return summarize_chunk(grid, start, stop, top_k=top_k), None, time.perf_counter() - clock
    summary, table = summarize_chunk(grid, start, stop, top_k=top_k, with_table=True)
    data = outputs.parquet_table(table)
    del table
    if parquet.workers_write:
        outputs.write_parquet(data, parquet.part(index))
        return summary, None, time.perf_counter() - clock
    import io

    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(data, buffer)
    return summary, buffer.getvalue(), time.perf_counter() - clock


def _run_chunks(grid: Grid, *, chunk_rows: int, top_k: int, parquet: ParquetTarget | None, scheduler: str | None,
                jobs: int | None, on_part=None) -> tuple[ChunkSummary, dict[str, Any]]:
    """Every chunk, here (no cluster) or on one; merged as they complete."""
    chunks = grid_chunks(grid, chunk_rows)
    total = ChunkSummary(top_k=top_k)
    info: dict[str, Any] = {"chunks": len(chunks), "chunk_rows": chunk_rows, "where": "this process"}
    if scheduler is None and jobs is None:
        for index, (start, stop) in enumerate(chunks):
            summary, data, _ = chunk_task(grid, start, stop, index, top_k, parquet)
            total = merge(total, summary)
        return total, info
    from distributed import as_completed

    from infrakit import cluster

    with cluster.connect(scheduler=scheduler, jobs=jobs or 1) as connection:
        info |= {"where": connection.address, "workers": len(connection.workers)}
        client = connection.client
        for warning in cluster.merge_warnings(cluster.check_workers(client, cluster.SWEEP)):
            import sys

            print(f"infrakit sweep: warning: {warning}", file=sys.stderr)
        # Workers that join an existing cluster mid-sweep are checked per task, code digest included.
        expected = cluster.expected_facts(cluster.SWEEP, code=not cluster.is_local(client))
        grid_future = client.scatter(grid, broadcast=True)
        futures = {client.submit(chunk_task, grid_future, start, stop, index, top_k, parquet, expected,
                                 key=f"infrakit-sweep-chunk-{index}-{start}", pure=False): index
                   for index, (start, stop) in enumerate(chunks)}
        try:
            for future in as_completed(futures):
                summary, data, _ = future.result()
                if data is not None and parquet is not None:
                    _write_local_part(parquet.part(futures[future]), data)
                total = merge(total, summary)
                future.release()
        finally:
            with contextlib.suppress(Exception):
                client.cancel(list(futures), force=True)
    return total, info


def _write_local_part(path: str, data: bytes) -> None:
    from infrakit.core.files import write_atomic

    write_atomic(path, data)


@contextlib.contextmanager
def parquet_dataset(where: str, *, grid: Grid, chunk_rows: int, remote_cluster: bool) -> Iterator[ParquetTarget]:
    """A folder or URL for the dataset: refused when it holds anything the kit did not write
    there; an earlier dataset of the kit's (its manifest lists the parts) is replaced. The
    manifest says ``running`` while parts are written and ``complete`` at the end."""
    fs, path = open_filesystem(where)
    local = "://" not in where or where.startswith(("file://", "local://"))
    target = ParquetTarget(where=str(Path(path).resolve()) if local else where.rstrip("/"), local=local,
                           workers_write=not (local and remote_cluster))
    manifest_path = f"{path.rstrip('/')}/{MANIFEST}"
    _clear_earlier(fs, path, manifest_path, where)
    parts = [Path(target.part(i)).name for i in range(len(grid_chunks(grid, chunk_rows)))]
    manifest = {"status": "running", "configurations": grid.size, "chunk_rows": chunk_rows, "parts": parts}
    lock = None
    if local:
        from infrakit.core.files import FolderLock

        lock = FolderLock(path, what=f"an infrakit sweep into {path}").acquire()
    try:
        _write_text(fs, manifest_path, json_text(manifest), local)
        yield target
    finally:
        if lock is not None:
            lock.release()


def open_filesystem(where: str):
    """(fsspec file system, path) for a folder or URL; bad input (exit 2) when no installed
    fsspec implementation serves it."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(where)
    except (ImportError, ValueError) as exc:
        raise InputError([f"--parquet: cannot open {where!r}: {exc}. Install the fsspec implementation for it (s3fs "
                          f"for s3://, gcsfs for gs://, adlfs for az://) here and on every worker, or give a local "
                          f"folder."]) from None


def _earlier_files(fs, path: str, manifest_path: str, where: str) -> list[str]:
    """The files of an earlier dataset of the kit's at ``path`` (to replace); InputError when the
    target is a file or holds anything the kit did not write there."""
    import json

    if not fs.exists(path):
        return []
    if not fs.isdir(path):
        raise InputError([f"--parquet: {where} is a file; give a folder (or a URL prefix) for the dataset"])
    names = sorted(Path(p).name for p in fs.ls(path, detail=False))
    names = [n for n in names if n != ".infrakit.lock"]
    if not names:
        return []
    ours: set[str] = set()
    if MANIFEST in names:
        with contextlib.suppress(Exception):
            with fs.open(manifest_path, "r") as handle:
                ours = set(json.load(handle).get("parts", [])) | {MANIFEST}
    foreign = [n for n in names if n not in ours]
    if foreign:
        raise InputError([f"--parquet: {where} already holds files infrakit did not write there "
                          f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); give an empty or new "
                          f"folder"])
    return names


def _clear_earlier(fs, path: str, manifest_path: str, where: str) -> None:
    for name in _earlier_files(fs, path, manifest_path, where):
        if name != MANIFEST:
            fs.rm(f"{path.rstrip('/')}/{name}")


def parquet_problems(where: str) -> list[str]:
    """Why ``--parquet WHERE`` cannot take the dataset, checked before any work and without
    changing anything: no fsspec implementation for it, a file, or a folder holding files the
    kit did not write."""
    try:
        fs, path = open_filesystem(where)
        _earlier_files(fs, path, f"{path.rstrip('/')}/{MANIFEST}", where)
    except InputError as exc:
        return list(exc.problems)
    except OSError as exc:  # a remote store that cannot be listed: said again, with its cause, when writing
        return [f"--parquet: cannot read {where!r}: {exc}; check the URL and the credentials for it"]
    return []


def _write_text(fs, path: str, text: str, local: bool) -> None:
    if local:
        from infrakit.core.files import write_atomic

        write_atomic(path, text)
    else:
        with fs.open(path, "w") as handle:
            handle.write(text)


def summarize(grid: Grid, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, top_k: int = DEFAULT_TOP_K,
              scheduler: str | None = None, jobs: int | None = None,
              parquet: str | None = None) -> tuple[SweepSummary, dict[str, Any]]:
    """The grid's aggregates (and its Parquet dataset); ``info`` says where it ran and how."""
    clock = time.perf_counter()
    if parquet is None:
        total, info = _run_chunks(grid, chunk_rows=chunk_rows, top_k=top_k, parquet=None, scheduler=scheduler,
                                  jobs=jobs)
        summary = finish(total, tuple(grid.axes))
    else:
        with parquet_dataset(parquet, grid=grid, chunk_rows=chunk_rows, remote_cluster=scheduler is not None) as target:
            total, info = _run_chunks(grid, chunk_rows=chunk_rows, top_k=top_k, parquet=target, scheduler=scheduler,
                                      jobs=jobs)
            summary = finish(total, tuple(grid.axes))
            fs, path = open_filesystem(parquet)
            manifest = {"status": "complete", "configurations": grid.size, "chunk_rows": chunk_rows,
                        "parts": [Path(target.part(i)).name for i in range(info["chunks"])],
                        "summary": summary.to_json()}
            _write_text(fs, f"{path.rstrip('/')}/{MANIFEST}", json_text(manifest), target.local)
            info["parquet"] = target.where
    info["seconds"] = round(time.perf_counter() - clock, 3)
    return summary, info


def write_rows(grid: Grid, stream, *, fmt: str, grid_path: str, chunk_rows: int = DEFAULT_CHUNK_ROWS,
               in_memory_rows: int = IN_MEMORY_ROWS) -> int:
    """Every row of ``grid`` as CSV or as the ``sweep --json`` object, to a binary stream: in one
    pass up to ``in_memory_rows`` configurations, else in two passes of ``chunk_rows``."""
    from cost_model import sweep
    from cost_model.scenarios import frame_from_grid
    from cost_model.sweep import evaluate, table_of
    from infrakit import outputs

    chunks = grid_chunks(grid, chunk_rows)
    if grid.size <= in_memory_rows or len(chunks) == 1:
        result = sweep(grid)
        header = {"configurations": len(result.table), "recommended": result.recommended, "reason": result.reason}
        tables = iter([result.table])
    else:
        summary, _ = summarize(grid, chunk_rows=chunk_rows, top_k=1)
        header = {"configurations": summary.configurations, "recommended": summary.recommended,
                  "reason": summary.reason}
        pareto = summary.pareto_ids

        def tables():
            for start, stop in chunks:
                table = table_of(evaluate(frame_from_grid(grid, start, stop)))
                table["pareto"] = table.index.isin(list(pareto))
                table["recommended"] = table.index == summary.recommended
                yield table

        tables = tables()
    if fmt == "csv":
        first = True
        for table in tables:
            outputs.write_csv(table, stream, header=first)
            first = False
        return header["configurations"]
    head = {"grid": grid_path, "configurations": header["configurations"], "varied_keys": list(grid.axes),
            "recommended": header["recommended"], "reason": header["reason"]}
    stream.write((json_text(head, indent=None)[:-2] + ', "rows": [').encode("utf-8"))
    first = True
    for table in tables:
        outputs.write_json_rows(table, stream, first=first)
        first = False
    stream.write(b"]}\n")
    return header["configurations"]


def summary_text(summary: SweepSummary, info: dict[str, Any], *, limit: int = 10) -> str:
    """The aggregates for people: counts, reasons, the frontier and the best configurations."""
    import pandas as pd

    from cost_model.sweep import TABLE_KEYS
    from infrakit.core.text import money

    keys = list(summary.varied_keys) or list(TABLE_KEYS)
    lines = [f"{summary.configurations:,} configurations in {summary.chunks} chunk(s) on {info['where']}: "
             f"{summary.valid:,} valid, {summary.invalid:,} invalid, {summary.meets_constraints:,} meet the "
             f"constraints ({summary.over_budget:,} valid but over budget, {summary.egress_lost:,} valid but losing "
             f"egress on an AZ loss)."]
    if summary.invalid_by_reason:
        lines.append("Invalid, by reason (a configuration can have several):")
        lines += [f"  {n:>12,} x {reason}" for reason, n in summary.invalid_by_reason[:limit]]

    def frame(rows):
        table = pd.DataFrame([{"config_id": r["config_id"], **{k: r[k] for k in keys},
                               "monthly": money(r["monthly_usd"]), "horizon": money(r["horizon_usd"]),
                               "egress_h_per_year": f"{r['egress_outage_hours_per_year']:.2f}",
                               "recommended": "<==" if r["recommended"] else ""} for r in rows])
        return table.to_string(index=False)

    if summary.pareto:
        lines += [f"Pareto frontier (monthly cost against expected egress hours), {len(summary.pareto)} "
                  f"configuration(s):", frame(summary.pareto)]
    if summary.top:
        lines += [f"Best {len(summary.top)} that meet the constraints:", frame(summary.top)]
    if info.get("parquet"):
        lines.append(f"Rows: {info['parquet']} ({info['chunks']} Parquet part(s), {MANIFEST})")
    lines.append(summary.reason)
    lines.append("Egress hours are expected values under ASSUMPTIONS (assumed_az_outages_per_year, "
                 "assumed_az_outage_hours), not AWS figures.")
    return "\n".join(lines) + "\n"


def option_problems(*, summary: bool, fmt: str | None, parquet: str | None, scheduler: str | None,
                    jobs: int | None, top: int | None = None, chunk_rows: int | None = None) -> list[str]:
    """Combinations of ``sweep`` options that do not go together (and options that would be
    ignored), every one."""
    from infrakit.cluster import scheduler_problem

    problems = []
    streamed = summary or parquet is not None
    if top is not None and not streamed:
        problems.append(f"--top {top} picks the best rows of --summary (or --parquet); without either the table "
                        f"shows the cheapest 20 and --csv/--json every row. Add --summary, or drop --top.")
    if chunk_rows is not None and not streamed and fmt is None:
        problems.append(f"--chunk-rows {chunk_rows} bounds memory for --summary, --parquet, --csv and --json; the "
                        f"table is priced in one pass. Add one of those, or drop --chunk-rows.")
    if fmt == "csv" and streamed:
        problems.append("--csv writes every row; --summary and --parquet write aggregates (and the rows to Parquet). "
                        "Use one or the other.")
    if (scheduler or jobs) and not streamed:
        problems.append("--scheduler and --jobs run --summary or --parquet on a cluster; full rows on stdout "
                        "(--csv, --json) are written by this process. Add --summary (or --parquet DIR).")
    if scheduler and jobs:
        problems.append("--jobs starts workers on this machine; with --scheduler the cluster's workers run the "
                        "chunks. Give one or the other.")
    if scheduler and (problem := scheduler_problem(scheduler)):
        problems.append(problem)
    return problems


__all__ = ["InfrakitError", "STREAM_MAX_GRID_SIZE", "option_problems", "parquet_problems", "summarize",
           "summary_text", "write_rows"]
