"""Preflight for users: a scenario, a template file or a cloud assembly in; a report out.

``infra_lib.preflight`` holds the rules and never imports pandas; this module adds what the
kit knows around them: loading and checking inputs (bad input is exit 2 before any slow
work), choosing the region and the data source, and the cost model's dollar figures.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from cost_model.preflight_costs import ModelCosts
from infrakit.aws_env import (  # noqa: F401  (this module's public names since before aws_env existed)
    check_region,
    credentials_available,
    known_regions,
    profile_problem,
)
from infrakit.core.errors import InputError

# Findings on our own stack that are the design, with the reason (suppressions need one).
KIT_STACK_SUPPRESSIONS = (
    ("CFN-LINT-W3010", "AZ names come from the dated region catalog so that synthesis needs no AWS lookup"),
    ("CFN-LINT-W3005", "CDK emits this DependsOn itself; it is redundant, not wrong"),
)


# --- entry points ---------------------------------------------------------------------------

def resolve_mode(*, live: bool | None) -> bool:
    """``live=None``: live when credentials or an endpoint are configured, else offline."""
    if live is not None:
        return live
    return credentials_available() or bool(os.environ.get("AWS_ENDPOINT_URL"))


def preflight_template(template: Mapping[str, Any], *, region: str, live: bool | None = False,
                       suppress: Sequence[str] = (), environment: str | None = None, stack_name: str | None = None,
                       session=None, cfn_lint: bool = True, today: dt.date | None = None,
                       extra_suppressions: Sequence = (), template_dir: str | Path | None = None,
                       template_bytes: int | None = None, cfn_lint_timeout_s: float | None = None,
                       progress: Callable[[str], None] | None = None):
    """Preflight ``template`` (see ``infra_lib.preflight.preflight``) with the cost model's figures."""
    from infra_lib.preflight import parse_suppressions, preflight

    suppressions = [*parse_suppressions(suppress), *extra_suppressions]
    live = resolve_mode(live=live)
    if live and session is None and (problem := profile_problem()):
        raise InputError([problem])
    return preflight(template, region=region, live=live, session=session,
                     suppressions=suppressions, environment=environment, costs=ModelCosts(),
                     stack_name=stack_name, cfn_lint=cfn_lint, today=today, template_dir=template_dir,
                     template_bytes=template_bytes, cfn_lint_timeout_s=cfn_lint_timeout_s, progress=progress)


def preflight_scenario(scenario: Mapping[str, Any], *, synth_result=None, live: bool | None = False,
                       suppress: Sequence[str] = (), session=None, cfn_lint: bool = True,
                       today: dt.date | None = None, cfn_lint_timeout_s: float | None = None,
                       progress: Callable[[str], None] | None = None):
    """Synthesize the scenario (unless given) and preflight its template. A scenario AWS would
    refuse still synthesizes here: reporting why is preflight's job."""
    from infra_lib.preflight import Suppression, parse_suppressions
    from infrakit.core.schema import validate_scenario

    checked = validate_scenario(dict(scenario))
    parse_suppressions(suppress)  # short reasons are bad input, reported before synthesis starts
    if synth_result is None:
        from infra_lib.cdk.synth import synth

        synth_result = synth(checked, check_deployable=False)
    kit = [Suppression(rule, reason) for rule, reason in KIT_STACK_SUPPRESSIONS]
    return preflight_template(synth_result.template, region=checked["region"], live=live, suppress=suppress,
                              environment=checked["environment"], stack_name=synth_result.stack_name,
                              session=session, cfn_lint=cfn_lint, today=today, extra_suppressions=kit,
                              template_bytes=_file_size(getattr(synth_result, "template_path", None)),
                              cfn_lint_timeout_s=cfn_lint_timeout_s, progress=progress)


def _file_size(path) -> int | None:
    try:
        return Path(path).stat().st_size if path else None
    except OSError:
        return None
