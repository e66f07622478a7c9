"""Suppressions: a finding is kept but does not fail the run, and the reason is reported.

Two places, both needing a reason of at least 10 characters:
- the command line / API: ``RULE[/check][:LogicalId]=reason``;
- the template: a resource's ``Metadata`` ``{"infrakit": {"preflight_suppressions":
  [{"id": "RULE[/check]", "reason": "..."}]}}`` (works for any CDK app: ``node.add_metadata``
  or ``cfn_resource.add_metadata``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from infra_lib.preflight.findings import Finding
from infrakit.core.errors import InputError
from infrakit.core.text import shown

MIN_REASON_CHARS = 10
METADATA_KEY = "infrakit"


@dataclass(frozen=True)
class Suppression:
    rule: str  # "RULE-ID" or "RULE-ID/check"
    reason: str
    resource: str | None = None  # None: every resource

    def matches(self, finding: Finding) -> bool:
        rule_ok = self.rule in (finding.rule_id, f"{finding.rule_id}/{finding.check}")
        return rule_ok and (self.resource is None or self.resource == finding.resource)


def parse(specs: Sequence[str]) -> list[Suppression]:
    """``RULE[/check][:LogicalId]=reason`` strings; every bad one is reported at once."""
    found, problems = [], []
    for spec in specs:
        target, sep, reason = spec.partition("=")
        rule, _, resource = target.partition(":")
        if not sep or not rule.strip():
            problems.append(f"--suppress {shown(spec)}: expected RULE[/check][:LogicalId]=REASON, "
                            f"e.g. NAT-GATEWAY-LAYOUT=dev shares one NAT by design")
            continue
        if len(reason.strip()) < MIN_REASON_CHARS:
            problems.append(f"--suppress {shown(spec)}: the reason {shown(reason.strip())} is shorter than "
                            f"{MIN_REASON_CHARS} characters; say why the finding does not apply.")
            continue
        found.append(Suppression(rule.strip(), reason.strip(), resource.strip() or None))
    if problems:
        raise InputError(problems)
    return found


def from_template(template: Mapping[str, Any]) -> tuple[list[Suppression], list[str]]:
    """Suppressions declared in resource metadata, and problems with them (short reasons)."""
    found, problems = [], []
    for name, resource in (template.get("Resources") or {}).items():
        metadata = (resource.get("Metadata") or {}).get(METADATA_KEY) if isinstance(resource, dict) else None
        entries = metadata.get("preflight_suppressions") if isinstance(metadata, dict) else None
        if entries is not None and not isinstance(entries, list):  # a string would be read letter by letter
            problems.append(f"{name}: Metadata.{METADATA_KEY}.preflight_suppressions is {shown(entries)}; expected "
                            f"a list of {{id: RULE, reason: ...}} entries.")
            continue
        for entry in entries or []:
            rule = entry.get("id") if isinstance(entry, dict) else None
            reason = str(entry.get("reason") or "").strip() if isinstance(entry, dict) else ""
            if not rule:
                problems.append(f"{name}: Metadata.{METADATA_KEY}.preflight_suppressions entry {shown(entry)} has no "
                                f"id; give each entry an id (the rule, e.g. NAT-GATEWAY-LAYOUT) and a reason.")
            elif len(reason) < MIN_REASON_CHARS:
                problems.append(f"{name}: suppression of {shown(rule)} needs a reason of at least {MIN_REASON_CHARS} "
                                f"characters (got {shown(reason)}).")
            else:
                found.append(Suppression(str(rule), reason, name))
    return found, problems


def apply(findings: Iterable[Finding], suppressions: Sequence[Suppression]) -> list[Finding]:
    result = []
    for finding in findings:
        match = next((s for s in suppressions if s.matches(finding)), None)
        if match:
            from dataclasses import replace

            finding = replace(finding, suppressed=True, suppression_reason=match.reason)
        result.append(finding)
    return result
