"""What a preflight run produces: findings, the rule interface and the report.

Rules say *what* they found (a rule id plus a ``check`` naming the kind of problem); how
serious it is comes from a pack (``packs.py``), cfn-lint and cdk-nag style: policy apart
from the rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Protocol

SEVERITIES = ("error", "warning", "info")
# PREFLIGHT checks that mean part of the template went unchecked: a report carrying one is not
# complete, whatever its errors (a pass then means "the checks that ran passed", and says so).
NOT_CHECKED = ("rule-failed", "cfn-lint-failed", "cfn-lint-timeout", "cfn-lint-skipped", "nested-stack-not-checked")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    check: str  # the kind of problem within the rule, e.g. "deprecated"; packs key on (rule_id, check)
    resource: str  # logical id ("" for the template as a whole)
    message: str
    fix: str
    source: str  # where the verdict came from: a live API call (region, time) or a dated catalog
    severity: str = "info"
    suppressed: bool = False
    suppression_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.suppressed:
            data.pop("suppression_reason")
        return data

    def with_severity(self, severity: str) -> "Finding":
        return replace(self, severity=severity)


class Rule(Protocol):
    """One rule per module under ``infra_lib/preflight/rules``: these attributes plus ``check``."""

    ID: str
    TITLE: str
    RATIONALE: str
    SOURCE_URL: str

    def check(self, context) -> Iterable[Finding]: ...


@dataclass
class PreflightReport:
    findings: list[Finding]
    data_source: dict[str, Any]
    stack: str | None = None
    rules_run: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and not f.suppressed]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning" and not f.suppressed]

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def not_checked(self) -> list[str]:
        """The PREFLIGHT checks saying what did not run (cfn-lint stopped, a nested stack not at
        hand, a rule that crashed), suppressed or not: each once, in the order found."""
        return list(dict.fromkeys(f.check for f in self.findings if f.rule_id == "PREFLIGHT"
                                  and f.check in NOT_CHECKED))

    @property
    def complete(self) -> bool:
        return not self.not_checked

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"passed": self.passed, "complete": self.complete, "not_checked": self.not_checked,
                                "data_source": self.data_source}
        if self.stack is not None:
            data["stack"] = self.stack
        data["findings"] = [f.to_json() for f in self.findings]
        data["counts"] = {s: sum(1 for f in self.findings if f.severity == s and not f.suppressed)
                          for s in SEVERITIES}
        data["counts"]["suppressed"] = sum(1 for f in self.findings if f.suppressed)
        data["rules_run"] = list(self.rules_run)
        return data
