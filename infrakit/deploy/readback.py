"""Reading a stack back with boto3: its status (and an emulator's duplicate records of it),
the events that say which resource failed and why, its outputs, and waiting for an operation
an earlier run left going.

Connection failures raise ``TargetUnreachable`` (``target.reaching``), never a botocore
traceback.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infrakit.deploy.target import Target, reaching

Progress = Callable[[str], None]

SETTLE_POLL_S = 2.0  # how often a stack with an operation under way is looked at again
REVIEW_IN_PROGRESS = "REVIEW_IN_PROGRESS"  # a change set was created for a new stack and never executed
# States CloudFormation cannot deploy over; the first two only a destroy (or AWS console) clears.
STUCK_STATES = {
    "ROLLBACK_FAILED": "its creation failed and so did the rollback",
    "DELETE_FAILED": "an earlier delete failed part-way",
    "UPDATE_ROLLBACK_FAILED": "an update failed and so did its rollback (`aws cloudformation "
                              "continue-update-rollback` resumes it)",
}


def is_in_progress(status: str | None) -> bool:
    """An operation is under way (REVIEW_IN_PROGRESS is not one: it waits for nobody)."""
    return bool(status) and status.endswith("_IN_PROGRESS") and status != REVIEW_IN_PROGRESS


def stack_status(tgt: Target, stack_name: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    from botocore.exceptions import ClientError

    with reaching(tgt):
        try:
            return tgt.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise


def stacks_named(tgt: Target, stack_name: str) -> list[dict[str, Any]]:
    """Every live stack record with this name, with its id (to delete an empty one by id)."""
    if tgt.name == "aws":
        status = stack_status(tgt, stack_name)
        return [] if status is None else [{"StackName": stack_name, "StackId": stack_name, "StackStatus": status}]
    with reaching(tgt):
        pages = tgt.client("cloudformation").get_paginator("describe_stacks").paginate()
        return [s for page in pages for s in page["Stacks"] if s["StackName"] == stack_name]


def delete_stack_records(tgt: Target, stack_ids: list[str], *, timeout_s: float = 60.0) -> None:
    """Delete stacks by id and wait until they are gone."""
    cfn = tgt.client("cloudformation")
    with reaching(tgt):
        for stack_id in stack_ids:
            cfn.delete_stack(StackName=stack_id)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            left = [s for s in stack_ids
                    if cfn.describe_stacks(StackName=s)["Stacks"][0]["StackStatus"] != "DELETE_COMPLETE"]
            if not left:
                return
            time.sleep(1)


def wait_until_settled(tgt: Target, stack_name: str, *, timeout_s: float, progress: Progress) -> str | None:
    """Wait while an operation on the stack is under way (an interrupted deploy's, which
    CloudFormation finishes without the CLI); the status it settles in, or the last seen."""
    status = stack_status(tgt, stack_name)
    deadline = time.monotonic() + timeout_s
    told = 0.0
    while is_in_progress(status) and time.monotonic() < deadline:
        if time.monotonic() - told > 15:
            progress(f"infrakit: {stack_name} is {status} (an operation started earlier is still running); waiting "
                     f"up to {timeout_s:.0f} s for it to finish")
            told = time.monotonic()
        time.sleep(SETTLE_POLL_S)
        status = stack_status(tgt, stack_name)
    return status


def failure_from_events(tgt: Target, stack_name: str, *, since=None) -> dict[str, Any] | None:
    """The first resource that failed in the latest operation: logical id, type, reason."""
    from botocore.exceptions import ClientError

    with reaching(tgt):
        try:
            pages = tgt.client("cloudformation").get_paginator("describe_stack_events").paginate(StackName=stack_name)
            events = [e for page in pages for e in page["StackEvents"]]
        except ClientError:
            return None
    events.sort(key=lambda e: e["Timestamp"])
    if since is not None:
        events = [e for e in events if e["Timestamp"] >= since]
    failed = [e for e in events if e["ResourceStatus"].endswith("_FAILED")]
    # A resource's own failure first; the stack's summary event only when no resource failed.
    event = next((e for e in failed if e["ResourceType"] != "AWS::CloudFormation::Stack"), None) or (
        failed[-1] if failed else None)
    if event is None:
        return None
    return {"resource": event["LogicalResourceId"], "type": event["ResourceType"],
            "status": event["ResourceStatus"], "reason": event.get("ResourceStatusReason") or ""}


def camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def read_outputs(path: Path, stack_name: str, tgt: Target) -> dict[str, str]:
    """The stack's outputs (snake_case keys): from the CLI's outputs file, else from the stack."""
    from botocore.exceptions import ClientError

    raw: dict[str, Any] = {}
    if path.exists() and path.stat().st_size:
        raw = json.loads(path.read_text()).get(stack_name, {})
    if not raw:
        with reaching(tgt):
            try:
                described = tgt.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
                raw = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
            except ClientError:  # no stack: no outputs
                raw = {}
    return {camel_to_snake(k): str(v) for k, v in sorted(raw.items())}


def now_utc():
    import datetime as dt

    # Events carry second precision; one second of slack keeps this run's own events.
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
