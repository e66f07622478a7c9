"""Where a deploy goes: the local emulator or AWS, with the environment the CDK CLI runs in,
boto3 clients for reading the result back, and the CDK assets bucket on the emulator.

``target="local"`` uses the emulator named by ``AWS_ENDPOINT_URL`` when it is set (``infrakit
emulator start``, or the report runner's), else one started in this process for the call;
``target="aws"`` uses the caller's credentials and region and never an exported endpoint.
``open_target`` is the seam tests replace to keep a run away from any target.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from infrakit.core.errors import InfrakitError, InputError

TARGETS = ("local", "aws")
# Endpoint variables a deploy to AWS must never inherit (they would send it to an emulator).
_ENDPOINT_VARS = ("AWS_ENDPOINT_URL",)

Progress = Callable[[str], None]


class TargetUnreachable(InfrakitError):
    """The emulator (or AWS) stopped answering; the message names it and says what to do."""


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise InputError([f"--target: {target!r} is not a deploy target; use local (the kit's AWS emulator, "
                          f"no account needed) or aws (your AWS profile and region)."])
    return target


@dataclass
class Target:
    name: str
    env: dict[str, str]
    region: str
    endpoint_url: str | None
    in_process: bool  # the emulator lives only as long as this call
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        if self.name == "aws":
            return f"AWS ({self.region})"
        return f"the emulator at {self.endpoint_url}"

    def session(self):
        import boto3

        if not self.endpoint_url:
            from infrakit.aws_env import aws_session

            return aws_session(self.region)
        return boto3.session.Session(region_name=self.region, aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID"),
                                     aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY"))

    def client(self, service: str):
        if service not in self._clients:  # client creation costs ~0.1 s each
            config = None
            if self.endpoint_url:  # an emulator on this machine answers at once or not at all
                from botocore.config import Config

                config = Config(connect_timeout=5, read_timeout=120, retries={"max_attempts": 2, "mode": "standard"})
            self._clients[service] = self.session().client(service, endpoint_url=self.endpoint_url, config=config)
        return self._clients[service]

    def alive(self) -> bool:
        """Whether the emulator still accepts connections (AWS: assumed)."""
        return endpoint_answers(self.endpoint_url) if self.endpoint_url else True

    def unreachable(self, detail: str = "") -> TargetUnreachable:
        detail = f" ({detail})" if detail else ""
        if self.name == "aws":
            return TargetUnreachable(f"AWS in {self.region} did not answer{detail}; check the network and your "
                                     f"credentials, then run the command again.")
        if self.in_process:
            return TargetUnreachable(f"the emulator this command started at {self.endpoint_url} stopped answering"
                                     f"{detail}; its resources are gone with it. Run the command again.")
        return TargetUnreachable(
            f"AWS_ENDPOINT_URL={self.endpoint_url} does not answer{detail}: is the emulator still running? Its "
            f"stacks are gone with it. Start one with `infrakit emulator start` and export what it prints, or "
            f"unset AWS_ENDPOINT_URL to let the command start its own; then run the command again.")


def endpoint_answers(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def reaching(tgt: Target):
    """botocore's connection failures become ``TargetUnreachable`` with what to do."""
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    try:
        yield
    except (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError) as exc:
        raise tgt.unreachable(type(exc).__name__) from exc


def stack_lock_key(target: str, region: str, stack: str) -> str | None:
    """What identifies "this stack on this target" across processes, or None for an emulator
    this process starts for itself (nobody else can reach it)."""
    if target == "aws":
        return f"aws|{region}|{stack}"
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return None
    parts = urlsplit(endpoint.strip().rstrip("/").lower())
    host = "127.0.0.1" if parts.hostname in ("localhost", "::1") else parts.hostname
    return f"local|{parts.scheme}://{host}:{parts.port}|{region}|{stack}"


def cli_env(base: Mapping[str, str]) -> dict[str, str]:
    from infra_lib.cdk.node import venv_node

    env = dict(base)
    env["PATH"] = f"{venv_node().parent}{os.pathsep}{env.get('PATH', '')}"  # the venv's Node first
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env["CDK_DISABLE_VERSION_CHECK"] = "true"  # no npm registry call on each run
    env["CI"] = "true"  # plain line-by-line progress on stdout
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return env


def open_target(target: str, region: str, stack: ExitStack, progress: Progress) -> Target:
    """The target, with an in-process emulator (stopped when ``stack`` closes) when local and
    no AWS_ENDPOINT_URL is set."""
    if target == "aws":
        env = {k: v for k, v in os.environ.items() if k not in _ENDPOINT_VARS and not k.startswith("AWS_ENDPOINT_URL_")}
        env.setdefault("AWS_REGION", region)
        return Target("aws", cli_env(env), region, None, in_process=False)
    from infra_lib.emulator import DUMMY_CREDENTIALS, start_emulator

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    in_process = not endpoint
    if in_process:
        emulator = stack.enter_context(start_emulator())
        endpoint = emulator.endpoint_url
        progress(f"infrakit: started the local AWS emulator at {endpoint} (in this process, for this command)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # Dummy credentials always: the user's real ones have no business near an emulator.
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                **DUMMY_CREDENTIALS})
    return Target("local", cli_env(env), region, endpoint, in_process=in_process)


def ensure_assets_bucket(tgt: Target) -> None:
    """The bucket `cdk bootstrap` would create; the CLI publishes the template there."""
    from infra_lib.emulator import CDK_ASSETS_BUCKET, DEFAULT_ACCOUNT_ID

    with reaching(tgt):
        account = tgt.client("sts").get_caller_identity().get("Account", DEFAULT_ACCOUNT_ID)
        bucket = CDK_ASSETS_BUCKET.format(account=account, region=tgt.region)
        s3 = tgt.client("s3")
        try:
            s3.head_bucket(Bucket=bucket)
            return
        except s3.exceptions.ClientError:  # absent: create it
            pass
        kwargs = {} if tgt.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": tgt.region}}
        try:
            s3.create_bucket(Bucket=bucket, **kwargs)
        except s3.exceptions.ClientError as exc:  # another kernel of the batch created it first
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


def cleanup_hint(tgt: Target, *, scenario_name: str) -> str:
    if tgt.in_process:
        return ("The emulator ran inside this command and stopped with it, so nothing is left to clean up; "
                "the next local deploy starts from an empty emulator.")
    where = "AWS" if tgt.name == "aws" else tgt.where
    return (f"To clean up {where}: `infrakit destroy SCENARIO.yaml --target {tgt.name}`"
            + (" --yes" if tgt.name == "aws" else "") + f" (the scenario named {scenario_name}); "
            f"to retry instead, run the same deploy again (the CDK CLI resumes or replaces a failed stack).")
