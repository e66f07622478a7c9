"""Run every rule (and cfn-lint) on one template; collect every finding, never stop at the first."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from infra_lib.preflight import cfn_lint_stage
from infra_lib.preflight import suppressions as suppression_mod
from infra_lib.preflight.context import Context, CostHooks
from infra_lib.preflight.facts import LiveFacts, OfflineFacts
from infra_lib.preflight.findings import SEVERITIES, Finding, PreflightReport
from infra_lib.preflight.packs import DEFAULT_PACK, severity
from infra_lib.preflight.rules import ALL_RULES
from infra_lib.preflight.suppressions import Suppression
from infrakit.core.cfn import TemplateIndex

ENVIRONMENT_TAGS = ("environment", "env", "stage")
PROD_WORDS = {"prod", "production", "prd"}
NON_PROD_WORDS = {"dev", "development", "test", "staging", "stage", "qa", "sandbox"}


def infer_environment(index: TemplateIndex, stack_name: str | None = None) -> str | None:
    """"prod" / "dev"-like from resource tags, else from the stack name's words; None when unknown."""
    for _, resource in index.resources.items():
        props = resource.get("Properties") or {} if isinstance(resource, dict) else {}
        for key, value in index.tags(props).items():
            if key.lower() in ENVIRONMENT_TAGS:
                return _normalise(value)
    if stack_name:
        words = {w.lower() for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])", stack_name) if w}
        if words & PROD_WORDS:
            return "prod"
        found = words & NON_PROD_WORDS
        if found:
            return sorted(found)[0]
    return None


def _normalise(value: str) -> str:
    value = value.lower()
    return "prod" if value in PROD_WORDS else value


def _check(template, *, region, facts, today, environment, costs, cfn_lint, pack, template_dir,
           prefix: str, depth: int = 0) -> list[Finding]:
    index = TemplateIndex(template)
    context = Context(index=index, region=region, facts=facts, today=today, environment=environment, costs=costs)
    findings: list[Finding] = []
    for rule in ALL_RULES:
        try:
            produced = list(rule.check(context))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others' findings
            produced = [Finding("PREFLIGHT", "rule-failed", "", f"Rule {rule.ID} failed on this template: "
                                f"{type(exc).__name__}: {exc}", "Report this template to the kit's maintainers.",
                                "infrakit")]
        findings.extend(f.with_severity(severity(pack, f.rule_id, f.check)) for f in produced)
    if cfn_lint:
        try:
            linted = cfn_lint_stage.run(template, region)
            findings.extend(f.with_severity(pack.get(f.rule_id, f.severity)) for f in linted)
        except Exception as exc:  # noqa: BLE001 - cfn-lint is a second opinion; its crash must not hide ours
            findings.append(Finding("PREFLIGHT", "cfn-lint-failed", "", f"cfn-lint failed on this template: "
                                    f"{type(exc).__name__}: {exc}", "Run cfn-lint on the template by hand.",
                                    "cfn-lint", severity(pack, "PREFLIGHT", "cfn-lint-failed")))
    nested_findings: list[Finding] = []
    for name, props in index.of_type("AWS::CloudFormation::Stack"):
        metadata = (index.resources[name].get("Metadata") or {})
        asset = metadata.get("aws:asset:path") if isinstance(metadata, Mapping) else None
        path = Path(template_dir) / asset if template_dir and isinstance(asset, str) else None
        if path is not None and path.is_file() and depth < 5:
            nested = json.loads(path.read_text(encoding="utf-8"))
            nested_findings.extend(_check(nested, region=region, facts=facts, today=today, environment=environment,
                                   costs=costs, cfn_lint=cfn_lint, pack=pack, template_dir=template_dir,
                                   prefix=f"{prefix}{name}/", depth=depth + 1))
        else:
            findings.append(Finding("PREFLIGHT", "nested-stack-not-checked", name,
                                    f"{name} is a nested stack whose template is not at hand "
                                    f"({props.get('TemplateURL') and 'TemplateURL only' or 'no TemplateURL'}): "
                                    f"its resources were not checked.",
                                    "Preflight the cloud assembly (--assembly cdk.out), which holds nested "
                                    "templates, or the nested template itself with --template.", "template",
                                    severity(pack, "PREFLIGHT", "nested-stack-not-checked")))
    if prefix:  # this level's findings; nested levels prefixed themselves
        findings = [replace(f, resource=f"{prefix}{f.resource}" if f.resource else prefix.rstrip("/"))
                    for f in findings]
    return findings + nested_findings


def preflight(template: Mapping[str, Any], *, region: str, live: bool = False, session=None,
              suppressions: Sequence[Suppression] = (), environment: str | None = None,
              costs: CostHooks | None = None, today: dt.date | None = None, cfn_lint: bool = True,
              stack_name: str | None = None, pack: Mapping[str, str] = DEFAULT_PACK,
              template_dir: str | Path | None = None) -> PreflightReport:
    """Preflight one CloudFormation template (a dict). Offline by default: the dated catalogs.

    ``template_dir`` is where nested stacks' templates are (a cloud assembly): each nested
    stack found there is checked too, its findings' resources prefixed with the stack's id.
    """
    facts = LiveFacts(region, session=session) if live else OfflineFacts(region)
    if today is None:
        today = facts.now.date() if live else dt.date.today()
    resolved_environment = _normalise(environment) if environment else infer_environment(
        TemplateIndex(template), stack_name)
    findings = _check(template, region=region, facts=facts, today=today, environment=resolved_environment,
                      costs=costs, cfn_lint=cfn_lint, pack=pack, template_dir=template_dir, prefix="")
    declared, problems = suppression_mod.from_template(template)
    findings.extend(Finding("PREFLIGHT", "bad-suppression", "", problem,
                            "Give the suppression a reason of at least 10 characters.", "template", "error")
                    for problem in problems)
    findings = suppression_mod.apply(findings, [*suppressions, *declared])
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (f.suppressed, order.get(f.severity, 9), f.rule_id, f.resource))
    data_source = facts.data_source()
    data_source["environment"] = resolved_environment
    data_source["environment_from"] = ("given" if environment else "template" if resolved_environment else
                                       "unknown")
    data_source["cfn_lint"] = cfn_lint_stage.version() if cfn_lint else None
    data_source["today"] = today.isoformat()
    rules_run = [rule.ID for rule in ALL_RULES] + (["cfn-lint"] if cfn_lint else [])
    return PreflightReport(findings=findings, data_source=data_source, stack=stack_name, rules_run=rules_run)


def rule_catalogue() -> list[dict[str, str]]:
    """Every rule's id, title, rationale and source URL (for `infrakit preflight --rules`)."""
    return [{"id": r.ID, "title": r.TITLE, "rationale": r.RATIONALE, "source_url": r.SOURCE_URL}
            for r in ALL_RULES]


__all__ = ["preflight", "rule_catalogue", "infer_environment"]
