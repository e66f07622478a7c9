"""cfn-lint as a library on the same template, so users get one verdict.

Its matches join the report as rule ``CFN-LINT-<id>`` with cfn-lint's own severity and are
labelled as cfn-lint's (source). Suppress one like any finding: ``CFN-LINT-W3010=...``.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any, Mapping

from infra_lib.preflight.findings import Finding

LEVELS = {"error": "error", "warning": "warning", "informational": "info", "info": "info"}


def version() -> str:
    return metadata.version("cfn-lint")


def run(template: Mapping[str, Any], region: str) -> list[Finding]:
    from cfnlint.api import ManualArgs, lint

    # default=str: a YAML template's unquoted AWSTemplateFormatVersion arrives as a date.
    matches = lint(json.dumps(template, default=str), config=ManualArgs(regions=[region]))
    findings = []
    source = f"cfn-lint {version()} (bundled specifications, region {region})"
    for match in matches:
        rule = match.rule
        path = list(getattr(match, "path", None) or [])
        resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""
        where = "/".join(str(p) for p in path)
        findings.append(Finding(
            rule_id=f"CFN-LINT-{rule.id}", check="cfn-lint", resource=resource,
            message=f"cfn-lint {rule.id} ({rule.shortdesc}): {match.message}" + (f" [at {where}]" if where else ""),
            fix=f"See {rule.source_url}" if getattr(rule, "source_url", None) else "See cfn-lint's rule docs.",
            source=source, severity=LEVELS.get(str(getattr(rule, "severity", "warning")).lower(), "warning"),
        ))
    return findings
