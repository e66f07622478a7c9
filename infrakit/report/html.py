"""HTML pages: one decision report per scenario, a failure page when a notebook fails, and
``index.html`` over the batch. Self-contained: inline CSS, charts as data: URIs, no
JavaScript and nothing fetched from a CDN, so a report opens offline and attached to a mail.

Notebook bodies come from nbconvert's ``basic`` template (no page chrome, none of the lab
template's require.js/MathJax script tags) with code hidden; this module wraps them in the
page: summary first, then the notebooks' tables and charts, then the appendix.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infrakit.core.text import signed_money, strip_ansi
from infrakit.report.display import NO_MATH, hours, money
from infrakit.report.page_summary import deploy_verdict, preflight_verdict, status_badge, summary_section
from infrakit.report.status import STATUSES, gate, run_verdict

__all__ = ["deploy_verdict", "failure_page", "hours", "index_page", "load_json", "money", "notebook_body", "page",
           "preflight_verdict", "report_page"]

# Cells the report never shows: set-up cells, the parameter cells (the appendix lists the
# parameters instead), papermill's error banners (a failed run gets a failure page) and the
# notebooks' own summaries, which the page's summary says once for both notebooks.
HIDDEN_CELL_TAGS = {"report-skip", "report-summary", "parameters", "injected-parameters", "papermill-error-cell-tag"}

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --ok:#1a7f37; --bad:#cf222e;
        --warn:#9a6700; --info:#0969da; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 8px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p, li, dd, figcaption, .caption { overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 16px; }
a { color: var(--info); }
code { overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px;
         border: 1px solid currentColor; vertical-align: 1px; white-space: nowrap; }
.badge-ok, .badge-passed { color: var(--ok); } .badge-failed { color: var(--bad); }
.badge-caught, .badge-attention { color: var(--warn); }
.badge-skipped, .badge-unavailable, .badge-interrupted { color: var(--muted); }
.summary { border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; background: var(--soft); }
.summary h3 { font-size: 14px; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.summary .choice { font-size: 17px; margin: 10px 0 6px; }
.summary p { margin: 4px 0; }
.status { border-left: 4px solid var(--ok); background: #fff; padding: 6px 12px; border-radius: 4px; }
.status p { margin: 0; font-weight: 600; } .status ul { margin: 4px 0 0; padding-left: 20px; font-size: 14px; }
.status-attention { border-color: var(--warn); background: #fff8c5; }
.status-failed { border-color: var(--bad); background: #ffebe9; }
.reason { color: var(--muted); margin: 4px 0 12px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; margin: 10px 0; }
.figure-card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 0; }
.figure-card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.figure-card .value { font-size: 17px; font-weight: 600; overflow-wrap: anywhere; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
                               vertical-align: top; }
table.data td { overflow-wrap: anywhere; }
table.data td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.data td.id { overflow-wrap: normal; word-break: normal; } table.data td.code { white-space: nowrap; }
table.data th { background: var(--soft); font-weight: 600; overflow-wrap: normal; word-break: normal; hyphens: none; }
table.changes { width: auto; font-size: 14px; background: #fff; } table.changes td:nth-child(3) { color: var(--muted); }
#comparison { table-layout: fixed; } #comparison th { overflow-wrap: anywhere; }
details > summary { cursor: pointer; color: var(--info); font-size: 13px; }
.caption, figcaption { color: var(--muted); font-size: 12px; margin: 2px 0 12px; }
figure.chart { margin: 12px 0 20px; } figure.chart img { max-width: 100%; height: auto; display: block; }
.note { border-left: 4px solid var(--info); background: #ddf4ff; padding: 6px 12px; margin: 10px 0; }
.note p { margin: 0; } .note-unavailable, .note-warning { border-color: var(--warn); background: #fff8c5; }
.note-error { border-color: var(--bad); background: #ffebe9; }
.step { margin: 8px 0; } .step p { overflow-wrap: anywhere; }
ul.break-evens li { margin: 4px 0; }
dl.pairs { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; font-size: 13px; }
dl.pairs dt { color: var(--muted); } dl.pairs dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; font-size: 12px;
      white-space: pre-wrap; overflow-wrap: anywhere; }
.notebook .anchor-link { display: none; }
.notebook h1 { font-size: 22px; margin-top: 44px; border-bottom: 2px solid var(--ink); }
.notebook .output_subarea, .notebook .jp-OutputArea-output { margin: 0; min-width: 0; }
.notebook .prompt { display: none; }
nav.toc { font-size: 13px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 14px; }
@media (max-width: 900px) { main { padding: 16px 14px 48px; } table.data { font-size: 12px; }
  table.data th, table.data td { padding: 3px 5px; } }
@media print { main { max-width: none; padding: 0; } nav.toc { display: none; } h2, h3 { break-after: avoid; }
  figure, figure.chart img, .figure-card, tr, .status { break-inside: avoid; }
  figure.chart img { max-height: 24cm; width: auto; } .summary { break-inside: auto; } }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title)}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n')


def notebook_body(path: Path) -> str:
    """An executed notebook as HTML: outputs only (no code, no prompts), hidden cells dropped."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = HIDDEN_CELL_TAGS
    exporter = HTMLExporter(template_name="basic", config=config)
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    return f'<div class="notebook">{body}</div>'


def _status_badge(status: str) -> str:
    return status_badge(status)


def _pairs(items: Mapping[str, Any]) -> str:
    return '<dl class="pairs">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items.items()) + "</dl>"


def _suppressed(decision: Mapping[str, Any] | None) -> str:
    """The findings preflight suppressed on the kit's own stack: their count, rules and reasons."""
    step = (decision or {}).get("steps", {}).get("preflight") or {}
    findings = [f for f in (step.get("report") or {}).get("findings", []) if f.get("suppressed")]
    if not step:
        return ""
    head = (f'<h3 id="suppressed">Preflight findings suppressed by design</h3><p class="meta">{len(findings)} '
            "finding(s) on the kit's own stack are the design, each with its reason; they do not count as "
            "warnings.</p>")
    if not findings:
        return head
    by_rule: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        by_rule.setdefault((finding["rule_id"], finding.get("suppression_reason") or ""), []).append(
            finding.get("resource") or "(template)")
    rows = "".join(f'<tr><td class="code">{_e(rule)}</td><td class="num">{len(resources)}</td><td>{_e(reason)}</td>'
                   f"<td>{_e(', '.join(resources))}</td></tr>" for (rule, reason), resources in by_rule.items())
    return (head + '<div class="table" data-table="suppressed"><table class="data"><thead><tr><th>rule</th>'
            f"<th>findings</th><th>reason</th><th>resources</th></tr></thead><tbody>{rows}</tbody></table></div>")


def appendix(spec_source: str, parameters: Mapping[str, Any], trade: Mapping[str, Any] | None,
             provenance: Mapping[str, Any], timings: Mapping[str, Any],
             decision: Mapping[str, Any] | None = None) -> str:
    """What the run rests on beyond the page: suppressed findings, parameters, versions. (Usage,
    assumptions and the catalogs' dates are in the trade-offs' "Usage and assumptions".)"""
    parts = ['<h2 id="appendix">Appendix</h2>', _suppressed(decision)]
    parts.append(f"<h3>Parameters</h3><p class=\"meta\">From {_e(_shown_path(spec_source))} (every other key at its "
                 f"default)</p>"
                 + _pairs(parameters or {"(none)": "all defaults"}))
    git = provenance["git"]
    parts.append("<h3>Run</h3>" + _pairs({
        "generated": provenance["generated_at"],
        "git commit": f"{git['commit']}{' (with uncommitted changes)' if git.get('dirty') else ''}",
        "timings (s)": ", ".join(f"{k} {v:.2f}" for k, v in timings.items()),
    }))
    parts.append("<h3>Versions</h3>" + _pairs(provenance["versions"]))
    return "".join(parts)


def _shown_path(path: str) -> str:
    """Relative to the working directory when inside it: reports are shared, home paths are noise."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


SECTIONS = (("summary", "Summary"), ("trade-offs", "Trade-offs"), ("Usage-and-assumptions", "Usage and assumptions"),
            ("Sensitivity", "Sensitivity"), ("decision", "Decision"), ("appendix", "Appendix"))


def report_page(*, name: str, source: str, parameters: Mapping[str, Any], trade: Mapping[str, Any],
                decision: Mapping[str, Any], bodies: Sequence[str], provenance: Mapping[str, Any],
                timings: Mapping[str, float]) -> str:
    git = provenance["git"]["commit"]
    verdict = gate(run_verdict(trade, decision), str(parameters.get("fail_on", "failed")))  # as the index counts it
    nav = "".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in SECTIONS)
    body = ['<p class="meta"><a href="../index.html">All runs</a></p>',
            f"<h1>{_e(name)}: decision report {_status_badge(verdict.status)}</h1>",
            f'<p class="meta">{_e(trade["region"])} · priced from {_e(trade["start_date"])} for '
            f'{_e(trade["horizon_months"])} months · generated {_e(provenance["generated_at"])} · commit {_e(git[:12])}</p>',
            f'<nav class="toc">{nav}</nav>',
            summary_section(trade, decision, verdict),
            '<section id="trade-offs">', bodies[0], "</section>",
            '<section id="decision">', bodies[1] if len(bodies) > 1 else "", "</section>",
            appendix(source, parameters, trade, provenance, timings, decision)]
    return page(f"{name}: decision report", "".join(body))


def failure_page(*, name: str, source: str, parameters: Mapping[str, Any], failure: Mapping[str, Any],
                 notebooks: Mapping[str, str], provenance: Mapping[str, Any], timings: Mapping[str, float]) -> str:
    where = (f"cell {failure['cell_index']} (In [{failure.get('exec_count') or ' '}])"
             if failure.get("cell_index") is not None else "before any cell ran")
    links = "".join(f'<li><a href="{_e(href)}">{_e(label)}</a></li>' for label, href in notebooks.items())
    body = ['<p class="meta"><a href="../index.html">All runs</a></p>',
            f"<h1>{_e(name)}: run failed {_status_badge('failed')}</h1>",
            f'<p class="meta">generated {_e(provenance["generated_at"])} · commit {_e(provenance["git"]["commit"][:12])}</p>',
            '<section class="summary" id="summary">',
            f'<p class="choice"><strong>The {_e(failure["notebook"])} notebook failed at {_e(where)}</strong></p>',
            f'<p><code>{_e(failure["ename"])}</code>: {_e(failure["evalue"])}</p></section>',
            "<h2>The failing cell</h2>" + (f"<pre>{_e(failure['source'])}</pre>" if failure.get("source") else
                                            "<p>No cell: the kernel did not start or died.</p>"),
            f"<h2>Traceback</h2><pre>{_e(strip_ansi(failure.get('traceback') or ''))}</pre>",
            f"<h2>Executed notebooks</h2><p>Kept for debugging (open them in Jupyter):</p><ul>{links}</ul>",
            appendix(source, parameters, None, provenance, timings)]
    return page(f"{name}: run failed", "".join(body))


def interrupted_page(*, name: str, reason: str, earlier: str | None, provenance: Mapping[str, Any]) -> str:
    """An interrupted run's page: what stopped it, and the earlier run's page when one is there."""
    body = ['<p class="meta"><a href="../index.html">All runs</a></p>',
            f"<h1>{_e(name)}: interrupted {_status_badge('interrupted')}</h1>",
            f'<p class="meta">generated {_e(provenance["generated_at"])} · commit {_e(provenance["git"]["commit"][:12])}</p>',
            f'<section class="summary" id="summary"><p>{_e(reason)}</p>',
            (f'<p>This folder still holds an earlier, complete run (from {_e(earlier)}): '
             f'<a href="report.html">its report</a> is not this run\'s.</p>' if earlier else
             "<p>No earlier run of this scenario is in this folder.</p>"),
            "<p>Run <code>infrakit report</code> again to produce this scenario's report.</p></section>"]
    return page(f"{name}: interrupted", "".join(body))


def _link(run: Mapping[str, Any]) -> str:
    """The run's name, linked to its page when it has one (a run whose files could not be
    written may have none)."""
    if not run.get("href"):
        return _e(run["name"])
    return f'<a href="{_e(run["href"])}">{_e(run["name"])}</a>'


def _index_row(run: Mapping[str, Any]) -> str:
    status = run["status"]
    # A failed run's cost is shown too: what failed is in its reasons, and the figure is the decided one's.
    shown_cost = run.get("monthly_usd") is not None
    delta = ""
    if shown_cost and run.get("as_given_monthly_usd") is not None:
        delta = ("as given" if run.get("decision_is_as_given")
                 else f"{signed_money(run['monthly_usd'] - run['as_given_monthly_usd'])}/month")
    reasons = run.get("reasons") or ([run["error"]] if run.get("error") else [])
    why = "".join(f"<li>{_e(r)}</li>" for r in reasons)
    return (f'<tr data-scenario="{_e(run["name"])}" data-status="{_e(status)}"><td>{_link(run)}</td><td>{_status_badge(status)}'
            + (f'<ul class="reasons">{why}</ul>' if why and status != "ok" else "") + "</td>"
            f'<td class="num">{_e(money(run.get("monthly_usd")) if shown_cost else "")}</td>'
            f'<td class="num">{_e(delta)}</td><td>{_e(run.get("recommendation") or "")}</td>'
            f'<td>{_e(run.get("preflight", ""))}</td><td>{_e(run.get("deploy", ""))}</td>'
            f'<td class="num">{run["duration_s"]:.1f} s</td></tr>')


def index_page(runs: Sequence[Mapping[str, Any]], provenance: Mapping[str, Any]) -> str:
    table = (f'<div class="table {NO_MATH}"><table class="data" id="runs"><thead><tr><th>scenario</th><th>status</th>'
             '<th>monthly</th><th>vs as given</th><th>decided configuration</th><th>preflight</th><th>deploy</th>'
             '<th>time</th></tr></thead><tbody>' + "".join(_index_row(r) for r in runs) + "</tbody></table></div>")
    counts = {s: sum(1 for r in runs if r["status"] == s) for s in (*STATUSES, "interrupted")}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"
    git = provenance["git"]
    body = ["<h1>infrakit decision reports</h1>",
            f'<p class="meta">{len(runs)} run(s): {_e(tally)} · generated {_e(provenance["generated_at"])} · '
            f'commit {_e(git["commit"][:12])}{" (uncommitted changes)" if git.get("dirty") else ""}</p>',
            "<h2>Runs</h2>", table, '<h2 id="compare">Side by side</h2>',
            '<p class="meta">Each column is one run. "As given" is the parameter file\'s own configuration; '
            '"decided" is what the decision notebook synthesized, preflighted and deployed.</p>', comparison_table(runs)]
    return page("infrakit decision reports", "".join(body))


COMPARISON_ROWS = (
    ("status", "status"), ("decided configuration", "recommendation"), ("monthly (decided)", "monthly"),
    ("horizon (decided)", "horizon"), ("egress lost per year (decided)", "egress"), ("preflight (decided)", "preflight"),
    ("deploy", "deploy"), ("as given", "as_given"), ("monthly (as given)", "as_given_monthly"),
    ("what the kit says about the configuration as given", "as_given_verdict"),
)


def comparison_table(runs: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f"<th>{_link(r)}</th>" for r in runs)
    body = []
    for label, key in COMPARISON_ROWS:
        cells = []
        for run in runs:
            value = run.get("compare", {}).get(key, "")
            cells.append(f"<td>{_e(value)}</td>")
        body.append(f"<tr><th>{_e(label)}</th>{''.join(cells)}</tr>")
    return (f'<div class="table {NO_MATH}"><table class="data" id="comparison"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
