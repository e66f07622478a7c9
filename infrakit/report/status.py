"""One status for a report run, used everywhere (the decision notebook's last cell, the report
page, the index, ``summary.md`` and the exit code of ``infrakit report``).

- ``failed``: what the user asked for did not happen, or must not ship: a notebook error; the
  decided configuration has a missing price, is refused by the kit's rules, or costs more
  than ``budget_usd_per_month``; preflight errors on what would be deployed; a deploy that
  failed or was refused; the cost read back from the template disagrees with the model.
- ``attention``: it can ship, but a reader must see something first: preflight warnings on
  the decided configuration; the configuration as given was caught (refused or failing
  preflight) and the decision changed it; nothing met the constraints, so the configuration
  as given was checked instead.
- ``ok``: neither.

The rules read the results the notebooks write (``trade_offs.json``, ``decision.json``), so
the kernel and the runner reach the same verdict from the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infrakit.core.text import money

OK, ATTENTION, FAILED = "ok", "attention", "failed"
STATUSES = (OK, ATTENTION, FAILED)
# `fail_on` (a report parameter): which statuses make the decision notebook raise at its end,
# so that papermill (and CI) exits non-zero.
FAIL_ON = {"failed": (FAILED,), "attention": (ATTENTION, FAILED), "none": ()}


@dataclass(frozen=True)
class Verdict:
    status: str
    reasons: tuple[str, ...] = field(default_factory=tuple)  # why failed (or why attention), most serious first

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")

    @property
    def headline(self) -> str:
        if self.status == OK:
            return "OK: safe to ship as decided."
        label = "FAILED" if self.status == FAILED else "ATTENTION"
        return f"{label}: " + "; ".join(self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": list(self.reasons)}


class DecisionFailed(Exception):
    """Raised by the decision notebook's last cell when the run's status is one ``fail_on``
    names, so that papermill exits non-zero; the message is the verdict."""


def decided_figures(trade: Mapping[str, Any], decision: Mapping[str, Any] | None) -> dict[str, Any]:
    """The numbers of the configuration the decision shipped (recommended, or as given)."""
    mode = (decision or {}).get("choice", {}).get("mode", "recommended")
    picked = trade.get("as_given") if mode == "as_given" or not trade.get("recommended") else trade["recommended"]
    return picked or {}


def _steps(decision: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (decision or {}).get("steps") or {}


def _cost_reasons(trade: Mapping[str, Any], decision: Mapping[str, Any] | None) -> list[str]:
    picked = decided_figures(trade, decision)
    reasons = []
    price_missing = [r for r in picked.get("reasons", []) if r.startswith("price missing")]
    if picked and picked.get("monthly_usd") is None:
        reasons.append(price_missing[0] if price_missing else "the decided configuration could not be priced")
    refused = [r for r in picked.get("reasons", []) if not r.startswith("price missing")]
    if refused:
        reasons.append("the decided configuration is refused by the kit's rules: " + "; ".join(refused))
    budget = (trade.get("scenario_keys") or {}).get("budget_usd_per_month")
    monthly = picked.get("monthly_usd")
    if budget is not None and monthly is not None and round(monthly, 2) > budget:
        reasons.append(f"over budget: {money(monthly)}/month against budget_usd_per_month {money(budget)}")
    return reasons


def _head(sentence: str) -> str:
    """A problem sentence up to its first colon outside parentheses: what is wrong, not the advice."""
    depth = 0
    for i, char in enumerate(sentence):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ":" and depth == 0:
            return sentence[:i].strip()
    return sentence.strip()


def _caught_by(given: Mapping[str, Any]) -> str:
    """What caught the configuration as given, in a few words (its step says the rest)."""
    parts = []
    if given.get("problems"):
        parts.append("the kit's rules refuse it (" + _head(given["problems"][0]) + ")")
    errors = (given.get("preflight") or {}).get("errors") or []
    if errors:
        parts.append("preflight errors " + ", ".join(dict.fromkeys(errors)))
    return "; ".join(parts) or given.get("headline", "")


def _step_reasons(decision: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    """(failed, attention) reasons from the decision's steps."""
    failed, attention = [], []
    steps = _steps(decision)
    preflight = steps.get("preflight")
    if preflight:
        if preflight["status"] == "failed":
            errors = ", ".join(dict.fromkeys(preflight.get("errors", []))) or "errors"
            failed.append(f"preflight errors on what would be deployed: {errors}")
        elif preflight["status"] != "ok":  # an older kit's "unavailable": preflight did not run
            failed.append(f"preflight did not run ({preflight['status']}): {preflight.get('headline', '')}".rstrip(": "))
        warnings = ((preflight.get("report") or {}).get("counts") or {}).get("warning", 0)
        if preflight["status"] == "ok" and warnings:
            attention.append(f"preflight: {warnings} warning(s) to read")
    cost = steps.get("template_cost")
    if cost and cost["status"] == "failed":
        failed.append("the cost read back from the template differs from the model: " + cost["headline"])
    deploy = steps.get("deploy")
    if deploy:
        result = deploy.get("result") or {}
        if deploy["status"] == "failed":
            failed.append(f"deploy {result.get('status', 'failed')}: {result.get('message') or deploy['headline']}")
        elif deploy["status"] not in ("ok", "skipped"):  # a requested deploy that did not happen
            failed.append(f"the deploy did not happen ({deploy['status']}): {deploy.get('headline', '')}".rstrip(": "))
    given = steps.get("as_given")
    if given and given["status"] == "failed":
        attention.append("the configuration as given was caught, and the decision changes it: " + _caught_by(given))
    return failed, attention


def run_verdict(trade: Mapping[str, Any] | None, decision: Mapping[str, Any] | None,
                failure: Mapping[str, Any] | None = None) -> Verdict:
    """The status of one scenario's run, from its results (and its failure, if a notebook failed)."""
    if failure:
        where = f"{failure.get('notebook', 'a notebook')}"
        if failure.get("cell_index") is not None:
            where += f" cell {failure['cell_index']}"
        return Verdict(FAILED, (f"{where} failed: {failure.get('ename', 'error')}: {failure.get('evalue', '')}"[:400],))
    if trade is None or decision is None:
        missing = "trade_offs.json" if trade is None else "decision.json"
        return Verdict(FAILED, (f"no results: {missing} was not written",))
    failed = _cost_reasons(trade, decision)
    step_failed, attention = _step_reasons(decision)
    failed += step_failed
    choice = decision.get("choice") or {}
    recommended = trade.get("recommended") or {}
    starts = (trade.get("start_date"), decision.get("start_date"))
    if None not in starts and starts[0] != starts[1]:
        failed.append(f"the notebooks priced from different months: trade-offs from start_date {starts[0]}, the "
                      f"decision from {starts[1]}; run the report again (the runner gives both one start_date)")
    if (choice.get("mode") == "recommended" and choice.get("config_id") is not None
            and recommended.get("config_id") is not None and choice["config_id"] != recommended["config_id"]):
        # The two notebooks must have studied the same inputs (start_date, catalogs): the page
        # would show one configuration's trade-offs and deploy another.
        failed.append(f"the decision notebook chose configuration {choice['config_id']} but the trade-offs "
                      f"recommend {recommended['config_id']}: the notebooks did not study the same inputs "
                      f"(the catalogs, the parameters); run the report again")
    if choice.get("mode") == "as_given" and trade.get("recommended") is None:
        attention.append("no configuration met the constraints; the configuration as given was checked instead")
    if failed:
        return Verdict(FAILED, tuple(failed + attention))
    if attention:
        return Verdict(ATTENTION, tuple(attention))
    return Verdict(OK)


def gate(verdict: Verdict, fail_on: str = "failed") -> Verdict:
    """The run's status once its ``fail_on`` is applied, as `infrakit report` (its exit code,
    index and pages) counts it: a status ``fail_on`` names fails the run, as it fails the
    decision notebook. A failed verdict stays failed whatever ``fail_on`` says (``none`` only
    keeps the notebook from raising, for exploring)."""
    if verdict.status == FAILED or verdict.status not in FAIL_ON.get(fail_on, ()):
        return verdict
    return Verdict(FAILED, (f"fail_on: {fail_on} fails a run whose status is {verdict.status}", *verdict.reasons))


def raise_for_status(verdict: Verdict, fail_on: str = "failed") -> Verdict:
    """The decision notebook's last step: raise ``DecisionFailed`` when ``verdict`` is a status
    that ``fail_on`` names (``failed``, the default; ``attention``; or ``none`` to explore)."""
    if verdict.status in FAIL_ON[fail_on]:
        raise DecisionFailed(f"{verdict.headline} (fail_on: {fail_on}; set fail_on: none to explore without "
                             f"failing)")
    return verdict
