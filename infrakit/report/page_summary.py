"""The report page's summary, first and once: the run's status with its reasons, the decision,
what changes against the configuration as given (key by key), the monthly and horizon
difference, the rule that decided (tie-breaks included), and the risk in words.

Built from the results files (``trade_offs.json``, ``decision.json``) by the runner; the
notebooks' own summary cells are tagged ``report-summary`` and left out of the page, so no
sentence is said twice.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from infrakit.core.text import hours_per_year, money, signed_money
from infrakit.report import explain
from infrakit.report.display import NO_MATH
from infrakit.report.status import OK, Verdict, decided_figures

STATUS_WORDS = {"ok": "Safe to ship as decided.", "attention": "Can ship, but read this first:",
                "failed": "Must not ship as it is:"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def status_badge(status: str) -> str:
    return f'<span class="badge badge-{_e(status)}">{_e(status.upper())}</span>'


def status_block(verdict: Verdict) -> str:
    reasons = "".join(f"<li>{_e(r)}</li>" for r in verdict.reasons)
    return (f'<div class="status status-{_e(verdict.status)}" data-status="{_e(verdict.status)}"><p>'
            f'{status_badge(verdict.status)} {_e(STATUS_WORDS[verdict.status])}</p>'
            + (f'<ul class="reasons">{reasons}</ul>' if verdict.status != OK and reasons else "") + "</div>")


def preflight_verdict(decision: Mapping[str, Any] | None) -> str:
    step = (decision or {}).get("steps", {}).get("preflight")
    if not step:
        return "not run"
    if step.get("passed"):
        return "passed"
    return f"failed: {', '.join(dict.fromkeys(step.get('errors', [])))}"


def deploy_verdict(decision: Mapping[str, Any] | None) -> str:
    step = (decision or {}).get("steps", {}).get("deploy")
    if not step:
        return "not run"
    if step["status"] == "skipped":
        return "skipped: " + step["headline"].removeprefix("Not deployed: ").rstrip(".")
    result = step.get("result") or {}
    return f"{step['status']}: {result.get('status', step['headline'])} ({result.get('target', step.get('target', ''))})"


def _cards(items: Mapping[str, str]) -> str:
    return '<div class="figures">' + "".join(
        f'<div class="figure-card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div></div>'
        for k, v in items.items()) + "</div>"


def _changes_table(as_given: Mapping[str, Any], decided: Mapping[str, Any]) -> str:
    rows = explain.changes(as_given, decided)
    if not rows:
        return '<p class="changes-none">No change: the decision is the configuration as given.</p>'
    body = "".join(f'<tr data-key="{_e(r["key"])}"><td><code>{_e(r["key"])}</code></td><td>{_e(r["as_given"])}</td>'
                   f'<td>→</td><td><strong>{_e(r["decided"])}</strong></td></tr>' for r in rows)
    return ('<table class="data changes" id="changes"><thead><tr><th>what changes</th><th>as given</th><th></th>'
            f'<th>decided</th></tr></thead><tbody>{body}</tbody></table>')


def _mode(trade: Mapping[str, Any], decision: Mapping[str, Any] | None) -> str:
    return ((decision or {}).get("choice") or {}).get("mode") or ("recommended" if trade.get("recommended")
                                                                   else "as_given")


def summary_section(trade: Mapping[str, Any], decision: Mapping[str, Any] | None, verdict: Verdict) -> str:
    picked = decided_figures(trade, decision)
    given = trade.get("as_given") or {}
    mode = _mode(trade, decision)
    horizon = trade["horizon_months"]
    label = {"recommended": "the recommendation", "as_given": "the configuration as given"}[mode]
    if mode == "as_given" and trade.get("recommended") is None:
        label += " (nothing met the constraints)"
    delta = (None if picked.get("monthly_usd") is None or given.get("monthly_usd") is None
             else picked["monthly_usd"] - given["monthly_usd"])
    cards = {
        "monthly (first month)": money(picked.get("monthly_usd")),
        f"over {horizon} months": money(picked.get("horizon_usd")),
        "vs as given, per month": "no change" if picked.get("config_id") == given.get("config_id") else
        (signed_money(delta) if delta is not None else "unknown"),
        "egress lost per year": hours_per_year(picked.get("egress_outage_hours_per_year")),
        "preflight": preflight_verdict(decision),
        "deploy": deploy_verdict(decision),
    }
    rule = explain.rule_sentences(trade.get("decision_rule") or {"configurations": trade.get("configurations"),
                                                                  "constraints": [], "winner": None}, mode)
    parts = [f'<section class="summary {NO_MATH}" id="summary">', status_block(verdict),
             f'<p class="choice"><strong>Decision:</strong> {_e(picked.get("description", "none"))} '
             f'<span class="meta">({_e(label)})</span></p>',
             _changes_table(given, picked), _cards(cards)]
    if picked.get("config_id") != given.get("config_id"):
        parts.append(f'<p class="difference">{_e(explain.difference_sentence(given, picked, horizon))}</p>')
    recommended = trade.get("recommended") or {}
    if mode == "as_given" and recommended and recommended.get("config_id") != given.get("config_id"):
        changed = ", ".join(f"{c['key']} {c['as_given']} → {c['decided']}" for c in explain.changes(given, recommended))
        parts.append(f'<p class="difference">Not shipped, the study\'s recommendation: {_e(recommended["description"])} '
                     f'({_e(changed)}). {_e(explain.difference_sentence(given, recommended, horizon, subject="it", would=True))}'
                     '</p>')
    parts.append('<h3>Why</h3>' + "".join(f'<p class="rule">{_e(t)}</p>' for t in rule))
    parts.append('<h3>Risk</h3>' + "".join(f'<p class="risk">{_e(t)}</p>'
                                           for t in explain.risk_sentences(picked, trade.get("assumptions") or {})))
    parts.append("</section>")
    return "".join(parts)
