"""Sweeps that stream: a grid expanded and priced in index-range chunks, reduced to aggregates,
so that peak memory depends on the chunk size, not on the grid.

    summarize_chunk(grid, start, stop)  -> ChunkSummary   one index range, on any machine
    merge(a, b)                         -> ChunkSummary   order-independent
    finish(summary, grid)               -> SweepSummary   counts, frontier, recommendation, top k

The answer is the in-memory sweep's (``cost_model.sweep``), exactly:

- counts (valid, invalid by reason, over budget, ...) are sums;
- the recommendation uses the same order (``candidate_order``: monthly, egress hours, horizon,
  later end of standard support, lower config_id), so the best of the chunks' best is the best;
- the Pareto frontier of the grid is a subset of the union of the chunks' frontiers (a row
  beaten by nothing in the grid is beaten by nothing in its chunk), and the frontier of that
  union, in the same order, is the grid's;
- the sentence comes from ``recommendation_reason`` with the same facts.

Pure pandas/numpy: the cluster that runs the chunks lives in ``infrakit``.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cost_model.catalog import PriceCatalog
from cost_model.scenarios import frame_from_grid, grid_chunks
from cost_model.sweep import (
    PARETO_DIMENSIONS,
    Evaluation,
    RecommendationFacts,
    candidate_order,
    evaluate,
    pareto_frontier,
    recommendation_reason,
    table_of,
)
from infrakit.core.schema import Grid

DEFAULT_CHUNK_ROWS = 100_000
DEFAULT_TOP_K = 10
_PRIVATE = ("_support_end", "within_budget", "egress_ok")


def _candidate_key(row: dict[str, Any]) -> tuple:
    return (row["monthly_usd"], row["egress_outage_hours_per_year"], row["horizon_usd"], -row["_support_end"],
            row["config_id"])


def _cheapest_key(row: dict[str, Any]) -> tuple:
    return (row["monthly_usd"], row["config_id"])


def _frontier_key(row: dict[str, Any]) -> tuple:
    return (row["monthly_usd"], row["horizon_usd"], row["egress_outage_hours_per_year"], row["config_id"])


@dataclass
class ChunkSummary:
    """What one index range contributes; ``merge`` combines two in any order."""

    configurations: int = 0
    valid: int = 0
    meets: int = 0
    over_budget: int = 0
    egress_lost: int = 0
    reason_counts: Counter = field(default_factory=Counter)  # rows having each problem sentence
    cheapest_valid_monthly: float | None = None
    first_invalid: dict[str, Any] | None = None  # lowest config_id
    candidates: list[dict[str, Any]] = field(default_factory=list)  # best k meeting the constraints, in order
    frontier: list[dict[str, Any]] = field(default_factory=list)
    cheapest_rejected: dict[str, Any] | None = None  # valid, missing a constraint
    cheapest_invalid: dict[str, Any] | None = None  # invalid but priced
    chunks: int = 0
    top_k: int = DEFAULT_TOP_K


def _rows(ev: Evaluation, positions) -> list[dict[str, Any]]:
    rows = ev.rows(positions)
    for row, position in zip(rows, np.asarray(positions, dtype=np.int64).tolist(), strict=True):
        row["_support_end"] = int(ev.support_end[position])
        row["within_budget"] = bool(ev.within_budget[position])
        row["egress_ok"] = bool(ev.egress_ok[position])
    return rows


def _first_min(ev: Evaluation, mask: np.ndarray) -> dict[str, Any] | None:
    rows = np.flatnonzero(mask)
    if not len(rows):
        return None
    return _rows(ev, [rows[np.argmin(ev.monthly[rows])]])[0]


def summarize_evaluation(ev: Evaluation, *, top_k: int = DEFAULT_TOP_K) -> ChunkSummary:
    """The aggregates of an evaluated frame (a whole grid or a chunk of one)."""
    valid, meets, monthly = ev.valid, ev.meets, ev.monthly
    counts = np.bincount(ev.combination, minlength=len(ev.combinations))
    reason_counts: Counter = Counter()
    for combination, count in zip(ev.combinations, counts.tolist(), strict=True):
        for reason in combination:
            reason_counts[reason] += count
    candidates = np.flatnonzero(meets)
    order = candidate_order(monthly[candidates], ev.risk[candidates], ev.horizon[candidates],
                            ev.support_end[candidates])
    best = candidates[order[:max(1, top_k)]]
    invalid_rows = np.flatnonzero(~valid)
    valid_monthly = monthly[valid]
    return ChunkSummary(
        configurations=len(ev), valid=int(valid.sum()), meets=len(candidates),
        over_budget=int((valid & ~ev.within_budget).sum()), egress_lost=int((valid & ~ev.egress_ok).sum()),
        reason_counts=reason_counts,
        cheapest_valid_monthly=float(valid_monthly.min()) if len(valid_monthly) else None,
        first_invalid=_rows(ev, invalid_rows[:1])[0] if len(invalid_rows) else None,
        candidates=_rows(ev, best), frontier=_rows(ev, np.flatnonzero(pareto_frontier(monthly, ev.horizon, ev.risk, valid))),
        cheapest_rejected=_first_min(ev, valid & ~meets), cheapest_invalid=_first_min(ev, ~valid & ~np.isnan(monthly)),
        chunks=1, top_k=top_k)


def summarize_chunk(grid: Grid, start: int, stop: int, *, top_k: int = DEFAULT_TOP_K,
                    catalog: PriceCatalog | None = None, with_table: bool = False):
    """Expand, price and reduce the configurations ``start <= config_id < stop`` of ``grid``.
    With ``with_table``, also return the chunk's rows (``table_of``) for writing them out."""
    ev = evaluate(frame_from_grid(grid, start, stop), catalog)
    summary = summarize_evaluation(ev, top_k=top_k)
    return (summary, table_of(ev)) if with_table else summary


def _min_by(a, b, key):
    if a is None:
        return b
    if b is None:
        return a
    return a if key(a) <= key(b) else b


def _frontier(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows no other row dominates (``pareto_frontier``), in ``_frontier_key`` order."""
    rows = sorted(rows, key=_frontier_key)
    if not rows:
        return []
    columns = [np.array([r[d] for r in rows], dtype=float) for d in PARETO_DIMENSIONS]
    keep = pareto_frontier(*columns, np.ones(len(rows), dtype=bool))
    return [row for row, kept in zip(rows, keep, strict=True) if kept]


def merge(a: ChunkSummary, b: ChunkSummary) -> ChunkSummary:
    """Two summaries as one, as if their rows had been summarized together."""
    top_k = max(a.top_k, b.top_k)
    low = [v for v in (a.cheapest_valid_monthly, b.cheapest_valid_monthly) if v is not None]
    return ChunkSummary(
        configurations=a.configurations + b.configurations, valid=a.valid + b.valid, meets=a.meets + b.meets,
        over_budget=a.over_budget + b.over_budget, egress_lost=a.egress_lost + b.egress_lost,
        reason_counts=a.reason_counts + b.reason_counts, cheapest_valid_monthly=min(low) if low else None,
        first_invalid=_min_by(a.first_invalid, b.first_invalid, lambda r: r["config_id"]),
        candidates=heapq.nsmallest(max(1, top_k), a.candidates + b.candidates, key=_candidate_key),
        frontier=_frontier(a.frontier + b.frontier),
        cheapest_rejected=_min_by(a.cheapest_rejected, b.cheapest_rejected, _cheapest_key),
        cheapest_invalid=_min_by(a.cheapest_invalid, b.cheapest_invalid, _cheapest_key),
        chunks=a.chunks + b.chunks, top_k=top_k)


@dataclass(frozen=True)
class SweepSummary:
    """A grid's sweep in aggregates. Rows are the ``sweep --json`` rows (every scenario key,
    the costs, availability, ``valid``, ``reasons``, ``meets_constraints``, ``pareto``,
    ``recommended``)."""

    configurations: int
    varied_keys: tuple[str, ...]
    valid: int
    meets_constraints: int
    over_budget: int
    egress_lost: int
    invalid_by_reason: list[tuple[str, int]]  # most frequent first
    recommended: int | None
    reason: str
    recommended_row: dict[str, Any] | None
    top: list[dict[str, Any]]  # the best ``top_k`` meeting the constraints, in recommendation order
    pareto: list[dict[str, Any]]  # the valid rows no other valid row dominates (sweep.PARETO_DIMENSIONS)
    chunks: int

    @property
    def invalid(self) -> int:
        return self.configurations - self.valid

    @property
    def pareto_ids(self) -> frozenset[int]:
        return frozenset(r["config_id"] for r in self.pareto)

    def to_json(self) -> dict[str, Any]:
        return {"configurations": self.configurations, "varied_keys": list(self.varied_keys),
                "recommended": self.recommended, "reason": self.reason, "valid": self.valid,
                "invalid": self.invalid, "meets_constraints": self.meets_constraints,
                "over_budget": self.over_budget, "egress_lost_on_az_loss": self.egress_lost,
                "invalid_by_reason": [{"reason": r, "configurations": n} for r, n in self.invalid_by_reason],
                "recommended_row": self.recommended_row, "top": self.top, "pareto": self.pareto,
                "chunks": self.chunks}


def finish(summary: ChunkSummary, varied_keys: tuple[str, ...]) -> SweepSummary:
    """The grid's answer from the merged summary of all its chunks."""
    best = summary.candidates[0] if summary.candidates else None

    def cheaper(row):
        return row if row is not None and best is not None and row["monthly_usd"] < best["monthly_usd"] else None

    facts = RecommendationFacts(
        configurations=summary.configurations, candidates=summary.meets,
        invalid=summary.configurations - summary.valid, over_budget=summary.over_budget,
        egress_lost=summary.egress_lost, cheapest_valid_monthly=summary.cheapest_valid_monthly,
        first_invalid_reasons=tuple(summary.first_invalid["reasons"]) if summary.first_invalid else None,
        best=best, cheaper_rejected=cheaper(summary.cheapest_rejected), cheaper_invalid=cheaper(summary.cheapest_invalid))
    frontier_ids = {r["config_id"] for r in summary.frontier}
    recommended = None if best is None else best["config_id"]

    def public(row):
        out = {k: v for k, v in row.items() if k not in _PRIVATE}
        return out | {"pareto": out["config_id"] in frontier_ids, "recommended": out["config_id"] == recommended}

    top = [public(r) for r in summary.candidates[:summary.top_k]]
    return SweepSummary(
        configurations=summary.configurations, varied_keys=tuple(varied_keys), valid=summary.valid,
        meets_constraints=summary.meets, over_budget=summary.over_budget, egress_lost=summary.egress_lost,
        invalid_by_reason=sorted(summary.reason_counts.items(), key=lambda item: (-item[1], item[0])),
        recommended=recommended, reason=recommendation_reason(facts, varied_keys),
        recommended_row=public(best) if best is not None else None, top=top,
        pareto=[public(r) for r in summary.frontier], chunks=summary.chunks)


def sweep_summary(grid: Grid, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, top_k: int = DEFAULT_TOP_K,
                  catalog: PriceCatalog | None = None) -> SweepSummary:
    """The whole grid, one chunk after another in this process (``infrakit`` runs them on a
    cluster with the same functions)."""
    total = ChunkSummary(top_k=top_k)
    for start, stop in grid_chunks(grid, chunk_rows):
        total = merge(total, summarize_chunk(grid, start, stop, top_k=top_k, catalog=catalog))
    return finish(total, tuple(grid.axes))
