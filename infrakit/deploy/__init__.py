"""Deploy, destroy and diff a scenario's stack with the pinned CDK CLI, locally or on AWS.

The kit does not reimplement CloudFormation deploys: it synthesizes the cloud assembly
(``infra_lib.synth``), gates it with preflight, and runs ``node_modules/.bin/cdk deploy --app
<assembly dir>`` with the venv's Node first on PATH, streaming the CLI's progress. Then it
reads the result back with boto3: the stack's events when the deploy failed (which resource,
why), and the deployed NAT gateways, Aurora cluster and ALB listeners against the template
when it succeeded.

The package, by job:

- ``run``: the three entry points as sequences of named steps;
- ``job``: one run's request checks, locks (one deploy or destroy per stack and target at a
  time), its ``deploy.json`` from start (``running``) to end, and how interruptions end;
- ``results``: ``DeployResult`` / ``DiffResult`` (the ``--json`` contract) and the statuses;
- ``target``: local emulator or AWS, the CLI's environment, boto3 clients (``open_target``
  is the seam tests replace);
- ``cdk_cli``: finding and running the pinned CLI (``CDK_CLI`` is the seam), its failure text;
- ``readback``: stack status, events, outputs; ``verify``: the plan and the checks;
- ``signals``: SIGTERM handled like Ctrl-C.
"""

from infrakit.aws_env import aws_session
from infrakit.deploy.cdk_cli import check_cdk_cli, cli_failure
from infrakit.deploy.readback import failure_from_events, stack_status
from infrakit.deploy.results import (
    DEPLOYED,
    DESTROYED,
    FAILED,
    INTERRUPTED,
    NO_CHANGES,
    NOT_FOUND,
    OK_STATUSES,
    REFUSED,
    RUNNING,
    STATUSES,
    DeployInterrupted,
    DeployOutputError,
    DeployResult,
    DiffResult,
)
from infrakit.deploy.run import deploy_scenario, destroy_scenario, diff_scenario
from infrakit.deploy.target import TARGETS, Target, TargetUnreachable, check_target
from infrakit.deploy.verify import plan_from_template, verify_stack

__all__ = [
    "DEPLOYED", "DESTROYED", "FAILED", "INTERRUPTED", "NO_CHANGES", "NOT_FOUND", "OK_STATUSES", "REFUSED", "RUNNING",
    "STATUSES", "TARGETS", "DeployInterrupted", "DeployOutputError", "DeployResult", "DiffResult", "Target",
    "TargetUnreachable", "aws_session", "check_cdk_cli", "check_target", "cli_failure", "deploy_scenario",
    "destroy_scenario", "diff_scenario", "failure_from_events", "plan_from_template", "stack_status", "verify_stack",
]
