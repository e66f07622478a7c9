"""The decision in words: which rule picked the recommendation (tie-breaks included), what
changes against the configuration as given, and what an AZ outage does to the decided one.

``decision_rule`` reads the study (in the notebook) and returns plain data for
``trade_offs.json``; the ``*_sentences`` functions turn that data into the report's summary, so
the page and a notebook opened in Jupyter say the same thing from the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cost_model.sweep import standard_support_end
from infrakit.core.catalogs import engine_catalog
from infrakit.core.text import hours_per_year, money, signed_money
from infrakit.report.trade_offs import VARIED_KEYS, TradeOffs, describe

# What decided, in the order the rule applies it (cost_model.sweep.candidate_order).
CRITERIA = ("monthly", "egress_risk", "horizon", "standard_support", "order")


def _constraints(scenario: Mapping[str, Any]) -> list[str]:
    out = ["valid (AWS would create it and every price is in the catalog)"]
    if scenario.get("budget_usd_per_month") is not None:
        out.append(f"at most {money(scenario['budget_usd_per_month'])}/month (budget_usd_per_month)")
    if scenario.get("egress_must_survive_az_loss"):
        out.append("egress survives the loss of one AZ (egress_must_survive_az_loss)")
    return out


def _entry(study: TradeOffs, config_id: int) -> dict[str, Any]:
    row = study.row(config_id)
    return {"config_id": int(config_id), "description": describe(study.config(config_id)),
            "monthly_usd": float(row["monthly_usd"]), "horizon_usd": float(row["horizon_usd"]),
            "egress_outage_hours_per_year": float(row["egress_outage_hours_per_year"]),
            "engine_version": str(row["engine_version"])}


def _support_end(version: str) -> str | None:
    catalog = engine_catalog()
    spec = catalog.majors.get(catalog.major_of(version))
    return spec.end_of_standard_support.isoformat() if spec else None


def decision_rule(study: TradeOffs) -> dict[str, Any]:
    """``rule_for(study)``, worked out once per study (the notebook's recommendation cell and its
    results file both show it); each caller gets its own copy."""
    import copy

    cached = study.__dict__.get("_decision_rule")  # a frozen dataclass: its __dict__ holds the memo
    if cached is None:
        cached = study.__dict__["_decision_rule"] = rule_for(study)
    return copy.deepcopy(cached)


def rule_for(study: TradeOffs) -> dict[str, Any]:
    """The recommendation rule as it applied to this study: the candidates and, per criterion
    of ``CRITERIA`` in turn, the configurations still tied with the winner (``stages``) until one
    is left. Raises if the rule, replayed here, disagrees with the sweep's pick."""
    table = study.table
    horizon = int(study.scenario["horizon_months"])
    base = {"configurations": len(table), "valid": int(table["valid"].sum()),
            "candidates": int(table["meets_constraints"].sum()), "constraints": _constraints(study.scenario),
            "horizon_months": horizon}
    if study.recommended is None:
        return base | {"decided_by": None, "winner": None, "stages": [], "runner_up": None}
    rows = np.flatnonzero(table["meets_constraints"].to_numpy(dtype=bool))
    keys = {"monthly": table["monthly_usd"].to_numpy()[rows], "egress_risk":
            table["egress_outage_hours_per_year"].to_numpy()[rows], "horizon": table["horizon_usd"].to_numpy()[rows],
            "standard_support": -standard_support_end(table["engine_version"])[rows]}
    order = np.lexsort(tuple(keys[k] for k in reversed(CRITERIA[:-1])))
    ids = [int(table.index[rows[i]]) for i in order]
    if ids[0] != study.recommended:
        raise AssertionError(f"the rule replayed picks {ids[0]}, the sweep {study.recommended}")
    winner = order[0]
    tied = np.ones(len(rows), dtype=bool)
    stages, decided_by = [], "order"
    for criterion in CRITERIA[:-1]:
        tied = tied & (keys[criterion] == keys[criterion][winner])
        stages.append({"criterion": criterion, "tied": [_entry(study, int(table.index[rows[i]])) for i in order
                                                        if tied[i]]})
        if tied.sum() == 1:
            decided_by = criterion
            break
    return base | {"decided_by": decided_by, "winner": _entry(study, ids[0]), "stages": stages,
                   "runner_up": _entry(study, ids[1]) if len(ids) > 1 else None, **_cheaper(study, ids[0])}


def _cheaper(study: TradeOffs, winner: int) -> dict[str, Any]:
    """The cheapest configuration below the winner's cost that fails the constraints, and the
    cheapest that is invalid, with why (what a reader asks next: why not that one?)."""
    table = study.table
    cheaper = table[table["monthly_usd"] < table.loc[winner, "monthly_usd"]].sort_values("monthly_usd", kind="stable")
    out: dict[str, Any] = {"cheaper_rejected": None, "cheaper_invalid": None}
    rejected = cheaper[cheaper["valid"] & ~cheaper["meets_constraints"]]
    if len(rejected):
        config_id = int(rejected.index[0])
        row = table.loc[config_id]
        why = []
        budget = study.scenario.get("budget_usd_per_month")
        if budget is not None and round(float(row["monthly_usd"]), 2) > budget:
            why.append("over budget")
        if study.scenario.get("egress_must_survive_az_loss") and not row["egress_survives_az_loss"]:
            why.append("egress would not survive the loss of one AZ")
        out["cheaper_rejected"] = _entry(study, config_id) | {"why": why}
    invalid = cheaper[~cheaper["valid"]]
    if len(invalid):
        out["cheaper_invalid"] = _entry(study, int(invalid.index[0])) | {"why": list(invalid["reasons"].iloc[0])}
    return out


def _major(version: str) -> str:
    return version.split(".")[0]


def _stage_text(stage: Mapping[str, Any], before: Sequence[Mapping[str, Any]], horizon: int) -> str:
    tied, criterion = stage["tied"], stage["criterion"]
    winner, k, same = tied[0], len(tied), len(tied) == len(before)
    if criterion == "egress_risk":
        return ("all at the same expected egress loss" if same else
                f"{k} of them at the lowest expected egress loss ({hours_per_year(winner['egress_outage_hours_per_year'])})")
    if criterion == "horizon":
        return (f"all at the same cost over {horizon} months" if same else
                f"{k} at the lowest cost over {horizon} months ({money(winner['horizon_usd'])})")
    if same:
        return "all on majors whose standard support ends on the same day"
    others = [b for b in before if _major(b["engine_version"]) != _major(winner["engine_version"])]
    other = f"; {others[0]['engine_version'].split('.')[0]} ends {_support_end(others[0]['engine_version'])}" \
        if others else ""
    return (f"{k} on the major that stays in standard support longest (Aurora PostgreSQL "
            f"{_major(winner['engine_version'])}, until {_support_end(winner['engine_version'])}{other})")


def _tie_sentence(rule: Mapping[str, Any]) -> str:
    stages, horizon = rule["stages"], rule["horizon_months"]
    first = stages[0]["tied"]
    parts = [f"{len(first)} configurations tie on the cheapest first month ({money(first[0]['monthly_usd'])})"]
    for previous, stage in zip(stages, stages[1:], strict=False):
        parts.append(_stage_text(stage, previous["tied"], horizon))
    text = ", ".join(parts)
    if rule["decided_by"] == "order":
        names = "; ".join(t["description"] for t in stages[-1]["tied"])
        return text + (f"; these tie on everything ({names}), and the first in the study's order (NAT "
                      f"strategies per_az, single, regional, none) is taken.")
    return text + f": {rule['winner']['description']}."


def rule_sentences(rule: Mapping[str, Any], mode: str = "recommended") -> list[str]:
    """How the decided configuration was chosen, tie-breaks included."""
    if rule.get("winner") is None:
        return [f"No configuration of the {rule['configurations']} studied is {' and '.join(rule['constraints'])}, "
                "so the configuration as given is checked instead."]
    if mode == "as_given":
        return ["Pinned by the parameters (decide: as_given): the configuration as given is shipped; the study's "
                "recommendation is shown for comparison only."]
    out = [f"Rule: the cheapest first month among the {rule['candidates']} of {rule['configurations']} configurations "
           f"that are {', '.join(rule['constraints'])}; ties go to the lower expected egress loss, then the lower "
           f"cost over {rule['horizon_months']} months, then the engine major that stays in standard support longest."]
    if rule["decided_by"] == "monthly":
        runner = rule.get("runner_up")
        out.append("It is the cheapest outright" + (
            f"; the next, {runner['description']}, costs {signed_money(runner['monthly_usd'] - rule['winner']['monthly_usd'])}"
            f" a month more." if runner else "."))
    else:
        out.append(_tie_sentence(rule))
    if rejected := rule.get("cheaper_rejected"):
        out.append(f"Cheaper but outside the constraints: {rejected['description']} at "
                   f"{money(rejected['monthly_usd'])}/month ({', '.join(rejected['why']) or 'a constraint'}).")
    if invalid := rule.get("cheaper_invalid"):
        out.append(f"Cheaper but invalid: {invalid['description']} at {money(invalid['monthly_usd'])}/month "
                   "(see Ruled out, and why).")
    return out


def changes(as_given: Mapping[str, Any], decided: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The study's keys whose value differs, as given -> decided."""
    a, b = as_given.get("keys") or {}, decided.get("keys") or {}
    return [{"key": k, "as_given": a.get(k), "decided": b.get(k)} for k in VARIED_KEYS if a.get(k) != b.get(k)]


def _delta_words(delta: float, what: str, would: bool) -> str:
    save, cost = ("would save", "would cost") if would else ("saves", "costs")
    if round(delta, 2) == 0:
        return f"{cost} the same {what}"
    return f"{save} {money(-delta)} {what}" if delta < 0 else f"{cost} {money(delta)} more {what}"


def difference_sentence(as_given: Mapping[str, Any], decided: Mapping[str, Any], horizon_months: int, *,
                        subject: str = "the decision", would: bool = False) -> str:
    """``decided`` against the configuration as given, in money, per month and over the horizon."""
    a_month, b_month = as_given.get("monthly_usd"), decided.get("monthly_usd")
    if a_month is None or b_month is None:
        return "The difference against the configuration as given is unknown: a price is missing."
    monthly = b_month - a_month
    horizon = (decided.get("horizon_usd") or 0.0) - (as_given.get("horizon_usd") or 0.0)
    head = (f"Against the configuration as given ({money(a_month)}/month, {money(as_given.get('horizon_usd'))} over "
            f"{horizon_months} months), {subject} ")
    if round(monthly, 2) == 0 and round(horizon, 2) == 0:
        return head + ("would cost the same." if would else "costs the same.")
    return head + (f"{_delta_words(monthly, 'a month', would)} and "
                   f"{_delta_words(horizon, f'over {horizon_months} months', would)}.")


def risk_sentences(decided: Mapping[str, Any], assumptions: Mapping[str, Any]) -> list[str]:
    """What one AZ outage does to the decided configuration, under the stated assumptions."""
    loss = decided.get("az_loss") or {}
    rate, hours = assumptions.get("assumed_az_outages_per_year"), assumptions.get("assumed_az_outage_hours")
    out = []
    if loss.get("egress"):
        out.append(f"AZ outage, egress: {loss['egress']}; expected egress lost by the healthy AZs: "
                   f"{hours_per_year(decided.get('egress_outage_hours_per_year'))}.")
    if loss.get("database"):
        out.append(f"AZ outage, database: {loss['database']}; expected writes lost: "
                   f"{hours_per_year(decided.get('db_outage_hours_per_year'))}.")
    out.append(f"Both rest on ASSUMED AZ outages ({rate} per AZ per year, {hours} h each), not AWS figures.")
    return out
