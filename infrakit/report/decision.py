"""The decision notebook's steps: choose the configuration, synthesize it, preflight it, read
its cost back from the template, deploy it, and show the outputs.

Preflight (``infrakit.preflight``) and deploy (``infrakit.deploy``) are the kit's own jobs,
always part of it: a step that cannot run (a module that does not import, any exception)
fails the notebook, and the report shows the failure; no step ever invents a result, and a
requested deploy that did not happen is never a pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cost_model import cost_scenario, cost_template
from cost_model.pricing import round_usd
from infrakit.core.errors import InfrakitError
from infrakit.core.files import FolderLock
from infrakit.core.paths import cache_dir
from infrakit.core.schema import deployability_problems
from infrakit.report.display import Table, money, no_math
from infrakit.report.params import ReportOptions
from infrakit.report.trade_offs import VARIED_KEYS, TradeOffs, describe


@dataclass
class Step:
    """One step's outcome: ``status`` is ok, failed (a real negative result, such as preflight
    errors or a refused deploy) or skipped (by choice, or after preflight errors)."""

    name: str
    status: str
    headline: str
    data: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    table: pd.DataFrame | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "headline": self.headline, "duration_s": round(self.duration_s, 3),
                **self.data}

    def _repr_html_(self) -> str:
        # A configuration as given that the kit refuses is a catch, not a failure of the run.
        label = "caught" if (self.name, self.status) == ("as_given", "failed") else self.status
        body = (f'<div class="step step-{self.status}" data-step="{html.escape(self.name)}">'
                f'<p><span class="badge badge-{self.status}">{html.escape(label.upper())}</span> '
                f'{html.escape(self.headline)}</p>')
        if self.table is not None and len(self.table):
            table = Table(self.table, name=self.name)._repr_html_()
            if len(self.table) > 12:  # long lists fold away; <details> needs no script
                table = f"<details><summary>{len(self.table)} rows</summary>{table}</details>"
            body += table
        return no_math(body + "</div>")


@dataclass(frozen=True)
class Choice:
    scenario: dict[str, Any]
    mode: str  # "recommended" or "as_given"
    why: str
    config_id: int

    @property
    def description(self) -> str:
        return describe(self.scenario)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "why": self.why, "description": self.description, "config_id": self.config_id,
                "keys": {k: self.scenario[k] for k in VARIED_KEYS}}


def choose(trade_offs: TradeOffs, options: ReportOptions) -> Choice:
    """The configuration to ship: the study's recommendation, unless the parameters pin the
    file's own configuration (``decide: as_given``) or nothing meets the constraints."""
    if options.decide == "as_given":
        return Choice(trade_offs.scenario, "as_given", "Pinned by the parameters (decide: as_given).",
                      trade_offs.as_given)
    if trade_offs.recommended is None:
        return Choice(trade_offs.scenario, "as_given",
                      "No configuration of the study meets the constraints, so the configuration as given is "
                      "checked instead: " + trade_offs.reason, trade_offs.as_given)
    return Choice(trade_offs.config(trade_offs.recommended), "recommended", trade_offs.reason,
                  trade_offs.recommended)


def synthesize(scenario: dict[str, Any]) -> tuple[Any, Step]:
    """The CDK stack for ``scenario`` (cached templates are reused). What only AWS would refuse
    (a deprecated engine) is still synthesized, so preflight can report on it."""
    start = time.perf_counter()
    from infra_lib.cdk.synth import synth

    result = synth(scenario, check_deployable=False)
    counts = result.resource_counts()
    step = Step("synth", "ok",
                f"{result.stack_name}: {sum(counts.values())} resources"
                f"{' (template from the synth cache)' if result.cached else ''}.",
                {"stack": result.stack_name, "cached": result.cached, "resource_counts": counts},
                time.perf_counter() - start,
                pd.DataFrame({"resource_type": list(counts), "count": list(counts.values())}))
    return result, step


def preflight_live(target: str) -> bool | None:
    """Preflight's ``live`` for what the decision deploys to, as `infrakit deploy` gates it:
    offline for the emulator (and for no deploy); for AWS ``None``, live when credentials are
    configured (the account's quotas, the region's offerings)."""
    return None if target == "aws" else False


def preflight(scenario: dict[str, Any], synth_result, *, target: str = "none") -> tuple[Any, Step]:
    """Preflight the decided configuration; for ``target`` aws as `infrakit deploy` would (its
    gate reuses this report, so a deploy from the report skips no live check)."""
    start = time.perf_counter()
    from infrakit.preflight import preflight_scenario

    session = None
    if target == "aws":
        from infrakit.aws_env import aws_session

        session = aws_session(scenario["region"])
    report = preflight_scenario(scenario, synth_result=synth_result, live=preflight_live(target), session=session)
    # Findings the kit suppresses on its own stack, by design and with a reason, stay out of
    # the table (the report's appendix counts and explains them); everything else is shown.
    shown = [f for f in report.findings if not f.suppressed]
    suppressed = len(report.findings) - len(shown)
    findings = pd.DataFrame([f.to_json() for f in shown],
                            columns=["severity", "rule_id", "resource", "message", "fix", "source"])
    if len(findings):
        rank = {"error": 0, "warning": 1, "info": 2}
        findings = findings.sort_values("severity", key=lambda s: s.map(rank), kind="stable")
        findings = findings[["severity", "rule_id", "resource", "message", "fix"]]  # source stays in the JSON
    errors = [f.rule_id for f in report.errors]
    headline = ("Passed: no error-severity finding" if report.passed else
                f"Failed: {len(errors)} error(s) ({', '.join(dict.fromkeys(errors))})")
    headline += f"; {len(report.warnings)} warning(s), {len(shown) - len(errors) - len(report.warnings)} note(s)"
    headline += f"; {suppressed} by-design finding(s) suppressed (see the appendix)." if suppressed else "."
    return report, Step("preflight", "ok" if report.passed else "failed", headline,
                        {"passed": report.passed, "errors": errors, "report": report.to_json()},
                        time.perf_counter() - start, findings)


def template_cost(scenario: dict[str, Any], synth_result) -> Step:
    """The cost read back from the synthesized template, and its agreement with the model."""
    start = time.perf_counter()
    model = cost_scenario(scenario)
    read_back = cost_template(synth_result.template, scenario)
    model_lines = pd.DataFrame(model.lines())
    template_lines = pd.DataFrame(read_back.lines())
    keys = ["component", "usage_type"]
    merged = (model_lines.groupby(keys, sort=False)["monthly_usd"].sum(min_count=1).rename("model_usd").to_frame()
              .join(template_lines.groupby(keys, sort=False)["monthly_usd"].sum(min_count=1).rename("template_usd"),
                    how="outer").reset_index())
    merged["difference_usd"] = merged["template_usd"] - merged["model_usd"]
    # Every figure traces to its prices.csv row: unit price, source and effective date per usage type.
    sources = template_lines.drop_duplicates(keys).set_index(keys)[
        ["unit_price_usd", "price_source", "price_effective_date"]]
    merged = merged.join(sources, on=keys)
    a, b = model.monthly_usd, read_back.monthly_usd
    agree = a is not None and b is not None and abs(a - b) < 0.005
    headline = (f"Template {money(b)}/month vs model {money(a)}/month: "
                + ("they agree to the cent." if agree else "they differ; see the lines below."))
    return Step("template_cost", "ok" if agree else "failed", headline,
                {"model_monthly_usd": a, "template_monthly_usd": b, "model_horizon_usd": model.horizon_usd,
                 "template_horizon_usd": read_back.horizon_usd, "agree": agree},
                time.perf_counter() - start,
                merged[keys + ["unit_price_usd", "model_usd", "template_usd", "difference_usd", "price_source",
                               "price_effective_date"]])


def deploy(scenario: dict[str, Any], *, target: str, preflight_report, out_dir: str | Path | None = None) -> Step:
    """Deploy to ``target`` (local emulator, aws, or none). A preflight with errors stops here:
    the point of preflight is that AWS never sees a stack it would refuse. The deploy's own
    files (log, outputs) go to ``out_dir``."""
    start = time.perf_counter()
    if target == "none":
        return Step("deploy", "skipped", "Not deployed: deploy_target is none.")
    if preflight_report is not None and not preflight_report.passed:
        return Step("deploy", "skipped",
                    f"Not deployed: preflight found {len(preflight_report.errors)} error(s); fix them first.")
    from infra_lib.cdk.synth import stack_name
    from infrakit.deploy import deploy_scenario

    log: list[str] = []
    try:
        # Deploys into one target take turns: scenarios of a batch can share a stack name
        # (PaymentApi-dev), and a user may point several kernels at one emulator. (The report
        # runner gives each scenario its own emulator, where the lock is uncontended.)
        with _deploy_lock(target, stack_name(scenario)):
            # Choosing a deploy_target in the parameters is the confirmation; a kernel cannot prompt.
            result = deploy_scenario(scenario, target=target, yes=True, out_dir=out_dir, progress=log.append,
                                     preflight_report=preflight_report)
    except InfrakitError as exc:
        return Step("deploy", "failed", f"Deploy to {target} failed: {exc}", {"target": target, "log": log[-40:]},
                    time.perf_counter() - start)
    data = result.to_json()
    outputs = data.get("outputs") or {}
    ok = result.ok
    headline = f"{data.get('stack', '')} on {target}: {data.get('status')} in {data.get('duration_s', 0):.1f} s"
    if data.get("message"):
        headline += f"; {data['message']}"
    table = pd.DataFrame({"output": list(outputs), "value": [str(v) for v in outputs.values()]})
    return Step("deploy", "ok" if ok else "failed", headline.rstrip(".") + ".",
                {"target": target, "result": data, "log": log[-40:]}, time.perf_counter() - start, table)


# How long a kernel waits for another kernel's deploy into the same target to finish.
DEPLOY_TURN_TIMEOUT_S = 600.0


@contextlib.contextmanager
def _deploy_lock(target: str, stack: str):
    """Kernels take turns deploying into one target: per emulator for local deploys, per stack on
    AWS. The lock lives in the kit's cache folder and its file goes with its release (nothing is
    left in the temporary folder)."""
    where = os.environ.get("AWS_ENDPOINT_URL", "") if target == "local" else f"aws|{stack}"
    key = hashlib.sha256(f"{target}|{where}".encode()).hexdigest()[:16]
    lock = FolderLock(cache_dir() / "locks" / f"decision-deploy-{key}", what=f"a deploy into {target}")
    lock.acquire_waiting(DEPLOY_TURN_TIMEOUT_S)
    try:
        yield
    finally:
        lock.release()


def check_as_given(trade_offs: TradeOffs, choice: Choice) -> Step | None:
    """When the decision differs from the file's own configuration: what the kit says about
    the configuration as given (its rules, and preflight)."""
    if choice.config_id == trade_offs.as_given:
        return None
    start = time.perf_counter()
    scenario = trade_offs.scenario
    row = trade_offs.row(trade_offs.as_given)
    problems = deployability_problems(scenario)
    data = {"description": describe(scenario), "monthly_usd": round_usd(row["monthly_usd"]),
            "horizon_usd": round_usd(row["horizon_usd"]),
            "egress_outage_hours_per_year": round_usd(row["egress_outage_hours_per_year"]),
            "valid": bool(row["valid"]), "problems": problems}
    from infra_lib.cdk.synth import synth
    from infrakit.preflight import preflight_scenario

    report = preflight_scenario(scenario, synth_result=synth(scenario, check_deployable=False))
    preflight_errors = [f.rule_id for f in report.errors]
    data["preflight"] = {"passed": report.passed, "errors": preflight_errors}
    parts = [f"As given ({describe(scenario)}): {money(data['monthly_usd'])}/month"]
    if problems:
        parts.append(f"the kit's rules refuse it: {'; '.join(problems)}")
    if preflight_errors:
        parts.append(f"preflight errors: {', '.join(dict.fromkeys(preflight_errors))}")
    else:
        parts.append("preflight passes")
    caught = bool(problems or preflight_errors)
    return Step("as_given", "failed" if caught else "ok", "; ".join(parts) + ".", data, time.perf_counter() - start)


def steps_frame(steps) -> pd.DataFrame:
    """One row per step that ran: the decision's Parquet table."""
    done = [s for s in steps if s is not None]
    return pd.DataFrame({"step": [s.name for s in done], "status": [s.status for s in done],
                         "headline": [s.headline for s in done], "duration_s": [s.duration_s for s in done]})
