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

from infrakit.core.text import strip_ansi
from infrakit.report.display import hours, money

# Cells the report never shows: set-up cells, the parameter cells (the appendix lists the
# parameters instead) and papermill's error banners (a failed run gets a failure page).
HIDDEN_CELL_TAGS = {"report-skip", "parameters", "injected-parameters", "papermill-error-cell-tag"}

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --ok:#1a7f37; --bad:#cf222e;
        --warn:#9a6700; --info:#0969da; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; } h3 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 16px; }
a { color: var(--info); }
.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px;
         border: 1px solid currentColor; vertical-align: 1px; }
.badge-ok, .badge-passed { color: var(--ok); } .badge-failed { color: var(--bad); } .badge-caught { color: var(--warn); }
.badge-skipped, .badge-unavailable { color: var(--muted); }
.summary { border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; background: var(--soft); }
.summary .choice { font-size: 17px; margin: 0 0 6px; }
.reason { color: var(--muted); margin: 4px 0 12px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 10px 0; }
.figure-card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.figure-card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.figure-card .value { font-size: 18px; font-weight: 600; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
                               vertical-align: top; overflow-wrap: anywhere; }
table.data th { background: var(--soft); font-weight: 600; }
table.data td:has(> .num) { text-align: right; }
.table { overflow-x: auto; } #comparison { table-layout: fixed; }
[data-table="preflight"] td:nth-child(2) { white-space: nowrap; }
details > summary { cursor: pointer; color: var(--info); font-size: 13px; } .caption, figcaption { color: var(--muted); font-size: 12px; margin: 2px 0 12px; }
figure.chart { margin: 12px 0 20px; } figure.chart img { max-width: 100%; height: auto; display: block; }
.note { border-left: 4px solid var(--info); background: #ddf4ff; padding: 6px 12px; margin: 10px 0; }
.note p { margin: 0; } .note-unavailable, .note-warning { border-color: var(--warn); background: #fff8c5; }
.note-error { border-color: var(--bad); background: #ffebe9; }
.step { margin: 8px 0; }
dl.pairs { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 13px; }
dl.pairs dt { color: var(--muted); } dl.pairs dd { margin: 0; word-break: break-word; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto;
      font-size: 12px; }
.notebook .anchor-link { display: none; }
.notebook h1 { font-size: 22px; margin-top: 44px; border-bottom: 2px solid var(--ink); }
.notebook .output_subarea { margin: 0; }
.notebook .prompt { display: none; }
nav.toc { font-size: 13px; color: var(--muted); } nav.toc a { margin-right: 12px; }
@media print { main { max-width: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
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
    return f'<span class="badge badge-{_e(status)}">{_e(status.upper())}</span>'


def _figure_cards(items: Mapping[str, str]) -> str:
    return '<div class="figures">' + "".join(
        f'<div class="figure-card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div></div>'
        for k, v in items.items()) + "</div>"


def _pairs(items: Mapping[str, Any]) -> str:
    return '<dl class="pairs">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items.items()) + "</dl>"


def preflight_verdict(decision: Mapping[str, Any] | None) -> str:
    step = (decision or {}).get("steps", {}).get("preflight")
    if not step:
        return "not run"
    if step["status"] == "unavailable":
        return "not available yet"
    if step.get("passed"):
        return "passed"
    return f"failed: {', '.join(dict.fromkeys(step.get('errors', [])))}"


def deploy_verdict(decision: Mapping[str, Any] | None) -> str:
    step = (decision or {}).get("steps", {}).get("deploy")
    if not step:
        return "not run"
    if step["status"] == "unavailable":
        return "not available yet"
    if step["status"] == "skipped":
        return "skipped: " + step["headline"].removeprefix("Not deployed: ").rstrip(".")
    result = step.get("result") or {}
    return f"{step['status']}: {result.get('status', step['headline'])} ({result.get('target', step.get('target', ''))})"


def decided_figures(trade: Mapping[str, Any], decision: Mapping[str, Any] | None) -> dict[str, Any]:
    """The numbers of the configuration the decision shipped (recommended, or as given)."""
    mode = (decision or {}).get("choice", {}).get("mode", "recommended")
    picked = trade.get("as_given") if mode == "as_given" or not trade.get("recommended") else trade["recommended"]
    return picked or {}


def summary_section(trade: Mapping[str, Any], decision: Mapping[str, Any] | None) -> str:
    choice = (decision or {}).get("choice") or {}
    picked = decided_figures(trade, decision)
    mode = choice.get("mode", "recommended" if trade.get("recommended") else "as_given")
    label = "Recommendation" if mode == "recommended" else "Configuration as given (pinned)"
    why = choice.get("why") or trade.get("reason", "")
    cards = {
        "monthly (first month)": money(picked.get("monthly_usd")),
        f"over {trade['horizon_months']} months": money(picked.get("horizon_usd")),
        "egress lost per year": hours(picked.get("egress_outage_hours_per_year")),
        "preflight": preflight_verdict(decision),
        "deploy": deploy_verdict(decision),
    }
    out = [f'<section class="summary" id="summary"><p class="choice"><strong>{_e(label)}:</strong> '
           f'{_e(picked.get("description", "none"))}</p><p class="reason">{_e(why)}</p>', _figure_cards(cards)]
    given_step = (decision or {}).get("steps", {}).get("as_given")
    if given_step:
        out.append(f'<p class="as-given">{_status_badge("caught" if given_step["status"] == "failed" else "ok")} '
                   f'{_e(given_step["headline"])}</p>')
    out.append(f'<p class="reason">Egress hours are expected values under ASSUMED AZ outage rates '
               f'({_e(trade["assumptions"]["assumed_az_outages_per_year"])} per AZ per year, '
               f'{_e(trade["assumptions"]["assumed_az_outage_hours"])} h each), not AWS figures.</p></section>')
    return "".join(out)


def appendix(spec_source: str, parameters: Mapping[str, Any], trade: Mapping[str, Any] | None,
             provenance: Mapping[str, Any], timings: Mapping[str, Any]) -> str:
    parts = ['<h2 id="appendix">Appendix</h2>']
    if trade:
        catalogs = trade["catalogs"]
        parts.append("<h3>Assumptions</h3>" + _pairs({k: v for k, v in trade["assumptions"].items()}))
        parts.append("<h3>Catalogs</h3>" + _pairs({
            "prices": f"{catalogs['price_catalog']['path']}: effective {catalogs['price_catalog']['effective_from']}"
                      f" to {catalogs['price_catalog']['effective_to']}",
            "engine versions": f"{catalogs['engine_catalog']['path']}: snapshot "
                               f"{catalogs['engine_catalog']['snapshot_date']}"}))
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


def report_page(*, name: str, source: str, parameters: Mapping[str, Any], trade: Mapping[str, Any],
                decision: Mapping[str, Any], bodies: Sequence[str], provenance: Mapping[str, Any],
                timings: Mapping[str, float]) -> str:
    git = provenance["git"]["commit"]
    body = ['<p class="meta"><a href="../index.html">All runs</a></p>',
            f"<h1>{_e(name)}: decision report {_status_badge('ok')}</h1>",
            f'<p class="meta">{_e(trade["region"])} · priced from {_e(trade["start_date"])} for '
            f'{_e(trade["horizon_months"])} months · generated {_e(provenance["generated_at"])} · commit {_e(git[:12])}</p>',
            '<nav class="toc"><a href="#summary">Summary</a><a href="#trade-offs">Trade-offs</a>'
            '<a href="#decision">Decision</a><a href="#appendix">Appendix</a></nav>',
            summary_section(trade, decision),
            '<section id="trade-offs">', bodies[0], "</section>",
            '<section id="decision">', bodies[1] if len(bodies) > 1 else "", "</section>",
            appendix(source, parameters, trade, provenance, timings)]
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


def index_page(runs: Sequence[Mapping[str, Any]], provenance: Mapping[str, Any]) -> str:
    rows = []
    for run in runs:
        rows.append(
            f'<tr data-scenario="{_e(run["name"])}"><td><a href="{_e(run["href"])}">{_e(run["name"])}</a></td>'
            f'<td>{_status_badge(run["status"])}</td><td>{_e(money(run.get("monthly_usd")) if run["status"] == "ok" else "")}</td>'
            f'<td>{_e(run.get("recommendation") or run.get("error", ""))}</td><td>{_e(run.get("preflight", ""))}</td>'
            f'<td>{_e(run.get("deploy", ""))}</td><td>{run["duration_s"]:.1f} s</td></tr>')
    table = ('<table class="data" id="runs"><thead><tr><th>scenario</th><th>status</th><th>monthly</th>'
             '<th>recommendation</th><th>preflight</th><th>deploy</th><th>time</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table>")
    comparison = comparison_table(runs)
    failed = sum(1 for r in runs if r["status"] != "ok")
    git = provenance["git"]
    body = ["<h1>infrakit decision reports</h1>",
            f'<p class="meta">{len(runs)} run(s), {failed} failed · generated {_e(provenance["generated_at"])} · '
            f'commit {_e(git["commit"][:12])}{" (uncommitted changes)" if git.get("dirty") else ""}</p>',
            "<h2>Runs</h2>", table, '<h2 id="compare">Side by side</h2>',
            '<p class="meta">Each column is one run. "As given" is the parameter file\'s own configuration; '
            '"decided" is what the decision notebook synthesized, preflighted and deployed.</p>', comparison]
    return page("infrakit decision reports", "".join(body))


COMPARISON_ROWS = (
    ("status", "status"), ("decided configuration", "recommendation"), ("monthly (decided)", "monthly"),
    ("horizon (decided)", "horizon"), ("egress lost per year (decided)", "egress"), ("preflight (decided)", "preflight"),
    ("deploy", "deploy"), ("as given", "as_given"), ("monthly (as given)", "as_given_monthly"),
    ("what the kit says about the configuration as given", "as_given_verdict"),
)


def comparison_table(runs: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f'<th><a href="{_e(r["href"])}">{_e(r["name"])}</a></th>' for r in runs)
    body = []
    for label, key in COMPARISON_ROWS:
        cells = []
        for run in runs:
            value = run.get("compare", {}).get(key, "")
            cells.append(f"<td>{_e(value)}</td>")
        body.append(f"<tr><th>{_e(label)}</th>{''.join(cells)}</tr>")
    return (f'<div class="table"><table class="data" id="comparison"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
