"""Run every rule (and cfn-lint) on one template; collect every finding, never stop at the first."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from infra_lib.preflight import cfn_lint_stage
from infra_lib.preflight import suppressions as suppression_mod
from infra_lib.preflight.context import Context, CostHooks
from infra_lib.preflight.facts import LiveFacts, OfflineFacts
from infra_lib.preflight.findings import SEVERITIES, Finding, PreflightReport
from infra_lib.preflight.packs import DEFAULT_PACK, severity
from infra_lib.preflight.rules import ALL_RULES
from infra_lib.preflight.suppressions import Suppression
from infrakit.core.cfn import UNKNOWN, TemplateIndex, cut, read_template_file
from infrakit.core.schema.limits import MAX_NESTED_STACK_DEPTH, MAX_NESTED_STACKS

ENVIRONMENT_TAGS = ("environment", "env", "stage")
PROD_WORDS = {"prod", "production", "prd"}
NON_PROD_WORDS = {"dev", "development", "test", "staging", "stage", "qa", "sandbox"}


def infer_environment(index: TemplateIndex, stack_name: str | None = None) -> str | None:
    """"prod" / "dev"-like from resource tags, else from the stack name's words; None when unknown."""
    for name in index.resources:
        for key, value in index.tags(index.properties(name)).items():
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


@dataclass
class _Budget:
    """What one run's levels spend together: cfn-lint's time (``--cfn-lint-timeout`` bounds the
    whole run, not each nested template), how many nested stacks were checked, and each nested
    template file read and linted once however many stacks use it."""

    lint_deadline: float
    nested_checked: int = 0
    templates: dict[Path, tuple[dict[str, Any], int]] = field(default_factory=dict)
    lint: dict[Path, list[Finding]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Run:
    """What every level of a (nested) template check shares."""

    region: str
    facts: OfflineFacts | LiveFacts
    today: dt.date
    environment: str | None
    costs: CostHooks | None
    cfn_lint: bool
    lint_bounds: Mapping[str, Any]
    pack: Mapping[str, str]
    template_dir: Path | None
    stack_name: str | None
    progress: Callable[[str], None] | None
    budget: _Budget


def _rule_findings(context: Context, pack: Mapping[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for rule in ALL_RULES:
        try:
            produced = list(rule.check(context))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others' findings
            produced = [Finding("PREFLIGHT", "rule-failed", "", f"Rule {rule.ID} failed on this template: "
                                f"{type(exc).__name__}: {cut(str(exc), 300)}",
                                "Report this template to the kit's maintainers.", "infrakit")]
        findings.extend(f.with_severity(severity(pack, f.rule_id, f.check)) for f in produced)
    if context.index.skipped:
        names = sorted(context.index.skipped)
        findings.append(Finding(
            "PREFLIGHT", "conditional-resources", "", f"{len(names)} resource(s) are not created at the parameter "
            f"defaults (their Condition is false) and were not checked: "
            f"{cut(', '.join(f'{n} ({context.index.skipped[n]})' for n in names), 400)}.",
            "Preflight again with the parameter values you deploy with (as Defaults) to check them.", "template",
            severity(pack, "PREFLIGHT", "conditional-resources")))
    return findings


def _lint_findings(template, run: _Run, template_bytes: int | None,
                   path: Path | None) -> tuple[cfn_lint_stage.LintRun | None, list[Finding]]:
    if not run.cfn_lint:
        return None, []
    if path is not None and path in run.budget.lint:
        return None, list(run.budget.lint[path])  # the same nested template file: linted once
    remaining = run.budget.lint_deadline - time.monotonic()
    if remaining <= 0:
        return None, [Finding("PREFLIGHT", "cfn-lint-timeout", "", "cfn-lint was not run on this nested template: "
                              "its time for the whole run (--cfn-lint-timeout) was used up by the templates before "
                              "it. The kit's own rules ran.",
                              "Run with a longer --cfn-lint-timeout, or preflight this template on its own.",
                              "cfn-lint")]
    try:
        bounds = {**run.lint_bounds, "timeout_s": remaining,
                  "stated_timeout_s": run.lint_bounds.get("timeout_s", cfn_lint_stage.TIMEOUT_S)}
        return cfn_lint_stage.start(template, run.region, template_bytes=template_bytes, **bounds), []
    except Exception as exc:  # noqa: BLE001 - cfn-lint is a second opinion; its crash must not hide ours
        return None, [Finding("PREFLIGHT", "cfn-lint-failed", "", f"cfn-lint could not start: "
                              f"{type(exc).__name__}: {cut(str(exc), 300)}", "Run cfn-lint on the template by hand.",
                              "cfn-lint")]


def _check(template, run: _Run, *, prefix: str = "", parameter_values: Mapping[str, Any] | None = None,
           template_bytes: int | None = None, chain: tuple[Path, ...] = (),
           index: TemplateIndex | None = None) -> list[Finding]:
    if index is None:
        index = TemplateIndex(template, region=run.region, stack_name=run.stack_name if not prefix else None,
                              parameter_values=parameter_values)
    context = Context(index=index, region=run.region, facts=run.facts, today=run.today,
                      environment=run.environment, costs=run.costs, template_bytes=template_bytes)
    path = chain[-1] if chain else None
    lint_run, findings = _lint_findings(template, run, template_bytes, path)
    try:
        findings.extend(_rule_findings(context, run.pack))
        if lint_run is not None:
            linted = lint_run.result(run.progress)
            if path is not None:
                run.budget.lint[path] = linted
            findings.extend(linted)
    finally:
        if lint_run is not None:
            lint_run.stop()
    # cfn-lint's matches keep its severity unless the pack ranks the rule; its status findings are ranked here.
    findings = [f.with_severity(severity(run.pack, f.rule_id, f.check) if f.rule_id == "PREFLIGHT"
                                else run.pack.get(f.rule_id, f.severity)) if f.check.startswith("cfn-lint") else f
                for f in findings]
    nested_findings: list[Finding] = []
    nested_stacks = list(index.of_type("AWS::CloudFormation::Stack"))
    for position, (name, props) in enumerate(nested_stacks):
        if run.budget.nested_checked >= MAX_NESTED_STACKS:
            rest = [n for n, _ in nested_stacks[position:]]
            findings.append(Finding("PREFLIGHT", "nested-stack-not-checked", "", f"{len(rest):,} nested stack(s) "
                                    f"were not checked ({cut(', '.join(rest), 300)}): this run had already checked "
                                    f"{MAX_NESTED_STACKS:,} nested stacks, CloudFormation's default quota of stacks "
                                    f"per account and region.",
                                    "Preflight the nested templates on their own (--template).", "template",
                                    severity(run.pack, "PREFLIGHT", "nested-stack-not-checked")))
            break
        path, why = _nested_template_path(index, name, props, run.template_dir, chain)
        if path is None:
            findings.append(Finding("PREFLIGHT", "nested-stack-not-checked", name,
                                    f"{name} is a nested stack whose template is not at hand ({why}): its "
                                    f"resources were not checked.",
                                    "Preflight the cloud assembly (--assembly cdk.out), which holds nested "
                                    "templates, or the nested template itself with --template.", "template",
                                    severity(run.pack, "PREFLIGHT", "nested-stack-not-checked")))
            continue
        if path not in run.budget.templates:
            run.budget.templates[path] = _read_nested(path, name)
        nested, size = run.budget.templates[path]
        run.budget.nested_checked += 1
        nested_findings.extend(_check(nested, run, prefix=f"{prefix}{name}/", template_bytes=size,
                                      parameter_values=_passed_parameters(props), chain=(*chain, path)))
    if prefix:  # this level's findings; nested levels prefixed themselves
        findings = [replace(f, resource=f"{prefix}{f.resource}" if f.resource else prefix.rstrip("/"))
                    for f in findings]
    return findings + nested_findings


def _nested_template_path(index: TemplateIndex, name: str, props: Mapping[str, Any], template_dir: Path | None,
                          chain: tuple[Path, ...]) -> tuple[Path | None, str]:
    """Where nested stack ``name``'s template is: the cloud assembly's asset (CDK), or a TemplateURL
    that is a local file (before `aws cloudformation package`); else (None, why not)."""
    metadata = index.resources[name].get("Metadata")
    asset = metadata.get("aws:asset:path") if isinstance(metadata, Mapping) else None
    url = props.get("TemplateURL")
    candidates = [asset] if isinstance(asset, str) else []
    if isinstance(url, str) and "://" not in url:
        candidates.append(url)
    if template_dir is None or not candidates:
        return None, "TemplateURL only" if url is not None else "no TemplateURL"
    for candidate in candidates:
        path = (Path(template_dir) / candidate).resolve()
        if not path.is_file():
            continue
        if path in chain:
            return None, f"{path.name} is a template this one is nested in: a cycle"
        if len(chain) + 1 >= MAX_NESTED_STACK_DEPTH:
            return None, f"nested more than {MAX_NESTED_STACK_DEPTH} levels deep"
        return path, ""
    return None, f"{cut(candidates[0], 120)} is not a file in {template_dir}"


def _read_nested(path: Path, name: str) -> tuple[dict[str, Any], int]:
    return read_template_file(path, label=f"nested stack {name}")


def _passed_parameters(props: Mapping[str, Any]) -> dict[str, Any]:
    """The parameter values a parent passes a nested stack (resolved in the parent); UNKNOWN where
    the parent's value is not known before deploy (another stack's output, a parameter without default)."""
    given = props.get("Parameters")
    if not isinstance(given, Mapping):
        return {}

    def known(value: Any) -> bool:
        return isinstance(value, (str, int, float, bool)) or (
            isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value))

    return {str(k): (",".join(str(x) for x in v) if isinstance(v, list) else v) if known(v) else UNKNOWN
            for k, v in given.items()}


def preflight(template: Mapping[str, Any], *, region: str, live: bool = False, session=None,
              suppressions: Sequence[Suppression] = (), environment: str | None = None,
              costs: CostHooks | None = None, today: dt.date | None = None, cfn_lint: bool = True,
              stack_name: str | None = None, pack: Mapping[str, str] = DEFAULT_PACK,
              template_dir: str | Path | None = None, template_bytes: int | None = None,
              cfn_lint_timeout_s: float | None = None,
              progress: Callable[[str], None] | None = None) -> PreflightReport:
    """Preflight one CloudFormation template (a dict). Offline by default: the dated catalogs.

    ``template_dir`` is where nested stacks' templates are (a cloud assembly): each nested
    stack found there is checked too, its findings' resources prefixed with the stack's id, with
    the parameter values its parent passes. ``template_bytes`` is the template file's size when
    it came from one (CloudFormation's limits apply to the file). cfn-lint is bounded (see
    ``cfn_lint_stage``): ``cfn_lint_timeout_s`` seconds at most; ``progress`` hears when it is slow.
    """
    facts = LiveFacts(region, session=session) if live else OfflineFacts(region)
    if today is None:
        today = facts.now.date() if live else dt.date.today()
    index = TemplateIndex(template, region=region, stack_name=stack_name)
    resolved_environment = _normalise(environment) if environment else infer_environment(index, stack_name)
    bounds = {} if cfn_lint_timeout_s is None else {"timeout_s": cfn_lint_timeout_s}
    budget = _Budget(lint_deadline=time.monotonic() + bounds.get("timeout_s", cfn_lint_stage.TIMEOUT_S))
    run = _Run(region=region, facts=facts, today=today, environment=resolved_environment, costs=costs,
               cfn_lint=cfn_lint, lint_bounds=bounds, pack=pack,
               template_dir=Path(template_dir) if template_dir else None, stack_name=stack_name, progress=progress,
               budget=budget)
    findings = [_bounded(f) for f in _check(template, run, template_bytes=template_bytes, index=index)]
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
    data_source["cfn_lint"] = cfn_lint_stage.version() if cfn_lint else None  # None too when not installed
    data_source["cfn_lint_status"] = _lint_status(findings, cfn_lint)
    data_source["today"] = today.isoformat()
    rules_run = [rule.ID for rule in ALL_RULES] + (["cfn-lint"] if cfn_lint else [])
    return PreflightReport(findings=findings, data_source=data_source, stack=stack_name, rules_run=rules_run)


def _lint_status(findings: Sequence[Finding], cfn_lint: bool) -> str:
    if not cfn_lint:
        return "off"
    checks = {f.check for f in findings if f.rule_id == "PREFLIGHT"}
    for check, status in (("cfn-lint-failed", "failed"), ("cfn-lint-timeout", "timed-out"),
                          ("cfn-lint-skipped", "skipped")):
        if check in checks:
            return status
    return "ran"


def _bounded(finding: Finding) -> Finding:
    """A finding as reports show it: template text in it cut to a readable length."""
    return replace(finding, resource=cut(finding.resource, 300), message=cut(finding.message, 2000),
                   fix=cut(finding.fix, 1000))


def rule_catalogue() -> list[dict[str, str]]:
    """Every rule's id, title, rationale and source URL (for `infrakit preflight --rules`)."""
    return [{"id": r.ID, "title": r.TITLE, "rationale": r.RATIONALE, "source_url": r.SOURCE_URL}
            for r in ALL_RULES]


__all__ = ["preflight", "rule_catalogue", "infer_environment"]
