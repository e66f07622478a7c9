"""``summary.md``: the batch in Markdown for a pull request comment, one row per scenario
(status, the decision, monthly and horizon cost, the difference against the configuration
as given, preflight, deploy) and the reasons of every run that is not ok.

Built from the index entries (``reports/index.json``'s ``runs``), so the page, the index
and the Markdown say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infrakit.core.text import money, signed_money

STATUS_MARK = {"ok": "✅ ok", "attention": "⚠️ attention", "failed": "❌ failed", "interrupted": "⏹ interrupted"}


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (pipes and newlines would break the row) and from
    maths: GitHub typesets "$487.23/month ($17,540.39" between two dollar signs, so every "$" is
    escaped (CommonMark renders "\\$" as "$")."""
    return str(text if text is not None else "").replace("|", "\\|").replace("$", "\\$").replace("\n", " ").strip()


def _difference(entry: Mapping[str, Any]) -> str:
    decided, given = entry.get("monthly_usd"), entry.get("as_given_monthly_usd")
    if decided is None or given is None:
        return "n/a"
    if entry.get("decision_is_as_given"):
        return "as given"
    return f"{signed_money(decided - given)}/month"


def _changes(entry: Mapping[str, Any]) -> str:
    """What the decision changes against the configuration as given, key by key."""
    moved = entry.get("changes") or []
    if not moved:
        return "as given" if entry.get("recommendation") else "n/a"
    return ", ".join(f"`{c['key']}` {c['as_given']} → {c['decided']}" for c in moved)


def summary_markdown(entries: Sequence[Mapping[str, Any]], *, title: str = "infrakit report") -> str:
    counts = {s: sum(1 for e in entries if e.get("status") == s) for s in STATUS_MARK}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines = [f"## {title}", "", f"{len(entries)} scenario(s): {tally or 'none'}.", "",
             "| scenario | status | decision | changes | monthly | horizon | vs as given | preflight | deploy |",
             "|---|---|---|---|---:|---:|---:|---|---|"]
    for entry in entries:
        lines.append("| " + " | ".join(_cell(v) for v in (
            entry.get("name"), STATUS_MARK.get(entry.get("status"), entry.get("status")),
            entry.get("recommendation") or "n/a", _changes(entry), money(entry.get("monthly_usd")),
            money(entry.get("horizon_usd")),
            _difference(entry), entry.get("preflight", "not run"), entry.get("deploy", "not run"))) + " |")
    troubled = [e for e in entries if e.get("status") != "ok"]
    if troubled:
        lines += ["", "### Why"]
        for entry in troubled:
            reasons = entry.get("reasons") or ([entry["error"]] if entry.get("error") else [])
            lines.append(f"- **{_cell(entry.get('name'))}** ({entry.get('status')}): "
                         + ("; ".join(_cell(r) for r in reasons) or "no reason recorded"))
    return "\n".join(lines) + "\n"
