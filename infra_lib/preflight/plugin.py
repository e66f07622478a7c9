"""Preflight inside ``cdk synth``: a CDK policy-validation plugin for any CDK Python app.

    from infra_lib.preflight import PreflightPlugin

    app = App()
    Validations.of(app).add_plugins(PreflightPlugin())          # or App(policy_validation_beta1=[...])
    ...
    app.synth()

After synthesis the CDK hands the plugin every stack's template; the plugin runs the same
rules as `infrakit preflight` (and cfn-lint) on each, in the stack's own region (its
environment in the cloud assembly; the ``region`` keyword where a stack has none, then
``AWS_REGION``/``AWS_DEFAULT_REGION``/``CDK_DEFAULT_REGION``, then us-east-1), offline by default
(the dated catalogs; ``live=True`` asks the AWS APIs with the caller's credentials). Error
findings fail the synthesis, naming the rule ids and resources: ``cdk synth`` exits non-zero,
and an in-process ``app.synth()`` raises. Every unsuppressed finding goes into the
assembly's policy-validation report (``cdk.out/validation-report.json``) with its
severity, fix and source; the plugin's metadata there says where each stack's facts came
from and what was suppressed.

Suppressions are the same as the CLI's: resource metadata ``{"infrakit":
{"preflight_suppressions": [{"id", "reason"}]}}`` in the template, ``suppress=["RULE[/check]
[:LogicalId]=reason"]`` here, and the CDK's own ``Validations.of(scope).acknowledge(...)`` with
the id ``infrakit-preflight::RULE-ID``.

Dollar figures (Extended Support, NAT layouts) come only through ``costs`` (a ``CostHooks``
the caller supplies): infra_lib never imports the cost model.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from infrakit.core.cfn import cut
from infrakit.core.errors import InputError

if "aws_cdk" not in sys.modules:  # jsii starts with the first aws_cdk import: give it the venv's Node
    try:
        import infra_lib.cdk  # noqa: F401  (sets JSII_NODE unless the user chose one)
    except (ImportError, FileNotFoundError):
        pass

import aws_cdk as cdk  # noqa: E402
import jsii  # noqa: E402

from infra_lib.preflight.context import CostHooks  # noqa: E402
from infra_lib.preflight.findings import Finding, PreflightReport  # noqa: E402
from infra_lib.preflight.runner import preflight, rule_catalogue  # noqa: E402
from infra_lib.preflight.suppressions import parse as parse_suppressions  # noqa: E402

PLUGIN_NAME = "infrakit-preflight"
SEVERITIES = ("error", "warning", "info")
REPORTED_SEVERITIES = ("error", "warning")  # violations; info findings go into the report's metadata
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", "CDK_DEFAULT_REGION")


@dataclass(frozen=True)
class StackTemplate:
    """One stack the CDK asks the plugin to check."""

    template_path: str
    construct_path: str  # the stack's path in the construct tree ("Stage/Stack" in a stage)
    stack_name: str
    region: str | None  # from the stack's environment; None when the stack is environment-agnostic


def _mode(offline: bool | None, live: bool | None) -> bool:
    """``live`` from the two keywords; offline when neither is given."""
    if offline is not None and live is not None and offline == live:
        raise InputError([f"PreflightPlugin(offline={offline}, live={live}): the two disagree; give one, e.g. "
                          f"PreflightPlugin(live=True) to ask the AWS APIs or PreflightPlugin() for the catalogs"])
    if live is not None:
        return bool(live)
    return offline is False


@jsii.implements(cdk.IPolicyValidationPlugin, cdk.IPolicyValidationPluginBeta1)
class PreflightPlugin:
    """Run infrakit preflight on every template a CDK app synthesizes (see the module doc).

    Keywords: ``offline`` / ``live`` (offline by default), ``region`` (for stacks without
    one), ``suppress`` (``RULE[/check][:LogicalId]=reason``, reason of 10+ characters),
    ``environment`` ("prod", "dev", ...; default: from tags or the stack name), ``session``
    (a boto3 session for live mode), ``costs`` (``CostHooks``), ``cfn_lint`` (default True),
    ``today`` (the date support windows are judged on).
    """

    def __init__(self, *, offline: bool | None = None, live: bool | None = None, region: str | None = None,
                 suppress: Sequence[str] = (), environment: str | None = None, session=None,
                 costs: CostHooks | None = None, cfn_lint: bool = True, today: dt.date | None = None):
        problems = []
        try:
            self._live = _mode(offline, live)
        except InputError as exc:
            problems += exc.problems
        if region is not None and not (isinstance(region, str) and _REGION.match(region)):
            problems.append(f"PreflightPlugin(region={region!r}): not an AWS region code; give one such as "
                            f"'eu-west-1' (used for stacks whose environment has no region)")
        if isinstance(suppress, str):
            suppress = [suppress]
        try:
            self._suppressions = parse_suppressions(list(suppress))
        except InputError as exc:
            problems += [p.replace("--suppress", "PreflightPlugin(suppress=...)", 1) for p in exc.problems]
        if problems:
            raise InputError(problems)
        self._region, self._environment, self._session = region, environment, session
        self._costs, self._cfn_lint, self._today = costs, cfn_lint, today
        self.reports: list[PreflightReport] = []  # the last validation's reports, one per stack

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        from infrakit import __version__

        return __version__ if re.fullmatch(r"\d+\.\d+\.\d+", str(__version__)) else None

    @property
    def rule_ids(self) -> list[str] | None:
        return [rule["id"] for rule in rule_catalogue()]

    def validate(self, context) -> cdk.PolicyValidationPluginReport:
        """Called by the CDK after synthesis (``IPolicyValidationContext`` or its Beta1)."""
        return _to_cdk_report(self.check(stack_templates(context)))

    def region_for(self, stack: StackTemplate) -> tuple[str, str]:
        """(region, where it came from) for one stack."""
        if stack.region:
            return stack.region, "the stack's environment"
        if self._region:
            return self._region, "PreflightPlugin(region=...)"
        for variable in _REGION_VARIABLES:
            if os.environ.get(variable):
                return os.environ[variable], variable
        return "us-east-1", "default (no region in the stack's environment, no region=..., no AWS_REGION)"

    def check(self, stacks: Sequence[StackTemplate]) -> dict[str, Any]:
        """Preflight each stack; a plain report (``success``, ``violations``, ``metadata``) the
        CDK report is built from. Kept in ``self.reports`` too, one ``PreflightReport`` per stack."""
        self.reports, violations, metadata = [], [], {"mode": "live" if self._live else "offline"}
        for stack in stacks:
            region, region_from = self.region_for(stack)
            report = self._check_one(stack, region)
            report.data_source["region_from"] = region_from
            self.reports.append(report)
            violations += [_violation(f, stack) for f in report.findings
                           if not f.suppressed and f.severity in REPORTED_SEVERITIES]
            metadata[f"stack {stack.construct_path}"] = _describe(report, region, region_from)
            for label, chosen in (("info", [f for f in report.findings if not f.suppressed and f.severity == "info"]),
                                  ("suppressed", [f for f in report.findings if f.suppressed])):
                if chosen:
                    metadata[f"{label} in {stack.construct_path}"] = "; ".join(dict.fromkeys(
                        f"{f.rule_id}{' on ' + f.resource if f.resource else ''}: "
                        f"{f.suppression_reason if f.suppressed else f.message}" for f in chosen))
        errors = [v for v in violations if v["severity"] == "error"]
        return {"success": not errors, "violations": violations, "metadata": metadata}

    def _check_one(self, stack: StackTemplate, region: str) -> PreflightReport:
        try:
            template = json.loads(Path(stack.template_path).read_text(encoding="utf-8"))
            return preflight(template, region=region, live=self._live, session=self._session,
                             suppressions=self._suppressions, environment=self._environment, costs=self._costs,
                             today=self._today, cfn_lint=self._cfn_lint, stack_name=stack.stack_name,
                             template_dir=Path(stack.template_path).parent)
        except Exception as exc:  # noqa: BLE001 - fail the synthesis with the reason, never pass silently
            finding = Finding("PREFLIGHT", "plugin-failed", "", f"preflight could not check stack "
                              f"{stack.construct_path} ({stack.template_path}): {type(exc).__name__}: {cut(str(exc), 500)}",
                              "Fix the cause above, or run `infrakit preflight --assembly cdk.out` to see it.",
                              "infrakit", "error")
            return PreflightReport(findings=[finding], data_source={"mode": "live" if self._live else "offline",
                                                                    "region": region}, stack=stack.stack_name)


def _describe(report: PreflightReport, region: str, region_from: str) -> str:
    source = report.data_source
    where = (f"live AWS APIs in {region}" if source.get("mode") == "live" else
             f"offline catalogs (engine catalog snapshot {source.get('engine_catalog_snapshot')}) for {region}")
    counts = {s: sum(1 for f in report.findings if f.severity == s and not f.suppressed) for s in SEVERITIES}
    incomplete = (f"; INCOMPLETE, not everything was checked ({', '.join(report.not_checked)}): see the PREFLIGHT "
                  f"warnings" if not report.complete else "")
    return (f"{where} (region from {region_from}); environment {source.get('environment') or 'unknown'}; "
            f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info{incomplete}")


def _violation(finding: Finding, stack: StackTemplate) -> dict[str, Any]:
    """One finding as a CDK policy violation (plain dict; see ``_to_cdk_report``)."""
    resource = finding.resource
    if resource:
        logical_id, _, nested = resource.partition("/")  # a nested stack's resource: "NestedStack/LogicalId"
        where = {"resource_logical_id": logical_id, "template_path": stack.template_path}
    else:  # the template as a whole: point at the stack itself
        nested, where = "", {"construct_path": stack.construct_path}
    description = finding.message if not nested else f"In nested stack {logical_id}, {nested}: {finding.message}"
    return {"rule_name": finding.rule_id,
            "description": f"{finding.rule_id} on {resource or stack.stack_name}: {description} "
                           f"[source: {finding.source}]",
            "fix": finding.fix, "severity": finding.severity,
            "rule_metadata": {"check": finding.check, "source": finding.source, "stack": stack.stack_name,
                              "resource": resource or "(template)"},
            "violating_resources": [{"locations": [], **where}]}


def _to_cdk_report(report: dict[str, Any]) -> cdk.PolicyValidationPluginReport:
    violations = [cdk.PolicyViolation(
        rule_name=v["rule_name"], description=v["description"], fix=v["fix"], severity=v["severity"],
        rule_metadata=v["rule_metadata"],
        violating_resources=[cdk.PolicyViolatingResource(**r) for r in v["violating_resources"]])
        for v in report["violations"]]
    return cdk.PolicyValidationPluginReport(success=report["success"], violations=violations,
                                           metadata=report["metadata"])


def stack_templates(context) -> list[StackTemplate]:
    """The stacks of a validation context: ``stackTemplates`` (aws-cdk-lib 2.2xx), else the
    template paths with regions and names from the cloud assembly's manifest."""
    try:
        entries = [(s.template_path, s.stack_construct_path, s.region) for s in context.stack_templates]
    except Exception:  # noqa: BLE001 - an older CDK (Beta1 context) has only templatePaths
        entries = [(path, None, None) for path in context.template_paths]
    manifests: dict[Path, dict[str, dict]] = {}
    stacks = []
    for template_path, construct_path, region in entries:
        directory = Path(template_path).parent
        if directory not in manifests:
            manifests[directory] = _manifest_stacks(directory)
        known = manifests[directory].get(Path(template_path).name, {})
        construct_path = construct_path or known.get("construct_path") or Path(template_path).name.split(".")[0]
        stacks.append(StackTemplate(template_path=str(template_path), construct_path=construct_path,
                                    stack_name=known.get("stack_name") or construct_path.rsplit("/", 1)[-1],
                                    region=region or known.get("region")))
    return stacks


def _manifest_stacks(directory: Path) -> dict[str, dict]:
    """Template file name -> stack name, construct path and region, from ``manifest.json``."""
    try:
        artifacts = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    out = {}
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
        out[props.get("templateFile", f"{artifact_id}.template.json")] = {
            "stack_name": props.get("stackName") or artifact_id,
            "construct_path": (artifact.get("displayName") or artifact_id),
            "region": None if not region or region.startswith("unknown") else region}
    return out
