"""Preflight: catch what would fail or overspend at deploy, from a synthesized template.

Rules live one per module in ``rules/``; their severity in ``packs.py``; facts come from the
dated catalogs (offline) or the AWS APIs (live) through ``facts.py``; cfn-lint runs on the same
template. Never imports pandas: dollar figures come through ``CostHooks`` from the caller.
"""

from infra_lib.preflight.context import CostHooks
from infra_lib.preflight.findings import Finding, PreflightReport
from infra_lib.preflight.runner import infer_environment, preflight, rule_catalogue
from infra_lib.preflight.suppressions import Suppression
from infra_lib.preflight.suppressions import parse as parse_suppressions

__all__ = ["CostHooks", "Finding", "PreflightReport", "Suppression", "infer_environment", "parse_suppressions",
           "preflight", "rule_catalogue"]


def __getattr__(name):  # PreflightPlugin imports aws_cdk (jsii, Node), so only when asked for
    if name == "PreflightPlugin":
        from infra_lib.preflight.plugin import PreflightPlugin

        return PreflightPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
